// Differential tests: random programs from the program generator run on fsim and on the verilated
// RTL; every output region must agree bit for bit. DCOC_RTL_DIFF_PROGRAMS overrides the number of
// programs per configuration (default 300; the `slow` label's long run uses more).
#include <cstdio>
#include <cstdlib>

#include <gtest/gtest.h>

#include "host/common/error.h"
#include "sim/progen/progen.h"
#include "sim/verilator/harness.h"
#include "tests/rtl/rtl_test_util.h"

namespace dcoc::test {
namespace {

int ProgramsPerConfig() {
  if (const char* n = std::getenv("DCOC_RTL_DIFF_PROGRAMS"); n && *n) return std::max(1, std::atoi(n));
  return 300;
}

std::string PresetTestName(const ::testing::TestParamInfo<std::string>& p) {
  std::string n = p.param;
  for (char& c : n)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  return "p" + n;
}

class RtlDiff : public ::testing::TestWithParam<std::string> {};

TEST_P(RtlDiff, RandomProgramsMatchFsim) {
  const spec::Spec s = spec::Spec::Create(spec::LoadConfig(GetParam()));
  sim::Harness h(s, sim::CreateVtaModel(s));
  const int n = ProgramsPerConfig();
  uint64_t total_cycles = 0, total_uops = 0;
  int changed = 0;  // programs whose stores changed the output region (the comparison has teeth)
  for (int i = 0; i < n; ++i) {
    const uint64_t seed = 1000 + uint64_t(i);
    const spec::Program p = sim::GenerateRandomProgram(s.config, seed);
    const sim::FsimResult ref = sim::RunProgram(p);
    RtlRun got;
    try {
      got = RunOnRtl(h, p);
    } catch (const Error& e) {
      FAIL() << GetParam() << " seed " << seed << ": " << e.what();
    }
    const std::string diff = CompareOutputs(p, ref.dram, got.dram);
    ASSERT_EQ(diff, "") << GetParam() << " seed " << seed << " (" << p.insns.size() << " instructions)";
    EXPECT_EQ(got.result.counters.at("gemm_uops"), ref.counters.gemm_uops) << "seed " << seed;
    EXPECT_EQ(got.result.counters.at("alu_uops"), ref.counters.alu_uops) << "seed " << seed;
    EXPECT_EQ(got.result.counters.at("store_bytes_written"), ref.counters.store_bytes) << "seed " << seed;
    if (CompareOutputs(p, p.dram, got.dram) != "") ++changed;
    total_cycles += got.result.cycles;
    total_uops += ref.counters.gemm_uops + ref.counters.alu_uops;
  }
  EXPECT_GT(changed, n / 2) << "most programs should store results";
  RecordProperty("programs", n);
  std::printf("%s: %d programs, %d changed their outputs, %llu RTL cycles, %llu micro-ops\n", GetParam().c_str(), n,
              changed, static_cast<unsigned long long>(total_cycles), static_cast<unsigned long long>(total_uops));
  RecordProperty("cycles", std::to_string(total_cycles));
  RecordProperty("uops", std::to_string(total_uops));
}

INSTANTIATE_TEST_SUITE_P(Presets, RtlDiff,
                         ::testing::Values("default", "1x8x8", "2x16x32", "4x32x8", "1x32x32", "min"),
                         PresetTestName);

// The GEMM multiplier implementations (GEMM_MAC): LUT products, packed DSP48 pairs, and a mix of both
// under a DSP budget compute the same results as fsim.
INSTANTIATE_TEST_SUITE_P(GemmMac, RtlDiff,
                         ::testing::Values("1x16_i8w8a32_15_15_18_17_lut", "1x16_i8w8a32_15_15_18_17_pack",
                                           "1x8_i8w8a32_13_14_16_16_mix16"),
                         PresetTestName);

}  // namespace
}  // namespace dcoc::test

namespace dcoc::test {
namespace {

// Results do not depend on memory timing: slow, narrow-bandwidth and single-outstanding DRAM (which
// also exercises AXI backpressure and the harness's valid-stability and 4 KiB checks).
TEST(RtlDiffTiming, ResultsIndependentOfDramTiming) {
  for (const char* preset : {"default", "1x32x32"}) {
    const spec::Spec s = spec::Spec::Create(spec::LoadConfig(preset));
    sim::Harness h(s, sim::CreateVtaModel(s));
    const sim::DramTiming timings[] = {{0, 0, 1, 1}, {50, 30, 3, 1}, {7, 2, 2, 2}};
    uint64_t prev_cycles = 0;
    for (const auto& t : timings) {
      sim::HarnessOptions o;
      o.dram = t;
      uint64_t cycles = 0;
      for (uint64_t seed = 300; seed < 320; ++seed) {
        const spec::Program p = sim::GenerateRandomProgram(s.config, seed);
        const sim::FsimResult ref = sim::RunProgram(p);
        RtlRun got;
        try {
          got = RunOnRtl(h, p, o);
        } catch (const Error& e) {
          FAIL() << preset << " seed " << seed << " latency " << t.read_latency << ": " << e.what();
        }
        ASSERT_EQ(CompareOutputs(p, ref.dram, got.dram), "") << preset << " seed " << seed;
        cycles += got.result.cycles;
      }
      EXPECT_NE(cycles, prev_cycles) << "timing should change the cycle count";
      prev_cycles = cycles;
    }
  }
}

}  // namespace
}  // namespace dcoc::test
