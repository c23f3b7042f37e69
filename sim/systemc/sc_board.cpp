#include "sim/systemc/sc_board.h"

#include <cmath>
#include <mutex>

#include <fmt/format.h>

#include "host/common/error.h"
#include "host/runtime/dram.h"
#include "sim/systemc/vta_sc.h"
#include "sim/verilator/harness.h"

// SystemC's library defines main() and calls sc_main from it. dcoc's executables have their own main
// and never run SystemC's, but the library references the symbol, so it must exist.
int sc_main(int, char**) { return 1; }

namespace dcoc::sim {

namespace {

using sc_core::sc_time;

// SystemC keeps one current simulation context per process. Each board owns a context and makes it
// current while it simulates; this lock keeps two boards (in two threads) from interleaving that.
std::mutex& SystemcLock() {
  static std::mutex m;
  return m;
}

// The board's modules: the clock at the accelerator frequency, VTA++, the DRAM target and the host.
struct Top : sc_core::sc_module {
  sc_core::sc_clock clk;
  DramSc dram;
  VtaSc vta;
  HostSc host;

  Top(sc_core::sc_module_name name, const spec::Spec& s, std::unique_ptr<VtaModel> model, const ScTiming& t,
      std::vector<uint8_t>& storage)
      : sc_module(name),
        clk("clk", sc_time(1.0 / t.clock_mhz, sc_core::SC_US)),
        dram("dram", storage, t, s.bus_bytes),
        vta("vta", s, std::move(model), t),
        host("host") {
    vta.clk(clk);
    host.bus.bind(vta.ctrl);
    vta.mem.bind(dram.socket);
  }
};

ScTiming ToSc(const BoardTiming& t) {
  ScTiming s;
  s.clock_mhz = t.clock_mhz;
  s.read_latency = sc_time(t.read_latency_ns, sc_core::SC_NS);
  s.write_latency = sc_time(t.write_latency_ns, sc_core::SC_NS);
  s.bytes_per_second = t.bytes_per_second;
  s.beat_interval = t.beat_interval;
  s.max_outstanding_reads = t.max_outstanding_reads;
  s.name = t.name;
  return s;
}

class ScBoard final : public runtime::Board {
 public:
  ScBoard(const spec::Spec& s, const BoardTiming& timing, std::unique_ptr<VtaModel> model)
      : period_(1.0 / timing.clock_mhz, sc_core::SC_US), dram_(storage_) {
    std::lock_guard<std::mutex> lock(SystemcLock());
    ctx_ = std::make_unique<sc_core::sc_simcontext>();
    Activate();
    top_ = std::make_unique<Top>("board", s, std::move(model), ToSc(timing), storage_);
    sc_core::sc_start(period_ * 6);  // elaboration and the reset cycles
  }

  ~ScBoard() override {
    std::lock_guard<std::mutex> lock(SystemcLock());
    Activate();
    top_.reset();
    ctx_.reset();
    sc_core::sc_curr_simcontext = nullptr;
    sc_core::sc_default_global_context = nullptr;
  }

  uint64_t Alloc(uint64_t bytes, uint64_t align) override { return dram_.Alloc(bytes, align); }
  void Write(uint64_t addr, std::span<const uint8_t> bytes) override { dram_.Write(addr, bytes); }
  void Read(uint64_t addr, std::span<uint8_t> bytes) override { dram_.Read(addr, bytes); }

  void Write32(uint32_t offset, uint32_t value) override { (void)Access(true, offset, value); }
  uint32_t Read32(uint32_t offset) override { return Access(false, offset, 0); }

  void Idle() override { RunCycles(kPollCycles); }

  void Recover() override {
    top_->vta.RequestReset();
    RunCycles(6);
  }

 private:
  static constexpr uint64_t kPollCycles = 1024;

  void Activate() {
    sc_core::sc_curr_simcontext = ctx_.get();
    sc_core::sc_default_global_context = ctx_.get();
  }

