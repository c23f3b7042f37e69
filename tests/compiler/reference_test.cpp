// The reference operators against hand-computed values.
#include "host/reference/reference.h"

#include <gtest/gtest.h>

#include "host/common/error.h"

namespace dcoc::reference {
namespace {

Tensor Iota(int n, int c, int h, int w, int start = 0) {
  Tensor t(n, c, h, w);
  for (size_t i = 0; i < t.data.size(); ++i) t.data[i] = int32_t(i) + start;
  return t;
}

TEST(Reference, WrapAndShift) {
  EXPECT_EQ(Wrap(128, 8), -128);
  EXPECT_EQ(Wrap(-129, 8), 127);
  EXPECT_EQ(Wrap(int64_t(1) << 31, 32), -(int64_t(1) << 31));
  const IntFormat f{32, 8};
  Epilogue e;
  e.shift = 2;
  EXPECT_EQ(ApplyEpilogue(-7, 0, e, f), -2);  // arithmetic shift rounds toward -inf
  e.shift = -1;                               // the ALU's SHR shifts left for negative amounts
  EXPECT_EQ(ApplyEpilogue(3, 0, e, f), 6);
  EXPECT_EQ(ApplyEpilogue(300, 0, Epilogue::Requant(0, false, 8, false), f), 127);
  EXPECT_EQ(ApplyEpilogue(-300, 0, Epilogue::Requant(0, true, 8, false), f), 0);
  EXPECT_EQ(ApplyEpilogue(300, 0, Epilogue{}, f), 44);  // no clip: narrowing wraps
}

TEST(Reference, Conv2dByHand) {
  // 1x1x3x3 input 0..8, 2x2 kernel of ones, stride 1, pad 0: window sums.
  const Tensor x = Iota(1, 1, 3, 3);
  Tensor w(1, 1, 2, 2);
  for (auto& v : w.data) v = 1;
  const std::vector<int32_t> bias = {10};
  Epilogue e;
  e.bias = true;
  const Tensor y = Conv2d(x, w, bias, Conv2dAttrs{}, e, IntFormat{32, 32});
  ASSERT_EQ(y.h, 2);
  EXPECT_EQ(y.data,
            (std::vector<int32_t>{0 + 1 + 3 + 4 + 10, 1 + 2 + 4 + 5 + 10, 3 + 4 + 6 + 7 + 10, 4 + 5 + 7 + 8 + 10}));
  // Padding 1, stride 2: corners see a single pixel each... of the 2x2 window.
  const Tensor z = Conv2d(x, w, bias, Conv2dAttrs{2, 2, 1, 1}, Epilogue{}, IntFormat{32, 32});
  EXPECT_EQ(z.data, (std::vector<int32_t>{0, 1 + 2, 3 + 6, 4 + 5 + 7 + 8}));
}

TEST(Reference, DepthwiseIsPerChannel) {
  const Tensor x = Iota(1, 2, 2, 2);
  Tensor w(2, 1, 1, 1);
  w.data = {2, -1};
  const Tensor y = DepthwiseConv2d(x, w, {}, Conv2dAttrs{}, Epilogue{}, IntFormat{32, 32});
  EXPECT_EQ(y.data, (std::vector<int32_t>{0, 2, 4, 6, -4, -5, -6, -7}));
}

TEST(Reference, DenseAccumulatesAndWraps) {
  Tensor x(1, 3, 1, 1), w(1, 3, 1, 1);
  x.data = {127, 127, 127};
  w.data = {127, 127, 127};
  EXPECT_EQ(Dense(x, w, {}, Epilogue{}, IntFormat{32, 32}).data[0], 3 * 127 * 127);
  EXPECT_EQ(Dense(x, w, {}, Epilogue{}, IntFormat{16, 16}).data[0], int32_t(Wrap(3 * 127 * 127, 16)));
}

TEST(Reference, PoolsAndElementwise) {
  Tensor x(1, 1, 2, 2);
  x.data = {-100, -50, -20, -120};
  // 2x2 max-pool with padding 1, stride 2: every window holds one real pixel and min-valued padding.
  const Tensor m = MaxPool2d(x, 2, 2, Conv2dAttrs{2, 2, 1, 1}, IntFormat{32, 8});
  EXPECT_EQ(m.data, (std::vector<int32_t>{-100, -50, -20, -120}));
  const Tensor a = AvgPool2d(x, 2, 2, Conv2dAttrs{}, 1, 2, IntFormat{32, 8});
  EXPECT_EQ(a.data, (std::vector<int32_t>{(-290) >> 2}));
  EXPECT_EQ(Relu(x, IntFormat{32, 8}).data, (std::vector<int32_t>{0, 0, 0, 0}));
  EXPECT_EQ(Clip(x, -60, 60, IntFormat{32, 8}).data, (std::vector<int32_t>{-60, -50, -20, -60}));
  EXPECT_EQ(Add(x, x, Epilogue::Requant(0, false, 8, false), IntFormat{32, 8}).data,
            (std::vector<int32_t>{-128, -100, -40, -128}));
  Tensor acc(1, 1, 1, 2);
  acc.data = {1000, -1000};
  EXPECT_EQ(ShiftRequant(acc, 3, -128, 127, IntFormat{32, 8}).data, (std::vector<int32_t>{125, -125}));
}

TEST(Reference, ShapeMismatchIsAUsageError) {
  const Tensor x(1, 3, 4, 4), w(2, 4, 3, 3);
  try {
    (void)Conv2d(x, w, {}, Conv2dAttrs{}, Epilogue{}, IntFormat{});
    FAIL();
  } catch (const UsageError& e) {
    EXPECT_STREQ(e.what(), "conv2d: input has 3 channels, weights expect 4");
  }
}

}  // namespace
}  // namespace dcoc::reference
