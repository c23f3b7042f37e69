// The verilator backend through the runtime's Device interface, and the configuration-hash check.
#include <gtest/gtest.h>

#include "host/common/error.h"
#include "host/runtime/backends.h"
#include "host/spec/counters.h"
#include "sim/progen/progen.h"
#include "sim/verilator/harness.h"

namespace dcoc::test {
namespace {

TEST(VerilatorDevice, RegisteredAndMatchesFsim) {
  const auto backends = runtime::BuiltinBackends().Names();
  ASSERT_NE(std::find(backends.begin(), backends.end(), "verilator"), backends.end());
  const spec::Spec s = spec::Spec::Create(spec::LoadConfig("4x32x8"));
  for (uint64_t seed : {11u, 12u, 13u}) {
    const spec::Program p = sim::GenerateRandomProgram(s.config, seed);
    auto rtl = runtime::BuiltinBackends().Create("verilator", s);
    auto ref = runtime::BuiltinBackends().Create("fsim", s);
    EXPECT_EQ(rtl->Backend(), "verilator");
    const runtime::ProgramRun a = runtime::RunProgram(*rtl, p);
    const runtime::ProgramRun b = runtime::RunProgram(*ref, p);
    for (const spec::Region& r : p.regions) {
      if (r.kind != spec::RegionKind::kOutput) continue;
      EXPECT_EQ(spec::RegionDigest(a.dram, r), spec::RegionDigest(b.dram, r)) << "seed " << seed;
    }
    EXPECT_GT(a.stats.cycles, 0u);
    EXPECT_DOUBLE_EQ(a.stats.seconds, double(a.stats.cycles) / s.ClockHz());
    // Every counter of the table on the backend that reports it, and nothing else; the counters both
    // report are equal.
    for (const spec::CounterInfo& c : spec::Counters()) {
      const std::string name(c.name);
      EXPECT_EQ(a.stats.counters.count(name), c.rtl ? 1u : 0u) << name;
      EXPECT_EQ(b.stats.counters.count(name), c.fsim ? 1u : 0u) << name;
      if (c.rtl && c.fsim) {
        EXPECT_EQ(a.stats.counters.at(name), b.stats.counters.at(name)) << name << " seed " << seed;
      }
    }
    EXPECT_EQ(a.stats.counters.size(), spec::RtlCounters().size());
  }
}

TEST(VerilatorDevice, RefusesAModelOfAnotherConfiguration) {
  const spec::Spec def = spec::Spec::Create(spec::LoadConfig("default"));
  const spec::Spec small = spec::Spec::Create(spec::LoadConfig("1x8x8"));
  try {
    sim::Harness h(small, sim::CreateVtaModel(def));
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("built for another configuration"), std::string::npos) << e.what();
  }
}

TEST(VerilatorDevice, CycleBoundIsAnError) {
  const spec::Spec s = spec::Spec::Create(spec::LoadConfig("default"));
  const spec::Program p = sim::GenerateRandomProgram(s.config, 5);
  auto rtl = runtime::BuiltinBackends().Create("verilator", s);
  runtime::RunOptions o;
  o.max_cycles = 100;
  try {
    (void)runtime::RunProgram(*rtl, p, o);
    FAIL() << "expected ExecError";
  } catch (const ExecError& e) {
    EXPECT_NE(std::string(e.what()).find("max_cycles = 100"), std::string::npos) << e.what();
  }
  // The same device runs the next program correctly (the failed run's state is reset).
  auto ref = runtime::BuiltinBackends().Create("fsim", s);
  std::vector<uint8_t> img(p.dram.size());
  rtl->Write(0, p.dram);
  const runtime::RunStats st = rtl->Run(p.insns, {});
  rtl->Read(0, img);
  const runtime::ProgramRun b = runtime::RunProgram(*ref, p);
  for (const spec::Region& r : p.regions) {
    if (r.kind != spec::RegionKind::kOutput) continue;
    EXPECT_EQ(spec::RegionDigest(img, r), spec::RegionDigest(b.dram, r));
  }
  EXPECT_GT(st.cycles, 100u);
}

}  // namespace
}  // namespace dcoc::test
