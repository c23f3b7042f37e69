// VtaModelImpl<V>: adapts one verilated vta_top class (prefix Vvta_<name>) to VtaModel. Included only
// by the per-model translation units (prebuilt registry, on-demand shared libraries).
#pragma once

#include <memory>
#include <vector>
#include <type_traits>

#include "sim/verilator/assert_sink.h"
#include "sim/verilator/vta_pins.h"
#include "verilated.h"
#include "verilated_fst_c.h"
#if VM_COVERAGE
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <string>

#include "verilated_cov.h"
#endif

namespace dcoc::sim::detail {

#if VM_COVERAGE
// Numbers the coverage files of one process. One counter for every model class (a static inside the
// class template would give each configuration its own, and their files the same names).
inline std::atomic<int>& CoverageSerial() {
  static std::atomic<int> serial{0};
  return serial;
}
#endif

template <class T>
inline void PutBus(T& sig, const std::array<uint32_t, VtaPins::kBusWords>& w) {
  if constexpr (std::is_integral_v<T>) {
    sig = T(uint64_t(w[0]) | (uint64_t(w[1]) << 32));
  } else {
    for (size_t i = 0; i < sizeof(sig) / sizeof(uint32_t) && i < w.size(); ++i) sig[i] = w[i];
  }
}
template <class T>
inline void GetBus(const T& sig, std::array<uint32_t, VtaPins::kBusWords>& w) {
  if constexpr (std::is_integral_v<T>) {
    w[0] = uint32_t(uint64_t(sig));
    w[1] = uint32_t(uint64_t(sig) >> 32);
  } else {
    for (size_t i = 0; i < sizeof(sig) / sizeof(uint32_t) && i < w.size(); ++i) w[i] = sig[i];
  }
}

// `assertions`: the class was verilated with --assert (rtl/sv/vta_assert.svh's checks are compiled in).
template <class V>
class VtaModelImpl final : public sim::VtaModel {
 public:
  explicit VtaModelImpl(bool assertions) : ctx_(std::make_unique<VerilatedContext>()), assertions_(assertions) {
    ctx_->traceEverOn(true);
    // An RTL $error or $stop (other than our assertions, which report through the DPI sink) must not
    // abort the process: it is recorded, and reported like a failed assertion.
    ctx_->fatalOnError(false);
    Verilated::threadContextp(ctx_.get());
    top_ = std::make_unique<V>(ctx_.get(), "TOP");
  }
  ~VtaModelImpl() override {
    // Verilator's runtime finds "the" context through a per-thread pointer (Verilated::threadContextp,
    // set when a context is made): the scopes of the DPI assertions unregister from it when the model
    // goes away. With several models on a thread it may name another model's context, or one already
    // destroyed (a deadlock on its freed mutex): point it at ours, and away from ours before it dies.
    Verilated::threadContextp(ctx_.get());
    CloseTrace();
    top_->final();
#if VM_COVERAGE
    // A coverage build (scripts/rtl_coverage.sh): each model writes its counts when it goes away.
    if (const char* dir = std::getenv("DCOC_RTL_COVERAGE_DIR"); dir && *dir) {
      ctx_->coveragep()->write((std::string(dir) + "/model-" + std::to_string(::getpid()) + "-" +
                                std::to_string(CoverageSerial()++) + ".dat").c_str());
    }
#endif
    top_.reset();
    Verilated::threadContextp(Verilated::defaultContextp());
  }

