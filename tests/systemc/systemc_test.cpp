// The SystemC virtual board: bit-exact with fsim on random programs and layers, cycle-for-cycle equal
// to the Verilator backend with the harness's DRAM timing, slower with a board's memory, and several
// boards (each its own SystemC context) alive at once. DCOC_SC_DIFF_PROGRAMS changes the program count.
#include <gtest/gtest.h>

#include <cstdlib>

#include "boards/board.h"
#include "host/common/error.h"
#include "host/compiler/conv.h"
#include "host/compiler/workloads.h"
#include "host/runtime/backends.h"
#include "host/spec/counters.h"
#include "sim/progen/progen.h"
#include "sim/systemc/sc_board.h"

namespace dcoc::test {
namespace {

spec::Spec SpecOf(std::string_view name) { return spec::Spec::Create(spec::LoadConfig(name)); }

int ProgramsPerConfig() {
  if (const char* n = std::getenv("DCOC_SC_DIFF_PROGRAMS"); n && *n) return std::max(1, std::atoi(n));
  return 40;
}

std::string NameOf(const ::testing::TestParamInfo<std::string>& p) {
  std::string n = p.param;
  for (char& c : n)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  return "c" + n;
}

// Every RTL counter (cycles included) equal on both.
void ExpectSameRtlCounters(const runtime::RunStats& a, const runtime::RunStats& b, const std::string& what) {
  for (const spec::CounterInfo& c : spec::RtlCounters()) {
    const std::string n(c.name);
    ASSERT_TRUE(a.counters.count(n) && b.counters.count(n)) << n;
    EXPECT_EQ(a.counters.at(n), b.counters.at(n)) << n << " of " << what;
  }
  EXPECT_EQ(a.cycles, b.cycles) << what;
}

class ScDiff : public ::testing::TestWithParam<std::string> {};

TEST_P(ScDiff, RandomProgramsMatchFsimAndTheVerilatorCycles) {
  const spec::Spec s = SpecOf(GetParam());
  const runtime::Registry reg = runtime::BuiltinBackends();
  auto sc = reg.Create("systemc", s);
  auto rtl = reg.Create("verilator", s);
  const int n = ProgramsPerConfig();
  for (int i = 0; i < n; ++i) {
    const uint64_t seed = 7000 + uint64_t(i);
    const spec::Program p = sim::GenerateRandomProgram(s.config, seed);
    runtime::ProgramRun got, cyc;
    try {
      got = runtime::RunProgram(*sc, p);
      cyc = runtime::RunProgram(*rtl, p);
    } catch (const Error& e) {
      FAIL() << GetParam() << " seed " << seed << ": " << e.what();
    }
    const runtime::ProgramRun ref = runtime::RunProgram(*reg.Create("fsim", s), p);
    for (const spec::Region& r : p.regions)
      if (r.kind == spec::RegionKind::kOutput) {
        ASSERT_EQ(spec::RegionDigest(got.dram, r), spec::RegionDigest(ref.dram, r)) << GetParam() << " seed " << seed;
      }
    ExpectSameRtlCounters(got.stats, cyc.stats, GetParam() + " seed " + std::to_string(seed));
  }
}

INSTANTIATE_TEST_SUITE_P(Prebuilt, ScDiff,
                         ::testing::Values("default", "1x8x8", "2x16x32", "4x32x8", "1x32x32", "min"), NameOf);

// Reduced zoo layers: exact against the reference, and the same cycles as the Verilator backend.
TEST(ScLayers, ReducedLayersExactWithTheVerilatorCycles) {
  const spec::Spec s = SpecOf("default");
  const runtime::Registry reg = runtime::BuiltinBackends();
  int runs = 0;
  for (const compiler::ConvLayer& full : compiler::BuiltinLayers()) {
    if (runs >= 12) break;
    const compiler::ConvLayer l = compiler::ReduceSpatially(full, 4, 64);
    const compiler::Schedule sched = compiler::DefaultSchedule(l, s);
    SCOPED_TRACE(l.Describe());
    const compiler::ConvOperands ops = compiler::RandomOperands(l, s, uint64_t(runs) + 1);
    const compiler::CompiledConv c = compiler::CompileConv(l, sched, s, ops);
    const runtime::ProgramRun a = runtime::RunProgram(*reg.Create("systemc", s), c.program);
    const runtime::ProgramRun b = runtime::RunProgram(*reg.Create("verilator", s), c.program);
    EXPECT_TRUE(compiler::ReadOutput(l, c.program, a.dram, s) == compiler::ReferenceOutput(l, ops, s));
    ExpectSameRtlCounters(a.stats, b.stats, l.name);
    ++runs;
  }
  EXPECT_EQ(runs, 12);
}

TEST(ScTiming, HarnessAndBoardTimings) {
  const spec::Spec s = SpecOf("default");
  const sim::BoardTiming h = sim::HarnessTiming(s);
  EXPECT_DOUBLE_EQ(h.read_latency_ns, 160.0);  // 16 cycles at 100 MHz
  EXPECT_EQ(h.beat_interval, 1);
  EXPECT_EQ(h.bytes_per_second, 0.0);
  const boards::Board pynq = boards::LoadBoard("pynq-z2");
  const sim::BoardTiming t = sim::TimingOf(pynq, s);
  EXPECT_DOUBLE_EQ(t.read_latency_ns, pynq.dram.read_latency_ns);
  EXPECT_DOUBLE_EQ(t.bytes_per_second, pynq.bandwidth_gbps * 1e9 * pynq.dram.efficiency);
  EXPECT_EQ(t.beat_interval, 1);  // 8-byte beats, ~15.75 bytes per cycle of DRAM bandwidth
  // A bus wider than the DRAM delivers per cycle gets slower beats: 32-byte beats at 100 MHz.
  const sim::BoardTiming wide = sim::TimingOf(pynq, SpecOf("1x32x32"));
  EXPECT_EQ(wide.beat_interval, 3);
  sim::BoardTiming bad = h;
  bad.beat_interval = 0;
  try {
    (void)sim::CreateScBoard(s, bad);
    FAIL() << "beat interval 0";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("harness"), std::string::npos) << e.what();
  }
}

// A memory-bound program (loads, little compute) takes longer on pynq-z2's memory than on the
// harness's, with the same result; a compute-bound one hardly changes.
TEST(ScTiming, BoardMemorySlowsMemoryBoundWork) {
  const spec::Spec s = SpecOf("default");
  const runtime::Registry reg = runtime::BuiltinBackends();
  runtime::DeviceOptions pynq;
  pynq.board = "pynq-z2";
  compiler::ConvLayer l;
  l.name = "pointwise";
  l.c = 64, l.h = l.w = 8, l.k = 64;  // 1x1: a few MACs per byte loaded
  const compiler::ConvOperands ops = compiler::RandomOperands(l, s, 3);
  const compiler::CompiledConv c = compiler::CompileConv(l, compiler::DefaultSchedule(l, s), s, ops);
  const runtime::ProgramRun fast = runtime::RunProgram(*reg.Create("systemc", s), c.program);
  const runtime::ProgramRun slow = runtime::RunProgram(*reg.Create("systemc", s, pynq), c.program);
  EXPECT_TRUE(compiler::ReadOutput(l, c.program, slow.dram, s) == compiler::ReferenceOutput(l, ops, s));
  EXPECT_GT(slow.stats.cycles, fast.stats.cycles);
  EXPECT_GT(slow.stats.counters.at("load_stall_mem") + slow.stats.counters.at("compute_stall_mem"),
            fast.stats.counters.at("load_stall_mem") + fast.stats.counters.at("compute_stall_mem"));
  // Unknown boards are named.
  runtime::DeviceOptions nope;
  nope.board = "no-such-board";
  try {
    (void)reg.Create("systemc", s, nope);
    FAIL() << "unknown board";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("no-such-board"), std::string::npos) << e.what();
  }
}

