// The verilated VTA++ RTL as a Device: cycle-accurate, with the RTL's counters. The model for the
// configuration is prebuilt or built on demand (sim/verilator/vta_model.h); the harness refuses a
// model whose CONFIG_HASH register does not match the configuration.
#include <chrono>

#include <fmt/format.h>

#include "host/common/error.h"
#include "host/runtime/verilator_device.h"

#include "host/runtime/driver_device.h"
#include "host/runtime/dram.h"
#include "sim/verilator/harness.h"

namespace dcoc::runtime {

namespace {

class VerilatorDevice final : public Device {
 public:
  explicit VerilatorDevice(const spec::Spec& s) : spec_(s), harness_(s, sim::CreateVtaModel(s)) {}
  std::string_view Backend() const override { return "verilator"; }
  const spec::Spec& spec() const override { return spec_; }
  uint64_t Alloc(uint64_t bytes, uint64_t align) override { return dram_.Alloc(bytes, align); }
  void Write(uint64_t addr, std::span<const uint8_t> bytes) override { dram_.Write(addr, bytes); }
  void Read(uint64_t addr, std::span<uint8_t> bytes) override { dram_.Read(addr, bytes); }

  RunStats Run(std::span<const spec::Instruction> insns, const RunOptions& opts) override {
    const std::vector<uint8_t> stream = spec::EncodeStream(spec_.isa, insns);
    std::vector<uint8_t>& mem = harness_.dram();
    mem.swap(dram_.bytes());
    const size_t user_bytes = mem.size();
    // The stream goes past the allocated memory, so it can never alias the program's data.
    const size_t insn_addr = (user_bytes + 63) / 64 * 64;
    mem.resize(insn_addr, 0);
    mem.insert(mem.end(), stream.begin(), stream.end());
    sim::HarnessOptions ho;
    ho.max_cycles = opts.max_cycles;
    ho.timeout_seconds = opts.timeout_seconds;
    ho.trace_path = opts.trace_path;
    ho.insns = insns;
    sim::HarnessResult r;
    try {
      r = harness_.Run(insn_addr, uint32_t(insns.size()), ho);
    } catch (...) {
      mem.resize(user_bytes);
      mem.swap(dram_.bytes());
      throw;
    }
    mem.resize(user_bytes);
    mem.swap(dram_.bytes());

    RunStats st;
    st.cycles = r.cycles;
    st.seconds = double(r.cycles) / spec_.ClockHz();
    st.wall_seconds = r.wall_seconds;
    st.counters = r.counters;  // the RTL's counters, named as in the counter table
    return st;
  }

 private:
  spec::Spec spec_;
  sim::Harness harness_;
  SimDram dram_;
};

// The harness as a register-level board: memory is the harness's DRAM model, registers go over its
// AXI4-Lite pins, idle time is clock cycles, recovery is the reset line.
class HarnessBoard final : public Board {
 public:
  explicit HarnessBoard(const spec::Spec& s) : harness_(s, sim::CreateVtaModel(s)), dram_(harness_.dram()) {}
  uint64_t Alloc(uint64_t bytes, uint64_t align) override { return dram_.Alloc(bytes, align); }
  void Write(uint64_t addr, std::span<const uint8_t> bytes) override { dram_.Write(addr, bytes); }
  void Read(uint64_t addr, std::span<uint8_t> bytes) override { dram_.Read(addr, bytes); }
  void Write32(uint32_t offset, uint32_t value) override { harness_.WriteReg(offset, value); }
  uint32_t Read32(uint32_t offset) override { return harness_.ReadReg(offset); }
  void Idle() override { harness_.Advance(kPollCycles); }
  void Recover() override { harness_.Reset(); }

 private:
  static constexpr uint64_t kPollCycles = 1024;
  sim::Harness harness_;
  SimDram dram_;
};

}  // namespace

void AddVerilatorDriverBackend(Registry& r) {
  r.Add({"verilator-driver",
         "the verilated RTL driven at register level like a board (the XRT backend's sequence: start, poll, "
         "watchdog on the counters)",
         true},
        [](const spec::Spec& s, const DeviceOptions&) -> std::unique_ptr<Device> {
          return std::make_unique<DriverDevice>("verilator-driver", s, std::make_unique<HarnessBoard>(s), s.ClockHz());
        });
}

void AddVerilatorBackend(Registry& r) {
  r.Add({"verilator", "the verilated VTA++ RTL: cycle-accurate, the RTL's counters, FST traces", true},
        [](const spec::Spec& s, const DeviceOptions&) -> std::unique_ptr<Device> {
          return std::make_unique<VerilatorDevice>(s);
        });
}

}  // namespace dcoc::runtime
