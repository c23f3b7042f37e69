// The Verilator harness: runs an instruction stream on a verilated VTA++ with an AXI4 DRAM model
// (latency, bandwidth, bounds checks), an AXI4-Lite driver, a progress watchdog and optional FST
// waveforms, and returns the cycle count and every RTL counter.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "host/driver/driver.h"
#include "host/spec/hw_config.h"
#include "host/spec/isa.h"
#include "sim/verilator/vta_model.h"

namespace dcoc::sim {

struct DramTiming {
  int read_latency = 16;        // cycles from AR accepted to the first R beat
  int write_latency = 16;       // cycles from the last W beat to B
  int beat_interval = 1;        // cycles between R beats (1: one beat per cycle, the full bus)
  int max_outstanding_reads = 8;
};

struct HarnessOptions {
  DramTiming dram;
  uint64_t max_cycles = 0;              // 0: no bound
  uint64_t watchdog_cycles = 200000;    // no progress for this long ends the run with an error
  double timeout_seconds = 0.0;         // wall-clock bound, 0: none
  std::string trace_path;               // FST waveform when not empty
  // The decoded stream, when the caller has it: errors then name each module's blocked instruction.
  std::span<const spec::Instruction> insns;
};

struct HarnessResult {
  uint64_t cycles = 0;                        // the RTL's cycle counter (start to DONE)
  uint64_t sim_cycles = 0;                    // clock cycles simulated, register accesses included
  double wall_seconds = 0.0;
  std::map<std::string, uint64_t> counters;   // every counter of the register map by name
};

// The harness is also a driver::RegisterBus: the register sequence of a run (start, error decoding,
// diagnosis, counters) is the one the board drivers use (host/driver).
class Harness : public driver::RegisterBus {
 public:
  Harness(const spec::Spec& s, std::unique_ptr<VtaModel> model);
  ~Harness() override;

  std::vector<uint8_t>& dram() { return dram_; }
  const spec::Spec& spec() const { return spec_; }

  // Resets the RTL (scratchpads keep their contents, as on hardware).
  void Reset();
  // AXI4-Lite accesses; each takes a few clock cycles.
  void WriteReg(uint32_t offset, uint32_t value);
  uint32_t ReadReg(uint32_t offset);
  uint64_t ReadCounter(int index);
  void Write32(uint32_t offset, uint32_t value) override { WriteReg(offset, value); }
  uint32_t Read32(uint32_t offset) override { return ReadReg(offset); }
  // Advances the clock (a register-level driver's idle time between polls). Throws ExecError on a
  // DRAM-model error.
  void Advance(uint64_t cycles);
  uint64_t cycle() const;

  // Runs `count` instructions at byte address `insn_addr` of dram() to FINISH. Throws ExecError on a
  // watchdog expiry (deadlock: module states and token counts in the message), on an access outside
  // dram(), an error flagged by the RTL, a failed RTL assertion (its name, instance and cycle), or the
  // cycle/time bounds.
  HarnessResult Run(uint64_t insn_addr, uint32_t count, const HarnessOptions& opts = {});

 private:
  struct Impl;
  void Tick();
  void CheckAxi(const VtaPins& p, bool ar_hs, bool aw_hs);
  void RecordAssertions();

  spec::Spec spec_;
  std::unique_ptr<VtaModel> model_;
  std::vector<uint8_t> dram_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace dcoc::sim
