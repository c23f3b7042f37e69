// Bit-exact conv2d / depthwise / dense on fsim against the reference: reduced versions of every
// built-in layer with several schedules on every preset, plus directed cases.
#include <gtest/gtest.h>

#include "host/common/error.h"
#include "tests/compiler/layer_sweep.h"
#include "tests/compiler/test_util.h"

namespace dcoc::compiler {
namespace {

using testing::PresetSpec;
using testing::RunsBitExact;

ConvLayer Small(int n, int c, int h, int w, int k, int r, int stride, int pad) {
  ConvLayer l;
  l.name = "small";
  l.n = n, l.c = c, l.h = h, l.w = w, l.k = k, l.r = r, l.s = r, l.stride_h = l.stride_w = stride,
  l.pad_h = l.pad_w = pad;
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

TEST(Conv, RandomInterleavingsAgree) {
  const spec::Spec sp = PresetSpec("default");
  const ConvLayer l = Small(1, 32, 8, 8, 64, 3, 1, 1);
  Schedule s;
  s.tile_h = 2, s.tile_w = 8, s.tile_co = 2, s.h_nthread = 2, s.oc_nthread = 2;
  for (uint64_t seed = 1; seed <= 5; ++seed) EXPECT_TRUE(RunsBitExact(l, s, sp, seed, /*random_interleave=*/true));
}

// Per-output-channel shifts (per-channel weight quantization): a tensor SHR by the shift row broadcast
// over each block's tile, for conv2d, depthwise and dense, with and without bias and ReLU, on several
// configurations and schedules (threads, both GEMM loop forms).
TEST(Conv, PerChannelShifts) {
  for (const char* cfg : {"default", "1x8x8", "2x16x32", "min"}) {
    const spec::Spec sp = PresetSpec(cfg);
    for (ConvKind kind : {ConvKind::kConv2d, ConvKind::kDepthwise, ConvKind::kDense}) {
      ConvLayer l = kind == ConvKind::kDense ? Small(2, 70, 1, 1, 37, 1, 1, 0) : Small(1, 24, 7, 7, 24, 3, 1, 1);
      l.kind = kind;
      for (int variant = 0; variant < 2; ++variant) {
        l.epilogue = reference::Epilogue::Requant(0, variant == 1, sp.out_bits, variant == 0);
        l.epilogue.channel_shift.clear();
        for (int k = 0; k < l.k; ++k) l.epilogue.channel_shift.push_back((k * 7) % 13 - 1);  // -1 (left) to 11
        const std::vector<Schedule> valid = ScheduleSpace(l, sp).AllValid();
        ASSERT_FALSE(valid.empty()) << cfg;
        for (size_t i = 0; i < valid.size(); i += std::max<size_t>(1, valid.size() / 5))
          EXPECT_TRUE(RunsBitExact(l, valid[i], sp)) << cfg << " " << ToString(valid[i]);
        EXPECT_TRUE(RunsBitExact(l, DefaultSchedule(l, sp), sp)) << cfg;
      }
    }
  }
  ConvLayer bad = Small(1, 16, 4, 4, 16, 3, 1, 1);
  bad.epilogue.channel_shift = {1, 2, 3};
  EXPECT_THROW(bad.Validate(), UsageError);
}

TEST(Conv, ChannelsNotMultipleOfBlockAndBatchPadding) {
  const spec::Spec sp = PresetSpec("4x32x8");
  const ConvLayer l = Small(3, 5, 7, 9, 11, 3, 2, 1);
  EXPECT_TRUE(RunsBitExact(l, DefaultSchedule(l, sp), sp));
  EXPECT_TRUE(RunsBitExact(l, Schedule{}, sp));
}

TEST(Conv, KernelRowsSplitAndPaddingOnlySteps) {
  const spec::Spec sp = PresetSpec("min");
  ConvLayer l = Small(1, 16, 9, 9, 16, 7, 2, 3);
  Schedule s;
  s.tile_kh = 1;
  EXPECT_TRUE(RunsBitExact(l, s, sp));
  l.pad_h = l.pad_w = 6;  // rows and columns entirely in the padding
  l.r = l.s = 3;
  s.tile_kh = 1;
  EXPECT_TRUE(RunsBitExact(l, s, sp));
}

TEST(Conv, GatherForStridedPointwise) {
  for (const char* cfg : {"default", "4x32x8", "min"}) {
    const spec::Spec sp = PresetSpec(cfg);
    const ConvLayer l = ReduceSpatially(FindLayer("resnet18.C4"), 6, 48);  // 1x1, stride 2
    for (const Schedule& s : ScheduleSpace(l, sp).AllValid())
      if (s.gather && (s.tile_h * s.tile_w == 1 || s.h_nthread * s.oc_nthread == 2)) {
        EXPECT_TRUE(RunsBitExact(l, s, sp)) << cfg;
      }
  }
  Schedule s;
  s.gather = true;
  const auto v = Check(Small(1, 16, 8, 8, 16, 3, 2, 1), s, PresetSpec("default"));
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].name, "gather_kernel");
}

TEST(Conv, NoBiasReluOnly) {
  const spec::Spec sp = PresetSpec("1x8x8");
  ConvLayer l = Small(1, 8, 5, 5, 8, 3, 1, 1);
  l.epilogue = reference::Epilogue{};
  l.epilogue.clip_lo = 0;
  EXPECT_TRUE(RunsBitExact(l, DefaultSchedule(l, sp), sp));
}

TEST(Conv, InvalidScheduleIsAnErrorListingEveryViolation) {
  const spec::Spec sp = PresetSpec("default");
  const ConvLayer l = Small(1, 64, 56, 56, 64, 3, 1, 1);
  Schedule s;
  s.tile_h = 5;
  s.h_nthread = 3;
  try {
    (void)CompileConv(l, s, sp, RandomOperands(l, sp, 1));
    FAIL() << "expected a ScheduleError";
  } catch (const ScheduleError& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("tile_h_divides: tile_h = 5 does not divide output height = 56"), std::string::npos) << m;
    EXPECT_NE(m.find("h_nthread_value: h_nthread = 3 must be 1 or 2"), std::string::npos) << m;
  }
}

// Reduced versions of every built-in layer, on every preset, with several schedules.
class LayerSweep : public ::testing::TestWithParam<std::string> {};

TEST_P(LayerSweep, ReducedLayersBitExact) {
  const spec::Spec sp = PresetSpec(GetParam());
  int runs = 0;
  for (const ConvLayer& full : BuiltinLayers()) {
    const ConvLayer l = ReduceSpatially(full, 4, 64);
    for (const auto& [name, sched] : testing::SweepSchedules(l, sp)) {
      SCOPED_TRACE(l.name + " " + name);
      EXPECT_TRUE(RunsBitExact(l, sched, sp, uint64_t(runs) + 1));
      ++runs;
    }
  }
  RecordProperty("runs", runs);
}

INSTANTIATE_TEST_SUITE_P(Presets, LayerSweep, ::testing::ValuesIn(testing::SweepConfigs()),
                         [](const auto& p) { return p.param; });

}  // namespace
}  // namespace dcoc::compiler
