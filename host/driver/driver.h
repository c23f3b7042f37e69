// The host side of the VTA++ control port: the register sequence of a run, written once against a
// RegisterBus and shared by every driver — the Verilator harness (AXI4-Lite pins), the SystemC virtual
// board (TLM transactions) and the XRT backend (xrt::ip on a board). The register map is spec's.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <span>
#include <string>
#include <string_view>

#include "host/spec/hw_config.h"
#include "host/spec/isa.h"

namespace dcoc::driver {

// 32-bit accesses to the AXI4-Lite control port.
class RegisterBus {
 public:
  virtual ~RegisterBus() = default;
  virtual void Write32(uint32_t offset, uint32_t value) = 0;
  virtual uint32_t Read32(uint32_t offset) = 0;
};

uint64_t ReadCounter(RegisterBus& bus, int index);  // low word first (it latches the high word)
std::map<std::string, uint64_t> ReadCounters(RegisterBus& bus);  // every RTL counter by name

// Throws ConfigError when CONFIG_HASH is not the configuration's ("`what` was built for another
// configuration").
void CheckConfigHash(RegisterBus& bus, const spec::Spec& s, std::string_view what);

// Starts a run: INSN_ADDR, INSN_COUNT, then CTRL.start (which clears DONE, ERROR and the counters).
void Start(RegisterBus& bus, uint64_t insn_addr, uint32_t count);

// What ERROR reports, decoded (with the failing instruction's stream index and disassembly when
// `insns` is the stream), or "" when ERROR is 0.
std::string DescribeError(RegisterBus& bus, const spec::Spec& s, std::span<const spec::Instruction> insns);
// Module states, queue occupancy, tokens and each module's next instruction with what it waits for.
std::string Diagnose(RegisterBus& bus, const spec::Spec& s, std::span<const spec::Instruction> insns);

struct WaitOptions {
  double timeout_seconds = 600.0;   // wall clock
  uint64_t max_cycles = 0;          // 0: no bound on the device's cycle counter
  uint64_t watchdog_cycles = 200000;  // no progress counter moved for this many device cycles: deadlock
  std::function<void()> idle;       // between two polls: sleep on a board, advance the clock in a simulation
};

struct Completion {
  uint64_t cycles = 0;                       // the RTL's cycle counter, start to DONE
  std::map<std::string, uint64_t> counters;  // every RTL counter
  uint64_t polls = 0;                        // STATUS reads it took
};

// Polls STATUS until DONE, then checks ERROR and reads the counters. Throws ExecError on ERROR, on a
// deadlock (the watchdog: reads of the progress counters), past max_cycles or the timeout; each message
// carries Diagnose().
Completion WaitDone(RegisterBus& bus, const spec::Spec& s, std::span<const spec::Instruction> insns,
                    const WaitOptions& opts);

}  // namespace dcoc::driver
