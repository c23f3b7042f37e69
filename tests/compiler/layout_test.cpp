// Layout transforms: round trips and element positions for every preset's blocking.
#include "host/compiler/layout.h"

#include <gtest/gtest.h>

#include <random>

namespace dcoc::compiler {
namespace {

class Layout : public ::testing::TestWithParam<std::string> {
 protected:
  spec::Spec sp = spec::Spec::Create(spec::LoadConfig(GetParam()));
};

Tensor Random(int n, int c, int h, int w, int bits, uint64_t seed) {
  std::mt19937 rng{uint32_t(seed)};
  std::uniform_int_distribution<int32_t> d(-(1 << (bits - 1)), (1 << (bits - 1)) - 1);
  Tensor t(n, c, h, w);
  for (auto& v : t.data) v = d(rng);
  return t;
}

TEST_P(Layout, ActivationsRoundTripWithPadding) {
  const Tensor x = Random(3, 13, 5, 7, sp.inp_bits, 1);  // neither N nor C a multiple of the blocks
  const auto rows = PackActivations(x, sp);
  EXPECT_EQ(rows.size(), size_t(CeilDiv(3, sp.batch)) * CeilDiv(13, sp.block_in) * 5 * 7 * sp.inp_row_bytes);
  EXPECT_EQ(UnpackActivations(rows, 3, 13, 5, 7, sp), x);
}

TEST_P(Layout, ElementPositions) {
  Tensor x(sp.batch + 1, sp.block_in + 1, 2, 3);
  const int n = sp.batch, c = sp.block_in, y = 1, z = 2;  // second batch block, second channel block
  x.At(n, c, y, z) = 42;
  const auto rows = PackActivations(x, sp);
  const int cb = 2;
  const size_t row = ((size_t(1) * cb + 1) * 2 + y) * 3 + z;
  EXPECT_EQ(GetElem(rows, row * sp.inp_row_bytes, sp.inp_bits), 42);  // element [b=0][i=0] of that row
  Tensor w(sp.block_out + 1, sp.block_in, 1, 1);
  w.At(sp.block_out, 1, 0, 0) = -7;
  const auto wr = PackWeights(w, sp);
  EXPECT_EQ(GetElem(wr, size_t(1) * sp.wgt_row_bytes + 1 * sp.wgt_bits / 8, sp.wgt_bits),
            -7);  // row (ko=1,ci=0), [o=0][i=1]
}

TEST_P(Layout, AccRoundTripAndBias) {
  Tensor x = Random(2, 9, 3, 3, 20, 2);
  EXPECT_EQ(UnpackAcc(PackAcc(x, sp), 2, 9, 3, 3, sp), x);
  const std::vector<int32_t> bias = {5, -6, 7};
  const auto b = PackBias(bias, 3, sp);
  for (int bb = 0; bb < sp.batch; ++bb)
    EXPECT_EQ(GetElem(b, size_t(bb * sp.block_out + 1) * sp.acc_bits / 8, sp.acc_bits), -6);
}

TEST_P(Layout, DepthwiseWeightsAreBlockDiagonal) {
  Tensor w(2 * sp.block_out + 3, 1, 1, 2);
  for (int c = 0; c < w.n; ++c) w.At(c, 0, 0, 1) = c % 100 + 1;
  const auto rows = PackDepthwiseWeights(w, sp);
  const int nov = DepthwiseBlocksPerOut(sp);
  // Every channel's weight appears exactly once, at (o = c % BLOCK_OUT, i = c - in_block * BLOCK_IN).
  int found = 0;
  for (int co = 0; co < CeilDiv(w.n, sp.block_out); ++co)
    for (int j = 0; j < nov; ++j) {
      const size_t row = (size_t(co) * nov + j) * 2 + 1;
      for (int o = 0; o < sp.block_out; ++o)
        for (int i = 0; i < sp.block_in; ++i) {
          const int64_t v =
              GetElem(rows, row * sp.wgt_row_bytes + size_t(o * sp.block_in + i) * sp.wgt_bits / 8, sp.wgt_bits);
          if (v == 0) continue;
          const int c = co * sp.block_out + o;
          EXPECT_EQ(c, (DepthwiseFirstInBlock(sp, co) + j) * sp.block_in + i);
          EXPECT_EQ(v, c % 100 + 1);
          ++found;
        }
    }
  EXPECT_EQ(found, w.n);
}

INSTANTIATE_TEST_SUITE_P(Presets, Layout,
                         ::testing::Values("default", "1x8x8", "2x16x32", "4x32x8", "1x32x32", "1x64x64", "min"),
                         [](const auto& p) { return std::string(p.param); });

}  // namespace
}  // namespace dcoc::compiler
