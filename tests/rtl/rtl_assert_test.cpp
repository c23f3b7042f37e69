// The RTL assertions (rtl/sv/vta_assert.svh): the checking models have them and run with them on, the
// release models do not, and a broken invariant is reported by name, instance and cycle — by the model
// (driven pin by pin) and by the harness (through a model that breaks the AXI rules on purpose).
#include <regex>

#include <gtest/gtest.h>

#include "host/common/error.h"
#include "sim/progen/progen.h"
#include "sim/verilator/harness.h"
#include "tests/rtl/rtl_test_util.h"

namespace dcoc::test {
namespace {

TEST(RtlAssertions, CheckingAndReleaseModels) {
  const spec::Spec s = spec::Spec::Create(spec::LoadConfig("default"));
  sim::ModelOptions on;
  on.assertions = true;
  EXPECT_TRUE(sim::CreateVtaModel(s, on)->HasAssertions());
  sim::ModelOptions off;
  off.assertions = false;
  off.allow_build = false;  // default's release model is prebuilt
  EXPECT_FALSE(sim::CreateVtaModel(s, off)->HasAssertions());
}

// Clock cycles driven directly on the pins: reset, then idle with a write response nobody asked for.
TEST(RtlAssertions, ModelReportsTheBrokenInvariantByNameAtItsCycle) {
  const spec::Spec s = spec::Spec::Create(spec::LoadConfig("default"));
  for (const bool enabled : {true, false}) {
    sim::ModelOptions mo;
    mo.assertions = true;
    std::unique_ptr<sim::VtaModel> m = sim::CreateVtaModel(s, mo);
    m->SetAssertions(enabled);
    sim::VtaPins p;
    constexpr int kBadCycle = 12;
    int failed_at = -1;
    std::vector<sim::AssertionFailure> failures;
    for (int cycle = 0; cycle < 20; ++cycle) {
      p.rst_n = cycle >= 4;
      p.m_axi_bvalid = cycle == kBadCycle;  // no write burst is in flight: the store module cannot expect it
      m->Step(false, p);
      m->Step(true, p);
      if (p.assert_failed && failed_at < 0) {
        failed_at = cycle;
        failures = m->TakeAssertionFailures();
      }
    }
    if (!enabled) {
      EXPECT_EQ(failed_at, -1) << "assertions switched off";
      continue;
    }
    EXPECT_EQ(failed_at, kBadCycle);
    ASSERT_EQ(failures.size(), 1u);
    EXPECT_EQ(failures[0].name, "BRespExpected_A");
    EXPECT_EQ(failures[0].scope, "TOP.vta_top.u_core.u_store.BRespExpected_A");
  }
}

// Several models on one thread, destroyed in the order they were made: each model's scopes (the DPI
// assertions') unregister from its own Verilator context, not from the context made last (which is
// gone by then). This deadlocked before the adapter pointed Verilator's thread context at each model.
TEST(RtlAssertions, ModelsOnOneThreadGoAwayInAnyOrder) {
  const spec::Spec s = spec::Spec::Create(spec::LoadConfig("default"));
  sim::ModelOptions mo;
  mo.assertions = true;
  for (int round = 0; round < 2; ++round) {
    auto a = sim::CreateVtaModel(s, mo);
    auto b = sim::CreateVtaModel(s, mo);
    sim::VtaPins p;
    for (auto* m : {a.get(), b.get()}) {
      m->Step(false, p);
      m->Step(true, p);
    }
    if (round == 0) {
      a.reset();  // the older one first
      b.reset();
    } else {
      b.reset();  // the newer one first
      auto c = sim::CreateVtaModel(s, mo);
      c->Step(false, p);
      c->Step(true, p);
      c.reset();
      a.reset();
    }
  }
  // A model made afterwards still reports its failures by name.
  auto m = sim::CreateVtaModel(s, mo);
  sim::VtaPins p;
  std::vector<sim::AssertionFailure> failures;
  for (int cycle = 0; cycle < 8 && failures.empty(); ++cycle) {
    p.rst_n = cycle >= 4;
    p.m_axi_bvalid = cycle == 6;
    m->Step(false, p);
    m->Step(true, p);
    if (p.assert_failed) failures = m->TakeAssertionFailures();
  }
  ASSERT_EQ(failures.size(), 1u);
  EXPECT_EQ(failures[0].name, "BRespExpected_A");
}

// A model that returns the first read beat of a run with an AXI ID no reader has.
class BadRidModel final : public sim::VtaModel {
 public:
  explicit BadRidModel(std::unique_ptr<sim::VtaModel> m) : m_(std::move(m)) {}
  void Step(bool clk, sim::VtaPins& p) override {
    if (!clk) {
      if (p.m_axi_rvalid && armed_ && bad_cycle_ < 0) bad_cycle_ = int64_t(steps_);
      if (int64_t(steps_) == bad_cycle_) p.m_axi_rid = 7;
      ++steps_;
    }
    m_->Step(clk, p);
  }
  void SetAssertions(bool on) override { m_->SetAssertions(on); }
  bool HasAssertions() const override { return m_->HasAssertions(); }
  std::vector<sim::AssertionFailure> TakeAssertionFailures() override { return m_->TakeAssertionFailures(); }
  void OpenTrace(const std::filesystem::path& path) override { m_->OpenTrace(path); }
  void Dump(uint64_t time) override { m_->Dump(time); }
  void CloseTrace() override { m_->CloseTrace(); }
  bool Tracing() const override { return m_->Tracing(); }

  bool armed_ = false;
  int64_t bad_cycle_ = -1;  // the harness cycle (Step(false) count) of the bad beat

 private:
  std::unique_ptr<sim::VtaModel> m_;
  uint64_t steps_ = 0;
};

TEST(RtlAssertions, HarnessNamesTheAssertionAndTheCycle) {
  const spec::Spec s = spec::Spec::Create(spec::LoadConfig("default"));
  sim::ModelOptions mo;
  mo.assertions = true;
  auto bad = std::make_unique<BadRidModel>(sim::CreateVtaModel(s, mo));
  BadRidModel* model = bad.get();
  sim::Harness h(s, std::move(bad));
  const spec::Program p = sim::GenerateRandomProgram(s.config, 7);
  model->armed_ = true;
  const uint64_t before = h.cycle();
  try {
    RunOnRtl(h, p);
    FAIL() << "the bad read ID went unnoticed";
  } catch (const ExecError& e) {
    const std::string msg = e.what();
    std::smatch m;
    ASSERT_TRUE(std::regex_search(msg, m, std::regex(R"(^cycle (\d+): RTL assertion RidKnown_A failed in vta_top\.u_core\.u_rd_arb\.RidKnown_A)")))
        << msg;
    // The run stops at the edge of the bad beat; the cycle in the message counts from the run's start.
    ASSERT_GE(model->bad_cycle_, 0);
    EXPECT_EQ(h.cycle(), uint64_t(model->bad_cycle_) + 1);
    EXPECT_LE(std::stoull(m[1].str()), h.cycle() - before);
    EXPECT_GT(std::stoull(m[1].str()), 0u);
  }
  // The harness recovers: the next run (with a well-behaved memory) passes.
  model->armed_ = false;
  model->bad_cycle_ = -1;
  const sim::FsimResult ref = sim::RunProgram(p);
  const RtlRun got = RunOnRtl(h, p);
  EXPECT_EQ(CompareOutputs(p, ref.dram, got.dram), "");
}

}  // namespace
}  // namespace dcoc::test
