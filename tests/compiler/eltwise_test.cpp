// Element-wise add, ReLU / clip / shift requantization, max-pool and average pool on fsim against the
// reference, on every preset.
#include "host/compiler/eltwise.h"

#include <gtest/gtest.h>

#include "host/common/error.h"
#include "sim/fsim/fsim.h"
#include "tests/compiler/test_util.h"

namespace dcoc::compiler {
namespace {

using reference::Tensor;

using testing::RandomTensor;

class Eltwise : public ::testing::TestWithParam<std::string> {
 protected:
  spec::Spec sp = spec::Spec::Create(spec::LoadConfig(GetParam()));
  reference::IntFormat fmt{sp.acc_bits, sp.out_bits};
  Tensor Run(const spec::Program& p, int n, int c, int h, int w) {
    const sim::FsimResult r = sim::RunProgram(p);
    return ReadTensor(p, r.dram, n, c, h, w, sp);
  }
};

TEST_P(Eltwise, ResidualAddWithRequant) {
  const Tensor a = RandomTensor(2, 37, 9, 11, -128, 127, 1), b = RandomTensor(2, 37, 9, 11, -128, 127, 2);
  const auto e = reference::Epilogue::Requant(1, false, sp.out_bits, false);
  EXPECT_EQ(Run(CompileEltwise(EltwiseKind::kAdd, a, &b, e, sp), 2, 37, 9, 11), reference::Add(a, b, e, fmt));
}

TEST_P(Eltwise, ReluClipAndShiftRequant) {
  const Tensor acc = RandomTensor(1, 70, 13, 13, -200000, 200000, 3);
  reference::Epilogue relu;
  relu.clip_lo = 0;
  const Tensor small = RandomTensor(1, 70, 13, 13, -128, 127, 4);
  EXPECT_EQ(Run(CompileEltwise(EltwiseKind::kUnary, small, nullptr, relu, sp), 1, 70, 13, 13),
            reference::Relu(small, fmt));
  reference::Epilogue clip;
  clip.clip_lo = -20;
  clip.clip_hi = 30;
  EXPECT_EQ(Run(CompileEltwise(EltwiseKind::kUnary, small, nullptr, clip, sp), 1, 70, 13, 13),
            reference::Clip(small, -20, 30, fmt));
  const auto rq = reference::Epilogue::Requant(9, false, sp.out_bits, false);
  EXPECT_EQ(Run(CompileEltwise(EltwiseKind::kUnary, acc, nullptr, rq, sp), 1, 70, 13, 13),
            reference::ShiftRequant(acc, 9, -128, 127, fmt));
}

TEST_P(Eltwise, MaxPoolPadsWithTheMinimum) {
  // All-negative inputs: zero padding would win every border window; minimum padding must not.
  const Tensor x = RandomTensor(1, 40, 15, 15, -128, -1, 5);
  PoolLayer p;
  p.kind = PoolKind::kMax;
  p.n = 1, p.c = 40, p.h = 15, p.w = 15, p.r = 3, p.s = 3;
  p.attrs = {2, 2, 1, 1};
  EXPECT_EQ(Run(CompilePool(p, x, sp), 1, 40, p.OutH(), p.OutW()), reference::MaxPool2d(x, 3, 3, p.attrs, fmt));
}

TEST_P(Eltwise, AvgPoolFixedPoint) {
  const Tensor x = RandomTensor(2, 20, 8, 8, -128, 127, 6);
  PoolLayer p;
  p.kind = PoolKind::kAvg;
  p.n = 2, p.c = 20, p.h = 8, p.w = 8, p.r = 3, p.s = 3;
  p.attrs = {1, 1, 1, 1};
  p.mul = 57;  // ~ 512 / 9
  p.shift = 9;
  EXPECT_EQ(Run(CompilePool(p, x, sp), 2, 20, 8, 8), reference::AvgPool2d(x, 3, 3, p.attrs, 57, 9, fmt));
  p.r = p.s = 2;  // global-style 2x2, power of two: exact floor average
  p.attrs = {2, 2, 0, 0};
  p.mul = 1;
  p.shift = 2;
  EXPECT_EQ(Run(CompilePool(p, x, sp), 2, 20, 4, 4), reference::AvgPool2d(x, 2, 2, p.attrs, 1, 2, fmt));
}

TEST_P(Eltwise, InvalidRequestsAreErrors) {
  const Tensor x = RandomTensor(1, 4, 4, 4, -1, 1, 7);
  PoolLayer p;
  p.n = 1, p.c = 4, p.h = 4, p.w = 4, p.r = 2, p.s = 2;
  p.attrs = {1, 1, 2, 2};
  EXPECT_THROW((void)CompilePool(p, x, sp), UsageError);
  reference::Epilogue e;
  e.clip_hi = 1 << 20;
  try {
    (void)CompileEltwise(EltwiseKind::kUnary, x, nullptr, e, sp);
    FAIL();
  } catch (const UsageError& err) {
    EXPECT_STREQ(err.what(), "clip maximum = 1048576 does not fit the 16-bit signed ALU immediate [-32768, 32767]");
  }
}

INSTANTIATE_TEST_SUITE_P(Presets, Eltwise,
                         ::testing::Values("default", "1x8x8", "2x16x32", "4x32x8", "1x32x32", "1x64x64", "min"),
                         [](const auto& p) { return std::string(p.param); });

}  // namespace
}  // namespace dcoc::compiler
