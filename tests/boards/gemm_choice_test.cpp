// ChooseGemmMac on a synthetic estimator whose DSP and LUT counts follow the GEMM plan exactly, so the
// order of the candidates and the mix budget can be checked by hand.
#include <gtest/gtest.h>

#include "boards/gemm_choice.h"
#include "host/common/error.h"

namespace dcoc::boards {
namespace {

constexpr double kOtherDsps = 51;  // the ALU's and the bounds checks' DSP48s on default

Resources Synthetic(const spec::Spec& s) {
  Resources r;
  r.dsp = double(s.gemm_dsp_units) + kOtherDsps;
  r.lut = 20000 + 70.0 * double(s.gemm_lut_products);
  r.ff = 8000;
  r.bram36 = 100;
  return r;
}

Board TestBoard(double dsps, double luts) {
  Board b;
  b.name = "test";
  b.available = {.lut = luts, .ff = 100000, .dsp = dsps, .bram36 = 140, .uram = 0};
  for (Cap& c : b.caps) c.max_utilization = 1.0;
  return b;
}

spec::HwConfig Default() { return spec::LoadConfig("default"); }

TEST(GemmChoice, AsGivenWhenItFits) {
  const GemmChoice g = ChooseGemmMac(Default(), TestBoard(400, 100000), Synthetic);
  EXPECT_TRUE(g.fits);
  EXPECT_EQ(g.config.gemm_mac, spec::GemmMac::kDsp);
  EXPECT_EQ(g.tried.size(), 1u);
}

TEST(GemmChoice, PackWhenTheDspsDoNotFit) {
  // 256 + 51 DSPs do not fit 220; packed, 128 + 51 = 179 do.
  const GemmChoice g = ChooseGemmMac(Default(), TestBoard(220, 100000), Synthetic);
  EXPECT_TRUE(g.fits);
  EXPECT_EQ(g.config.gemm_mac, spec::GemmMac::kPack);
  EXPECT_EQ(g.resources.dsp, 179);
  ASSERT_EQ(g.tried.size(), 2u);
  EXPECT_FALSE(g.tried[0].fit.fits);
}

TEST(GemmChoice, MixWithTheLargestBudgetTheDspCapLeaves) {
  // 150 DSPs: pack needs 179; the GEMM may use 150 - 51 = 99 DSP48s (198 packed products, 58 in LUTs).
  const GemmChoice g = ChooseGemmMac(Default(), TestBoard(150, 100000), Synthetic);
  EXPECT_TRUE(g.fits);
  EXPECT_EQ(g.config.gemm_mac, spec::GemmMac::kMix);
  EXPECT_EQ(g.config.gemm_dsp_budget, 99);
  EXPECT_EQ(g.resources.dsp, 150);
  EXPECT_EQ(g.tried.size(), 3u);
}

TEST(GemmChoice, LutWhenNoDspIsLeftAndClosestWhenNothingFits) {
  const GemmChoice l = ChooseGemmMac(Default(), TestBoard(51, 100000), Synthetic);
  EXPECT_TRUE(l.fits);
  EXPECT_EQ(l.config.gemm_mac, spec::GemmMac::kLut);
  EXPECT_EQ(l.resources.dsp, kOtherDsps);
  // Nothing fits 40 DSPs: the answer is the candidate with the smallest excess, and says so.
  const GemmChoice none = ChooseGemmMac(Default(), TestBoard(40, 100000), Synthetic);
  EXPECT_FALSE(none.fits);
  EXPECT_FALSE(none.fit.fits);
  for (const GemmCandidate& c : none.tried) EXPECT_GE(c.fit.Excess(), none.fit.Excess());
}

TEST(GemmChoice, PackOnlyForInt8Operands) {
  spec::HwConfig c = Default();
  c.log_inp_width = c.log_wgt_width = 4;  // int16 operands: one product per DSP48
  const GemmChoice g = ChooseGemmMac(c, TestBoard(220, 100000), Synthetic);
  for (const GemmCandidate& t : g.tried) EXPECT_NE(t.config.gemm_mac, spec::GemmMac::kPack);
}

TEST(GemmChoice, InvalidConfigurationIsAnError) {
  spec::HwConfig c = Default();
  c.log_block_in = 12;
  EXPECT_THROW((void)ChooseGemmMac(c, TestBoard(220, 100000), Synthetic), ConfigError);
}

}  // namespace
}  // namespace dcoc::boards