// Each board owns a SystemC context; runs on two boards interleave.
TEST(ScBoards, TwoBoardsAtOnce) {
  const runtime::Registry reg = runtime::BuiltinBackends();
  const spec::Spec a = SpecOf("default"), b = SpecOf("1x8x8");
  auto da = reg.Create("systemc", a);
  auto db = reg.Create("systemc", b);
  for (uint64_t seed = 1; seed <= 3; ++seed) {
    const spec::Program pa = sim::GenerateRandomProgram(a.config, seed), pb = sim::GenerateRandomProgram(b.config, seed);
    const runtime::ProgramRun ra = runtime::RunProgram(*da, pa), rb = runtime::RunProgram(*db, pb);
    const runtime::ProgramRun fa = runtime::RunProgram(*reg.Create("fsim", a), pa);
    const runtime::ProgramRun fb = runtime::RunProgram(*reg.Create("fsim", b), pb);
    for (const spec::Region& r : pa.regions)
      if (r.kind == spec::RegionKind::kOutput) {
        EXPECT_EQ(spec::RegionDigest(ra.dram, r), spec::RegionDigest(fa.dram, r));
      }
    for (const spec::Region& r : pb.regions)
      if (r.kind == spec::RegionKind::kOutput) {
        EXPECT_EQ(spec::RegionDigest(rb.dram, r), spec::RegionDigest(fb.dram, r));
      }
  }
}

}  // namespace
}  // namespace dcoc::test
