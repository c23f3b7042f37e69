// Fetch under instruction-queue back-pressure: streams of thousands of instructions, long enough that
// the 512-entry module queues fill while the load and compute modules still wait for DRAM reads.
// Fetch used to read the whole stream with one DMA command and hold the shared AXI read-data channel
// mid-burst when a queue was full, so those reads (behind its burst) never arrived and the run
// deadlocked. Each program runs on the verilator Device and on fsim; every output region must match,
// every instruction must be routed, and the queues must really have filled (fetch_stall_queue > 0).
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "host/compiler/conv.h"
#include "host/runtime/backends.h"
#include "host/spec/counters.h"
#include "sim/progen/progen.h"
#include "tests/rtl/rtl_test_util.h"

namespace dcoc::test {
namespace {

bool HaveVerilator() {
  const auto b = runtime::BuiltinBackends().Names();
  return std::find(b.begin(), b.end(), "verilator") != b.end();
}

// Runs `p` on both devices and compares every output region, the routed-instruction count and the
// instruction bytes read. Returns the RTL's stats.
runtime::RunStats RunBoth(const spec::Spec& s, const spec::Program& p) {
  auto rtl = runtime::BuiltinBackends().Create("verilator", s);
  auto ref = runtime::BuiltinBackends().Create("fsim", s);
  runtime::RunOptions o;
  o.timeout_seconds = 120.0;
  const runtime::ProgramRun a = runtime::RunProgram(*rtl, p, o);
  const runtime::ProgramRun b = runtime::RunProgram(*ref, p);
  int outputs = 0;
  for (const spec::Region& r : p.regions) {
    if (r.kind != spec::RegionKind::kOutput) continue;
    ++outputs;
    EXPECT_EQ(spec::RegionDigest(a.dram, r), spec::RegionDigest(b.dram, r)) << "region " << r.name;
  }
  EXPECT_GT(outputs, 0);
  EXPECT_EQ(a.stats.counters.at("fetch_insns"), p.insns.size());
  EXPECT_EQ(a.stats.counters.at("fetch_bytes_read"), p.insns.size() * 16u);
  for (const spec::CounterInfo& c : spec::Counters()) {
    if (c.rtl && c.fsim) {
      EXPECT_EQ(a.stats.counters.at(std::string(c.name)), b.stats.counters.at(std::string(c.name))) << c.name;
    }
  }
  return a.stats;
}

class FetchBackpressure : public ::testing::TestWithParam<std::string> {};

// Random programs of 160 and 200 blocks: about 3000 instructions each.
TEST_P(FetchBackpressure, LongRandomProgramsMatchFsim) {
  if (!HaveVerilator()) GTEST_SKIP() << "built without the Verilator backend";
  const spec::Spec s = spec::Spec::Create(spec::LoadConfig(GetParam()));
  uint64_t stalls = 0;
  for (uint64_t seed : {1u, 2u}) {
    sim::GenOptions g;
    g.blocks = seed == 1 ? 160 : 200;
    g.max_insns = 4000;
    const spec::Program p = sim::GenerateRandomProgram(s.config, seed, g);
    ASSERT_GT(p.insns.size(), 2000u) << "seed " << seed;
    SCOPED_TRACE(GetParam() + " seed " + std::to_string(seed) + ", " + std::to_string(p.insns.size()) +
                 " instructions");
    stalls += RunBoth(s, p).counters.at("fetch_stall_queue");
  }
  EXPECT_GT(stalls, 0u) << "no instruction queue filled: the test does not exercise back-pressure";
}

// The compiler team's repro: a 3x3 convolution with one-element tiles, thousands of small
// instructions whose loads the compute module waits for while its queue is full.
TEST_P(FetchBackpressure, SmallTileConvolutionMatchesFsim) {
  if (!HaveVerilator()) GTEST_SKIP() << "built without the Verilator backend";
  const spec::Spec s = spec::Spec::Create(spec::LoadConfig(GetParam()));
  compiler::ConvLayer l;
  l.name = "small_tiles";
  l.n = s.batch;
  l.c = 2 * s.block_in;
  l.h = l.w = 14;
  l.k = 2 * s.block_out;
  l.r = l.s = 3;
  l.pad_h = l.pad_w = 1;
  compiler::Schedule sched;  // every tile one block or one pixel
  const compiler::ConvOperands ops = compiler::RandomOperands(l, s, 7);
  const compiler::CompiledConv c = compiler::CompileConv(l, sched, s, ops);
  ASSERT_GT(c.program.insns.size(), 2000u);
  SCOPED_TRACE(GetParam() + ", " + std::to_string(c.program.insns.size()) + " instructions");
  const runtime::RunStats st = RunBoth(s, c.program);
  EXPECT_GT(st.counters.at("fetch_stall_queue"), 0u);
}

// The same long streams under other memory timings: no latency, long latency with slow beats, and a
// single outstanding read (fetch's chunks then queue with every other reader's bursts), also on
// 1x32x32 (two instructions per beat), and a stream that does not start on a beat.
TEST(FetchBackpressureTiming, LongProgramsIndependentOfDramTiming) {
  if (!HaveVerilator()) GTEST_SKIP() << "built without the Verilator backend";
  for (const char* preset : {"default", "1x32x32"}) {
    const spec::Spec s = spec::Spec::Create(spec::LoadConfig(preset));
    sim::Harness h(s, sim::CreateVtaModel(s));
    sim::GenOptions g;
    g.blocks = 160;
    g.max_insns = 4000;
    const spec::Program p = sim::GenerateRandomProgram(s.config, 3, g);
    ASSERT_GT(p.insns.size(), 2000u) << preset;
    const sim::FsimResult ref = sim::RunProgram(p);
    const sim::DramTiming timings[] = {{0, 0, 1, 8}, {60, 30, 3, 8}, {40, 10, 2, 1}};
    for (const sim::DramTiming& t : timings) {
      sim::HarnessOptions o;
      o.dram = t;
      o.insns = p.insns;
      SCOPED_TRACE(fmt::format("{}: {} instructions, read latency {}, beat interval {}, {} outstanding", preset,
                               p.insns.size(), t.read_latency, t.beat_interval, t.max_outstanding_reads));
      RtlRun got;
      try {
        got = RunOnRtl(h, p, o);
      } catch (const Error& e) {
        FAIL() << e.what();
      }
      EXPECT_EQ(CompareOutputs(p, ref.dram, got.dram), "");
      EXPECT_EQ(got.result.counters.at("fetch_insns"), p.insns.size());
      EXPECT_GT(got.result.counters.at("fetch_stall_queue"), 0u);
    }
    // A stream that starts mid-beat and 16 bytes before a 4 KiB boundary: every chunk then starts
    // mid-beat and is split into two bursts.
    const std::vector<uint8_t> stream = spec::EncodeStream(s.isa, p.insns);
    const uint64_t insn_addr = (p.dram.size() + 4095) / 4096 * 4096 + 4096 - 16;
    h.dram() = p.dram;
    h.dram().resize(size_t(insn_addr), 0);
    h.dram().insert(h.dram().end(), stream.begin(), stream.end());
    sim::HarnessOptions o;
    o.insns = p.insns;
    SCOPED_TRACE(fmt::format("{}: stream at {:#x}", preset, insn_addr));
    try {
      const sim::HarnessResult r = h.Run(insn_addr, uint32_t(p.insns.size()), o);
      EXPECT_EQ(r.counters.at("fetch_insns"), p.insns.size());
    } catch (const Error& e) {
      FAIL() << e.what();
    }
    EXPECT_EQ(CompareOutputs(p, ref.dram, h.dram()), "");
  }
}

INSTANTIATE_TEST_SUITE_P(Presets, FetchBackpressure, ::testing::Values("default", "1x8x8", "4x32x8"),
                         [](const auto& p) { return std::string(p.param); });

}  // namespace
}  // namespace dcoc::test
