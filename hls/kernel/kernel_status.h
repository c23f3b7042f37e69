// What a kernel run reports, independent of the configuration (so the host side of a C simulation can
// read it for any configuration): the error bits, the first error, and the counts fsim reports too.
#pragma once

#include <cstdint>

// Error bits, as the RTL's ERROR register (plus what only a C simulation can see).
enum : uint32_t {
  kErrBadInsn = 1u << 0,     // an instruction no module executes, or a field combination the ISA forbids
  kErrFinishRace = 1u << 1,  // FINISH while the load or store module still had instructions
  kErrSramBounds = 1u << 2,  // a scratchpad row or micro-op range out of bounds (the access is skipped)
  kErrDramBounds = 1u << 3,  // C simulation: a DRAM access outside the image
  kErrDeadlock = 1u << 4,    // C simulation: no module can proceed before FINISH
  kErrNoFinish = 1u << 5,    // the stream ended without FINISH
  kErrInternal = 1u << 6,    // C simulation: the kernel broke an invariant of its own (a bug)
};

enum : int { kModLoad = 0, kModCompute = 1, kModStore = 2 };
enum : int { kQueueL2C = 0, kQueueC2L = 1, kQueueC2S = 2, kQueueS2C = 3 };

struct KernelStatus {
  uint32_t error = 0;        // every error bit seen
  uint32_t first_error = 0;  // the bit of the first error, which the fields below describe
  int32_t error_module = -1;  // module of the first error (-1: fetch or the whole kernel)
  int64_t error_insn = -1;    // position of the failing instruction in the stream
  uint64_t error_index = 0;   // the out-of-bounds row, micro-op index or DRAM byte
  int32_t error_buffer = -1;  // memory type of the out-of-bounds buffer
  uint64_t insns[3] = {0, 0, 0};               // instructions executed per module
  uint64_t load_bytes[6] = {0, 0, 0, 0, 0, 0};  // DRAM bytes loaded per memory type (padding excluded)
  uint64_t pad_rows[6] = {0, 0, 0, 0, 0, 0};    // padding rows written per memory type
  uint64_t store_bytes = 0, gemm_uops = 0, alu_uops = 0;
  uint64_t tokens[4] = {0, 0, 0, 0};           // tokens pushed per queue
  int64_t pending[3] = {-1, -1, -1};           // deadlock: each module's waiting instruction (stream index)
  uint32_t queued_tokens[4] = {0, 0, 0, 0};    // deadlock: tokens waiting in each queue
};