  // The host issues the access as a TLM transaction; the simulation runs until it completes.
  uint32_t Access(bool write, uint32_t offset, uint32_t value) {
    std::lock_guard<std::mutex> lock(SystemcLock());
    Activate();
    top_->host.Post(write, offset, value);
    for (int i = 0; i < 20 && !top_->host.done(); ++i) sc_core::sc_start(period_ * 64);
    if (!top_->host.done())
      throw ExecError(fmt::format("AXI4-Lite {} of register {:#x} got no response in 1280 cycles",
                                  write ? "write" : "read", offset));
    if (!top_->host.error().empty())
      throw ExecError(fmt::format("AXI4-Lite access to {:#x} failed: {}", offset, top_->host.error()));
    CheckBridge();
    return top_->host.value();
  }

  void RunCycles(uint64_t n) {
    std::lock_guard<std::mutex> lock(SystemcLock());
    Activate();
    sc_core::sc_start(period_ * double(n));
    CheckBridge();
  }

  void CheckBridge() {
    if (top_->vta.error().empty()) return;
    const std::string e = top_->vta.error();
    top_->vta.ClearError();
    throw ExecError(fmt::format("cycle {}: {}", top_->vta.cycle(), e));
  }

  sc_time period_;
  std::vector<uint8_t> storage_;
  runtime::SimDram dram_;
  std::unique_ptr<sc_core::sc_simcontext> ctx_;
  std::unique_ptr<Top> top_;
};

}  // namespace

BoardTiming HarnessTiming(const spec::Spec& s) {
  const DramTiming h;  // the harness's defaults
  const double ns_per_cycle = 1000.0 / s.config.clock_mhz;
  BoardTiming t;
  t.clock_mhz = s.config.clock_mhz;
  t.read_latency_ns = h.read_latency * ns_per_cycle;
  t.write_latency_ns = h.write_latency * ns_per_cycle;
  t.bytes_per_second = 0;
  t.beat_interval = h.beat_interval;
  t.max_outstanding_reads = h.max_outstanding_reads;
  t.name = "harness";
  return t;
}

BoardTiming TimingOf(const boards::Board& b, const spec::Spec& s) {
  BoardTiming t;
  t.clock_mhz = s.config.clock_mhz;
  t.read_latency_ns = b.dram.read_latency_ns;
  t.write_latency_ns = b.dram.write_latency_ns;
  t.bytes_per_second = b.bandwidth_gbps * 1e9 * b.dram.efficiency;
  // A read beat is one bus word; it cannot come faster than the DRAM delivers one.
  const double bytes_per_cycle = t.bytes_per_second / (s.config.clock_mhz * 1e6);
  t.beat_interval = std::max(1, int(std::ceil(double(s.bus_bytes) / bytes_per_cycle - 1e-9)));
  t.max_outstanding_reads = b.dram.max_outstanding_reads;
  t.name = b.name;
  return t;
}

std::unique_ptr<runtime::Board> CreateScBoard(const spec::Spec& s, const BoardTiming& timing) {
  if (!(timing.clock_mhz > 0) || timing.beat_interval < 1 || timing.max_outstanding_reads < 1 ||
      timing.read_latency_ns < 0 || timing.write_latency_ns < 0 || timing.bytes_per_second < 0)
    throw UsageError(fmt::format("board timing of {}: clock, beat interval and outstanding reads must be positive, "
                                 "latencies and bandwidth not negative",
                                 timing.name));
  return std::make_unique<ScBoard>(s, timing, CreateVtaModel(s));
}

void AddSystemcBackend(runtime::Registry& r) {
  r.Add({"systemc",
         "the SystemC virtual board: the verilated RTL, TLM-2.0 AXI bridges, a DRAM target with the board's timing "
         "(--board; default: the harness's), register accesses from the host",
         true},
        [](const spec::Spec& s, const runtime::DeviceOptions& o) -> std::unique_ptr<runtime::Device> {
          const BoardTiming t = o.board.empty() ? HarnessTiming(s) : TimingOf(boards::LoadBoard(o.board), s);
          return std::make_unique<runtime::DriverDevice>("systemc", s, CreateScBoard(s, t), t.clock_mhz * 1e6);
        });
}

}  // namespace dcoc::sim
