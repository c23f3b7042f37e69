// The long differential run (ctest label "slow"): 1000 random programs on every prebuilt
// configuration, and 200 on configurations built on demand (the 512-bit 1x64x64 preset, rows
// narrower than the bus, 16-bit accumulators, 16-bit operands), plus a model with Verilator threads.
#include <gtest/gtest.h>

#include "tests/rtl/rtl_test_util.h"
#include "tests/sim/fsim_bench.h"

namespace dcoc::test {
namespace {

std::string Name(const ::testing::TestParamInfo<std::string>& p) {
  std::string n = p.param;
  for (char& c : n)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  return "c" + n;
}

class RtlDiffLong : public ::testing::TestWithParam<std::string> {};
TEST_P(RtlDiffLong, ThousandPrograms) { RunDiff(GetParam(), 1000, 50000); }
INSTANTIATE_TEST_SUITE_P(Prebuilt, RtlDiffLong,
                         ::testing::Values("default", "1x8x8", "2x16x32", "4x32x8", "1x32x32", "min"), Name);

class RtlDiffOnDemand : public ::testing::TestWithParam<std::string> {};
TEST_P(RtlDiffOnDemand, RandomPrograms) { RunDiff(GetParam(), 200, 90000); }
INSTANTIATE_TEST_SUITE_P(Built, RtlDiffOnDemand,
                         ::testing::Values("1x64x64", "1x8_i8w8a32_13_14_16_16_bus256", "1x16_i8w8a16_15_15_18_16",
                                           "1x16_i16w16a32_15_15_18_17", "4x8x64_i8w8a32_13_15_18_15_bus512"),
                         Name);

TEST(RtlThreads, TwoThreadModelMatches) {
  sim::ModelOptions mo;
  mo.threads = 2;
  RunDiff("2x16x32", 50, 7000, mo);
}

}  // namespace
}  // namespace dcoc::test

namespace dcoc::test {
namespace {

using sim::testing::Bench;

// Rows narrower than the bus (8-byte INP/OUT rows on a 256-bit bus): the DMA picks rows out of beats
// and the store writes single beats with byte strobes.
TEST(RtlNarrowRows, AccLoadThenStore) {
  const spec::Spec s = spec::Spec::Create(spec::LoadConfig("1x8_i8w8a32_13_14_16_16_bus256"));
  sim::Harness h(s, sim::CreateVtaModel(s));
  Bench b(s.config);
  for (uint64_t r = 0; r < 8; ++r) {
    std::vector<int64_t> v(8);
    for (int e = 0; e < 8; ++e) v[size_t(e)] = int64_t(r * 16 + uint64_t(e)) - 60;
    b.PutAcc(r, v);
  }
  std::vector<spec::Instruction> insns = {b.Load(spec::MemType::kAcc, 0, 0, 1, 8), b.Store(0, 1, 2, 3, 5),
                                          Bench::Finish()};
  insns[0].push_next = true;
  insns[1].pop_prev = true;
  insns[1].push_prev = true;
  insns[2].pop_next = true;
  std::vector<uint8_t> ref = b.dram;
  sim::Fsim f(s);
  f.Run(insns, ref);
  const spec::Program p{s.config, insns, b.dram, {{"out", spec::RegionKind::kOutput, Bench::kOutBase, 16 * 8}}, ""};
  const RtlRun got = RunOnRtl(h, p);
  EXPECT_EQ(CompareOutputs(p, ref, got.dram), "");
}

TEST(RtlNarrowRows, InputLoadWithPaddingThroughGemm) {
  const spec::Spec s = spec::Spec::Create(spec::LoadConfig("1x8_i8w8a32_13_14_16_16_bus256"));
  sim::Harness h(s, sim::CreateVtaModel(s));
  Bench b(s.config);
  for (uint64_t r = 0; r < 12; ++r) {
    std::vector<int64_t> v(8);
    for (int e = 0; e < 8; ++e) v[size_t(e)] = int64_t(r * 8 + uint64_t(e)) - 40;
    b.PutInp(r, v);
  }
  b.PutWgt(0, b.Diagonal(1));
  for (uint32_t u = 0; u < 12; ++u) b.PutUop(u, spec::Uop{u, u, 0});
  spec::Instruction li = b.Load(spec::MemType::kInp, 0, 1, 2, 3, 5);
  li.x_pad_0 = 1;
  li.y_pad_1 = 1;  // 3 x 4 = 12 rows
  spec::Instruction lw = b.Load(spec::MemType::kWgt, 0, 0, 1, 1);
  lw.push_next = true;
  spec::Instruction lu = b.Load(spec::MemType::kUop, 0, 0, 1, 12);
  lu.pop_prev = true;
  spec::Instruction g0 = Bench::Gemm(0, 12, true), g1 = Bench::Gemm(0, 12);
  g1.push_next = true;
  spec::Instruction st = b.Store(0, 0, 1, 12);
  st.pop_prev = true;
  st.push_prev = true;
  spec::Instruction fin = Bench::Finish();
  fin.pop_next = true;
  const std::vector<spec::Instruction> insns = {li, lw, lu, g0, g1, st, fin};
  std::vector<uint8_t> ref = b.dram;
  sim::Fsim f(s);
  f.Run(insns, ref);
  const spec::Program p{s.config, insns, b.dram, {{"out", spec::RegionKind::kOutput, Bench::kOutBase, 12 * 8}}, ""};
  const RtlRun got = RunOnRtl(h, p);
  EXPECT_EQ(CompareOutputs(p, ref, got.dram), "");
}

}  // namespace
}  // namespace dcoc::test
