#include "sim/verilator/harness.h"

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <algorithm>
#include <array>
#include <deque>
#include <optional>

#include <fmt/format.h>

#include "host/common/error.h"
#include "host/spec/counters.h"
#include "host/spec/regmap.h"
#include "host/spec/routing.h"

namespace dcoc::sim {

namespace {
struct ReadBurst {
  uint64_t addr;  // bus-aligned address of the next beat
  int beats_left;
  uint8_t id;
  uint64_t ready_cycle;
};
struct WriteBurst {
  uint64_t addr;
  int beats_left;
};
}  // namespace

struct Harness::Impl {
  VtaPins pins;
  DramTiming timing;
  uint64_t cycle = 0;
  std::deque<ReadBurst> reads;
  std::deque<WriteBurst> writes;
  std::deque<uint64_t> bresp;  // cycle at which each write response becomes valid
  uint64_t next_beat_cycle = 0;
  uint64_t mem_events = 0;     // AXI handshakes on the memory side (watchdog progress)
  std::string error;           // first DRAM-model error, reported by Run()
  bool axil_w_hs = false, axil_ar_hs = false;  // control-port handshakes at the last edge
  bool run_failed = false;     // the last Run() threw
  bool ar_pending = false, aw_pending = false;  // a valid address not yet accepted (must stay stable)
  uint64_t ar_addr = 0, aw_addr = 0;
  uint8_t ar_len = 0, aw_len = 0, ar_id = 0;
  bool axi_log = std::getenv("DCOC_AXI_LOG") != nullptr;  // print every memory-side handshake to stderr
};

Harness::Harness(const spec::Spec& s, std::unique_ptr<VtaModel> model)
    : spec_(s), model_(std::move(model)), impl_(std::make_unique<Impl>()) {
  if (!model_) throw UsageError("Harness needs a model");
  Reset();
  driver::CheckConfigHash(*this, s, "the verilated model");
}

Harness::~Harness() { model_->CloseTrace(); }

void Harness::Reset() {
  Impl& m = *impl_;
  m.pins = VtaPins{};
  m.reads.clear();
  m.writes.clear();
  m.bresp.clear();
  m.ar_pending = m.aw_pending = false;
  m.error.clear();
  (void)model_->TakeAssertionFailures();
  m.pins.rst_n = 0;
  for (int i = 0; i < 4; ++i) Tick();
  m.pins.rst_n = 1;
  Tick();
}

// AXI4 rules the master must keep: a valid address stays valid and stable until accepted; bursts are
// INCR, full-width, at most 256 beats, and never cross a 4 KiB boundary.
void Harness::CheckAxi(const VtaPins& p, bool ar_hs, bool aw_hs) {
  Impl& m = *impl_;
  if (!m.error.empty()) return;
  const uint64_t bus_bytes = uint64_t(spec_.bus_bytes);
  auto burst_error = [&](const char* ch, uint64_t addr, int len, int size, int burst) -> std::string {
    const uint64_t first = addr & ~(bus_bytes - 1);
    if ((1u << size) != bus_bytes) return fmt::format("{}SIZE {} is not the bus width", ch, size);
    if (burst != 1) return fmt::format("{}BURST {} is not INCR", ch, burst);
    if ((first % spec::kAxiBoundaryBytes) + uint64_t(len + 1) * bus_bytes > spec::kAxiBoundaryBytes)
      return fmt::format("{} burst at {:#x} of {} beats crosses a {}-byte boundary", ch, addr, len + 1,
                         spec::kAxiBoundaryBytes);
    return "";
  };
  if (p.m_axi_arvalid) {
    if (m.ar_pending && (p.m_axi_araddr != m.ar_addr || p.m_axi_arlen != m.ar_len || p.m_axi_arid != m.ar_id))
      m.error = "AXI protocol: AR changed while ARVALID waited for ARREADY";
    else if (std::string e = burst_error("AR", p.m_axi_araddr, p.m_axi_arlen, p.m_axi_arsize, p.m_axi_arburst); !e.empty())
      m.error = "AXI protocol: " + e;
  } else if (m.ar_pending) {
    m.error = "AXI protocol: ARVALID dropped before ARREADY";
  }
  if (p.m_axi_awvalid) {
    if (m.aw_pending && (p.m_axi_awaddr != m.aw_addr || p.m_axi_awlen != m.aw_len))
      m.error = "AXI protocol: AW changed while AWVALID waited for AWREADY";
    else if (std::string e = burst_error("AW", p.m_axi_awaddr, p.m_axi_awlen, p.m_axi_awsize, p.m_axi_awburst); !e.empty())
      m.error = "AXI protocol: " + e;
  } else if (m.aw_pending) {
    m.error = "AXI protocol: AWVALID dropped before AWREADY";
  }
  m.ar_pending = p.m_axi_arvalid && !ar_hs;
  m.ar_addr = p.m_axi_araddr;
  m.ar_len = p.m_axi_arlen;
  m.ar_id = p.m_axi_arid;
  m.aw_pending = p.m_axi_awvalid && !aw_hs;
  m.aw_addr = p.m_axi_awaddr;
  m.aw_len = p.m_axi_awlen;
}

// One clock cycle. With the clock low the harness drives its side (from its state) and the model
// settles; the handshakes visible then take place at the rising edge, where the model's flops and the
// harness's state both advance.
void Harness::Tick() {
  Impl& m = *impl_;
  VtaPins& p = m.pins;
  const uint64_t bus_bytes = uint64_t(spec_.bus_bytes);
  const uint64_t dram_size = dram_.size();

  // Harness-driven signals for this cycle.
  p.m_axi_arready = m.reads.size() < size_t(m.timing.max_outstanding_reads);
  const bool rvalid = !m.reads.empty() && m.reads.front().ready_cycle <= m.cycle && m.cycle >= m.next_beat_cycle;
  p.m_axi_rvalid = rvalid;
  if (rvalid) {
    const ReadBurst& rb = m.reads.front();
    p.m_axi_rid = rb.id;
    p.m_axi_rlast = rb.beats_left == 1;
    std::memset(p.m_axi_rdata.data(), 0, sizeof(p.m_axi_rdata));
    // A beat that starts inside the image is legal (the stream or a row may end mid-beat): the bytes
    // past the end read as zero. A beat entirely outside is an out-of-bounds access.
    if (rb.addr < dram_size) {
      std::memcpy(p.m_axi_rdata.data(), dram_.data() + rb.addr, size_t(std::min(bus_bytes, dram_size - rb.addr)));
    } else if (m.error.empty()) {
      m.error = fmt::format("the RTL read DRAM bytes [{:#x}, {:#x}) (AXI ID {}), outside the {}-byte image", rb.addr,
                            rb.addr + bus_bytes, rb.id, dram_size);
    }
  } else {
    p.m_axi_rlast = 0;
  }
  p.m_axi_awready = m.writes.size() < 8;
  p.m_axi_wready = !m.writes.empty();
  p.m_axi_bvalid = !m.bresp.empty() && m.bresp.front() <= m.cycle;

  model_->Step(false, p);
  if (model_->Tracing()) model_->Dump(2 * m.cycle);
  if (p.assert_failed) RecordAssertions();

  // Handshakes at this edge.
  const bool ar_hs = p.m_axi_arvalid && p.m_axi_arready;
  const bool r_hs = p.m_axi_rvalid && p.m_axi_rready;
  const bool aw_hs = p.m_axi_awvalid && p.m_axi_awready;
  const bool w_hs = p.m_axi_wvalid && p.m_axi_wready;
  const bool b_hs = p.m_axi_bvalid && p.m_axi_bready;
  m.axil_w_hs = p.s_axil_awvalid && p.s_axil_awready && p.s_axil_wvalid && p.s_axil_wready;
  m.axil_ar_hs = p.s_axil_arvalid && p.s_axil_arready;
  const ReadBurst ar{p.m_axi_araddr & ~(bus_bytes - 1), int(p.m_axi_arlen) + 1, p.m_axi_arid,
                     m.cycle + uint64_t(m.timing.read_latency)};
  const WriteBurst aw{p.m_axi_awaddr & ~(bus_bytes - 1), int(p.m_axi_awlen) + 1};
  CheckAxi(p, ar_hs, aw_hs);
  if (m.axi_log) {
    if (ar_hs) fmt::print(stderr, "[{}] AR id {} addr {:#x} len {}\n", m.cycle, p.m_axi_arid, p.m_axi_araddr, p.m_axi_arlen);
    if (aw_hs) fmt::print(stderr, "[{}] AW addr {:#x} len {}\n", m.cycle, p.m_axi_awaddr, p.m_axi_awlen);
    if (w_hs)
      fmt::print(stderr, "[{}] W strb {:#x} last {} data[31:0] {:#010x} -> burst at {:#x}\n", m.cycle, p.m_axi_wstrb,
                 p.m_axi_wlast, p.m_axi_wdata[0], m.writes.front().addr);
  }
  if (w_hs) {
    WriteBurst& wb = m.writes.front();
    const auto* src = reinterpret_cast<const uint8_t*>(p.m_axi_wdata.data());
    for (uint64_t b = 0; b < bus_bytes; ++b) {
      if (!((p.m_axi_wstrb >> b) & 1)) continue;
      if (wb.addr + b < dram_size) {
        dram_[size_t(wb.addr + b)] = src[b];
      } else if (m.error.empty()) {
        m.error = fmt::format("the RTL wrote DRAM byte {:#x}, outside the {}-byte image", wb.addr + b, dram_size);
      }
    }
    const bool last_expected = wb.beats_left == 1;
    if (bool(p.m_axi_wlast) != last_expected && m.error.empty())
      m.error = fmt::format("AXI protocol: WLAST={} on a beat where the burst has {} beats left", int(p.m_axi_wlast),
                            wb.beats_left);
    wb.addr += bus_bytes;
    if (--wb.beats_left == 0) {
      m.writes.pop_front();
      m.bresp.push_back(m.cycle + uint64_t(m.timing.write_latency));
    }
  }

  model_->Step(true, p);
  if (model_->Tracing()) model_->Dump(2 * m.cycle + 1);
  if (p.assert_failed) RecordAssertions();

  if (r_hs) {
    ReadBurst& rb = m.reads.front();
    rb.addr += bus_bytes;
    m.next_beat_cycle = m.cycle + uint64_t(m.timing.beat_interval);
    if (--rb.beats_left == 0) m.reads.pop_front();
  }
  if (ar_hs) m.reads.push_back(ar);
  if (aw_hs) m.writes.push_back(aw);
  if (b_hs) m.bresp.pop_front();
  if (ar_hs || r_hs || aw_hs || w_hs || b_hs) ++m.mem_events;
  ++m.cycle;
}

// An RTL assertion failed at this edge: the first failure becomes the error the run reports (with the
// cycle), naming the assertion and its instance; later ones are counted.
void Harness::RecordAssertions() {
  Impl& m = *impl_;
  const std::vector<AssertionFailure> f = model_->TakeAssertionFailures();
  m.pins.assert_failed = 0;
  if (f.empty() || !m.error.empty()) return;
  std::string scope = f.front().scope;
  if (scope.rfind("TOP.", 0) == 0) scope = scope.substr(4);
  m.error = fmt::format("RTL assertion {} failed in {}", f.front().name, scope);
  if (f.size() > 1) m.error += fmt::format(" (and {} more at the same edge)", f.size() - 1);
}

void Harness::WriteReg(uint32_t offset, uint32_t value) {
  VtaPins& p = impl_->pins;
  p.s_axil_awvalid = 1;
  p.s_axil_wvalid = 1;
  p.s_axil_awaddr = offset;
  p.s_axil_wdata = value;
  p.s_axil_bready = 1;
  for (int guard = 0;; ++guard) {
    if (guard > 1000) throw ExecError(fmt::format("AXI4-Lite write of {:#x} got no response", offset));
    Tick();
    if (impl_->axil_w_hs) break;
  }
  p.s_axil_awvalid = 0;
  p.s_axil_wvalid = 0;
  for (int guard = 0; !p.s_axil_bvalid; ++guard) {
    if (guard > 1000) throw ExecError(fmt::format("AXI4-Lite write of {:#x} got no B response", offset));
    Tick();
  }
  Tick();  // B handshake
  p.s_axil_bready = 0;
}

uint32_t Harness::ReadReg(uint32_t offset) {
  VtaPins& p = impl_->pins;
  p.s_axil_arvalid = 1;
  p.s_axil_araddr = offset;
  p.s_axil_rready = 1;
  for (int guard = 0;; ++guard) {
    if (guard > 1000) throw ExecError(fmt::format("AXI4-Lite read of {:#x} got no response", offset));
    Tick();
    if (impl_->axil_ar_hs) break;
  }
  p.s_axil_arvalid = 0;
  for (int guard = 0; !p.s_axil_rvalid; ++guard) {
    if (guard > 1000) throw ExecError(fmt::format("AXI4-Lite read of {:#x} got no R response", offset));
    Tick();
  }
  const uint32_t v = p.s_axil_rdata;
  Tick();  // R handshake
  p.s_axil_rready = 0;
  return v;
}

uint64_t Harness::ReadCounter(int index) { return driver::ReadCounter(*this, index); }

void Harness::Advance(uint64_t cycles) {
  for (uint64_t i = 0; i < cycles; ++i) {
    Tick();
    if (!impl_->error.empty()) throw ExecError(fmt::format("cycle {}: {}", impl_->cycle, impl_->error));
  }
}

uint64_t Harness::cycle() const { return impl_->cycle; }

HarnessResult Harness::Run(uint64_t insn_addr, uint32_t count, const HarnessOptions& opts) {
  Impl& m = *impl_;
  if (count == 0) throw UsageError("cannot run an empty instruction stream (it needs a FINISH)");
  if (insn_addr % 16 != 0) throw UsageError(fmt::format("instruction address {:#x} is not 16-byte aligned", insn_addr));
  if (insn_addr + uint64_t(count) * 16 > dram_.size())
    throw UsageError(fmt::format("instructions [{:#x}, {:#x}) lie outside the {}-byte DRAM image", insn_addr,
                                 insn_addr + uint64_t(count) * 16, dram_.size()));
  m.timing = opts.dram;
  if (m.timing.beat_interval < 1 || m.timing.max_outstanding_reads < 1 || m.timing.read_latency < 0 ||
      m.timing.write_latency < 0)
    throw UsageError("DRAM timing: beat_interval and max_outstanding_reads must be >= 1, latencies >= 0");
  // An error outside a run (an RTL assertion during a register access) is reported now; the error of a
  // failed run is not repeated. A run that ended in an error may have left modules mid-instruction:
  // reset them (the scratchpads, as on hardware, keep their contents).
  if (!m.error.empty() && !m.run_failed) {
    const std::string e = std::move(m.error);
    m.error.clear();
    throw ExecError(fmt::format("cycle {} (before the run): {}", m.cycle, e));
  }
  m.error.clear();
  if (m.run_failed) Reset();
  m.run_failed = true;
  if (!opts.trace_path.empty()) model_->OpenTrace(opts.trace_path);
  const auto t0 = std::chrono::steady_clock::now();
  const uint64_t cycle0 = m.cycle;

  driver::Start(*this, insn_addr, count);

  constexpr uint64_t kCheckInterval = 4096;
  const int gemm_idx = spec::RtlCounterIndex("gemm_uops");
  const int alu_idx = spec::RtlCounterIndex("alu_uops");
  uint64_t last_progress_cycle = m.cycle, last_events = m.mem_events;
  uint32_t last_uops = 0;
  const uint64_t start_cycle = m.cycle;
  while (!m.pins.irq) {
    Tick();
    if (!m.error.empty()) throw ExecError(fmt::format("cycle {}: {}", m.cycle - start_cycle, m.error));
    if (opts.max_cycles && m.cycle - start_cycle > opts.max_cycles) {
      const std::string d = driver::Diagnose(*this, spec_, opts.insns);
      model_->CloseTrace();
      throw CycleLimitError(fmt::format("the run exceeded max_cycles = {} without FINISH: {}", opts.max_cycles, d));
    }
    if ((m.cycle & (kCheckInterval - 1)) == 0) {
      const uint32_t uops = ReadReg(spec::CounterOffset(gemm_idx)) + ReadReg(spec::CounterOffset(alu_idx));
      if (uops != last_uops || m.mem_events != last_events) {
        last_uops = uops;
        last_events = m.mem_events;
        last_progress_cycle = m.cycle;
      } else if (opts.watchdog_cycles && m.cycle - last_progress_cycle >= opts.watchdog_cycles) {
        const std::string d = driver::Diagnose(*this, spec_, opts.insns);
        model_->CloseTrace();
        throw ExecError(fmt::format("deadlock: no progress for {} cycles (cycle {} of the run, no FINISH): {}",
                                    m.cycle - last_progress_cycle, m.cycle - start_cycle, d));
      }
      if (opts.timeout_seconds > 0 &&
          std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() > opts.timeout_seconds) {
        const std::string d = driver::Diagnose(*this, spec_, opts.insns);
        model_->CloseTrace();
        throw TimeLimitError(fmt::format("the run exceeded its {} s wall-clock limit at cycle {}: {}", opts.timeout_seconds,
                                    m.cycle - start_cycle, d));
      }
    }
  }
  // Let outstanding writes drain (the store module has finished before FINISH in a legal program).
  for (int i = 0; i < 64 && (!m.writes.empty() || !m.bresp.empty()); ++i) Tick();

  HarnessResult r;
  if (const std::string e = driver::DescribeError(*this, spec_, opts.insns); !e.empty()) {
    model_->CloseTrace();
    throw ExecError(e);
  }
  r.counters = driver::ReadCounters(*this);
  r.cycles = r.counters["cycles"];
  r.sim_cycles = m.cycle - cycle0;
  r.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  model_->CloseTrace();
  m.run_failed = false;
  return r;
}

}  // namespace dcoc::sim
