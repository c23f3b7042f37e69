#include <gtest/gtest.h>

#include "host/common/error.h"
#include "tests/compiler/test_util.h"

namespace dcoc::compiler {
namespace {

using testing::PresetSpec;
using testing::RunsBitExact;

ConvLayer Small(int n, int c, int h, int w, int k, int r, int stride, int pad) {
  ConvLayer l;
  l.name = "small";
  l.n = n, l.c = c, l.h = h, l.w = w, l.k = k, l.r = r, l.s = r, l.stride_h = l.stride_w = stride, l.pad_h = l.pad_w = pad;
  l.epilogue = DefaultEpilogue(l, 8);
  return l;
}

TEST(Conv, SmallDefaultSchedule) {
  const spec::Spec sp = PresetSpec("default");
  const ConvLayer l = Small(1, 32, 8, 8, 32, 3, 1, 1);
  EXPECT_TRUE(RunsBitExact(l, DefaultSchedule(l, sp), sp));
}

TEST(Conv, SmallestTiles) {
  const spec::Spec sp = PresetSpec("default");
  const ConvLayer l = Small(1, 32, 6, 6, 32, 3, 1, 1);
  EXPECT_TRUE(RunsBitExact(l, Schedule{}, sp));
}

}  // namespace
}  // namespace dcoc::compiler