  void Step(bool clk, VtaPins& p) override {
    V& t = *top_;
    if (clk) {  // the rising edge: the inputs are those of the preceding Step(false)
      t.clk_i = 1;
      t.eval();
      p.irq = t.irq_o;
      Collect(p);
      return;
    }
    // Failures reported while this model evaluates land in its own list (the sink stays pointed here
    // for the rising edge that follows).
    AssertSink() = &failures_;
    if (Verilated::threadContextp() != ctx_.get()) Verilated::threadContextp(ctx_.get());
    t.clk_i = 0;
    t.rst_ni = p.rst_n;
    t.s_axil_awvalid_i = p.s_axil_awvalid;
    t.s_axil_awaddr_i = p.s_axil_awaddr;
    t.s_axil_wvalid_i = p.s_axil_wvalid;
    t.s_axil_wdata_i = p.s_axil_wdata;
    t.s_axil_bready_i = p.s_axil_bready;
    t.s_axil_arvalid_i = p.s_axil_arvalid;
    t.s_axil_araddr_i = p.s_axil_araddr;
    t.s_axil_rready_i = p.s_axil_rready;
    t.m_axi_arready_i = p.m_axi_arready;
    t.m_axi_rvalid_i = p.m_axi_rvalid;
    t.m_axi_rid_i = p.m_axi_rid;
    PutBus(t.m_axi_rdata_i, p.m_axi_rdata);
    t.m_axi_rlast_i = p.m_axi_rlast;
    t.m_axi_awready_i = p.m_axi_awready;
    t.m_axi_wready_i = p.m_axi_wready;
    t.m_axi_bvalid_i = p.m_axi_bvalid;
    t.eval();
    p.s_axil_awready = t.s_axil_awready_o;
    p.s_axil_wready = t.s_axil_wready_o;
    p.s_axil_bvalid = t.s_axil_bvalid_o;
    p.s_axil_arready = t.s_axil_arready_o;
    p.s_axil_rvalid = t.s_axil_rvalid_o;
    p.s_axil_rdata = t.s_axil_rdata_o;
    p.m_axi_arvalid = t.m_axi_arvalid_o;
    p.m_axi_arid = t.m_axi_arid_o;
    p.m_axi_araddr = t.m_axi_araddr_o;
    p.m_axi_arlen = t.m_axi_arlen_o;
    p.m_axi_arsize = t.m_axi_arsize_o;
    p.m_axi_arburst = t.m_axi_arburst_o;
    p.m_axi_rready = t.m_axi_rready_o;
    p.m_axi_awvalid = t.m_axi_awvalid_o;
    p.m_axi_awaddr = t.m_axi_awaddr_o;
    p.m_axi_awlen = t.m_axi_awlen_o;
    p.m_axi_awsize = t.m_axi_awsize_o;
    p.m_axi_awburst = t.m_axi_awburst_o;
    p.m_axi_wvalid = t.m_axi_wvalid_o;
    GetBus(t.m_axi_wdata_o, p.m_axi_wdata);
    p.m_axi_wstrb = uint64_t(t.m_axi_wstrb_o);
    p.m_axi_wlast = t.m_axi_wlast_o;
    p.m_axi_bready = t.m_axi_bready_o;
    p.irq = t.irq_o;
    Collect(p);
  }

  void SetAssertions(bool on) override { ctx_->assertOn(on); }
  bool HasAssertions() const override { return assertions_; }
  std::vector<AssertionFailure> TakeAssertionFailures() override {
    std::vector<AssertionFailure> f;
    f.swap(failures_);
    return f;
  }

  void OpenTrace(const std::filesystem::path& path) override {
    CloseTrace();
    fst_ = std::make_unique<VerilatedFstC>();
    top_->trace(fst_.get(), 99);
    fst_->open(path.string().c_str());
  }
  void Dump(uint64_t time) override {
    if (fst_) fst_->dump(time);
  }
  void CloseTrace() override {
    if (fst_) {
      fst_->close();
      fst_.reset();
    }
  }
  bool Tracing() const override { return fst_ != nullptr; }

 private:
  void Collect(VtaPins& p) {
    if (ctx_->gotError()) {  // an RTL $error/$stop outside our assertions (its message is on stdout)
      failures_.push_back({"rtl_error", "an RTL $error or $stop (see the simulator's output)"});
      ctx_->gotError(false);
      ctx_->gotFinish(false);
    }
    p.assert_failed = !failures_.empty();
  }

  std::unique_ptr<VerilatedContext> ctx_;
  std::unique_ptr<V> top_;
  std::unique_ptr<VerilatedFstC> fst_;
  std::vector<AssertionFailure> failures_;
  bool assertions_;
};

}  // namespace dcoc::sim::detail
