// The device interface every backend implements (fsim, verilator, systemc, hls-csim, xrt; remote later).
// Deliberately small, as VTA's driver API is: allocate, copy, run, read counters. Devices are created
// through a Registry (registry.h), filled at startup with the backends the build has (backends.h).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "host/spec/hw_config.h"
#include "host/spec/isa.h"
#include "host/spec/program.h"

namespace dcoc::runtime {

struct RunOptions {
  double timeout_seconds = 600.0;  // wall-clock bound for one run
  uint64_t max_cycles = 0;         // 0: no bound (timed backends only)
  std::string trace_path;          // waveform output, where the backend supports it
  uint64_t seed = 1;               // backends with a random element (fsim's interleaving)
};

struct RunStats {
  uint64_t cycles = 0;                        // simulated or measured cycles; 0 for untimed backends
  double seconds = 0.0;                       // cycles at the configured clock, or measured time
  double wall_seconds = 0.0;                  // host time the run took
  std::map<std::string, uint64_t> counters;   // counters named as in host/spec/counters.h
};

class Device {
 public:
  virtual ~Device() = default;
  virtual std::string_view Backend() const = 0;
  virtual const spec::Spec& spec() const = 0;

  // Device memory is one flat byte-addressed DRAM. Alloc returns the byte address of a new block.
  virtual uint64_t Alloc(uint64_t bytes, uint64_t align = 64) = 0;
  virtual void Write(uint64_t addr, std::span<const uint8_t> bytes) = 0;
  virtual void Read(uint64_t addr, std::span<uint8_t> bytes) = 0;
  // Runs an instruction stream to FINISH against the device memory.
  virtual RunStats Run(std::span<const spec::Instruction> insns, const RunOptions& opts) = 0;
};

// The instructions of a program whose DRAM image is placed at byte `base` instead of 0: every LOAD and
// STORE moves by base / (its memory type's row bytes). Throws UsageError when `base` is not a multiple
// of a row size the program addresses, EncodeError when a moved address does not fit its field.
std::vector<spec::Instruction> Relocate(const spec::Spec& s, std::span<const spec::Instruction> insns, uint64_t base);
// The alignment RunProgram allocates a program's image with: the largest row of any memory type (and
// at least 64 bytes), so that every relocation is exact.
uint64_t ImageAlignment(const spec::Spec& s);

// Allocates a program's DRAM image on the device (anywhere: the instructions are relocated to it), runs
// it, and returns the final image. The device may have run other programs before.
struct ProgramRun {
  RunStats stats;
  std::vector<uint8_t> dram;
};
ProgramRun RunProgram(Device& dev, const spec::Program& p, const RunOptions& opts = {});

}  // namespace dcoc::runtime
