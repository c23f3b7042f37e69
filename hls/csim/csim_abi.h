// The interface between the hls-csim backend and one configuration's kernel compiled for C simulation
// (prebuilt into dcoc, or a shared library built on demand): plain functions and structs that do not
// depend on the configuration.
#pragma once

#include <cstdint>

#include "kernel_status.h"

struct DcocHlsKernel {
  const char* tag;  // the configuration tag the kernel was generated for
  void* (*create)();            // scratchpads for one device
  void (*destroy)(void* state);
  // Runs `insn_count` instructions at byte `insn_addr` of the `bytes`-byte DRAM image to FINISH.
  void (*run)(void* state, uint8_t* dram, uint64_t bytes, uint64_t insn_addr, uint32_t insn_count, KernelStatus* st);
};
