// The validity checker, the schedule space, the default heuristic, schedule JSON, and the property test
// (random layers x random valid schedules x random configurations, fsim against the reference).
#include <gtest/gtest.h>

#include <random>

#include "host/common/error.h"
#include "tests/compiler/test_util.h"

namespace dcoc::compiler {
namespace {

using testing::PresetSpec;
using testing::RunsBitExact;

bool Has(const std::vector<Violation>& v, std::string_view name, std::string_view text) {
  for (const Violation& x : v)
    if (x.name == name && x.message.find(text) != std::string::npos) return true;
  return false;
}

TEST(Checker, NamesEveryViolationWithNumbers) {
  const spec::Spec sp = PresetSpec("default");   // 2048 input rows, 1024 weight rows, 2048 acc rows, 8192 uops
  const ConvLayer l = FindLayer("resnet18.C2");  // 64->64, 56x56, 3x3
  Schedule s;
  s.tile_h = 56, s.tile_w = 56, s.tile_ci = 4, s.tile_co = 4, s.h_nthread = 2;
  const auto v = Check(l, s, sp);
  EXPECT_TRUE(Has(v, "h_nthread_divides", "h_nthread = 2 does not divide the 1 row tiles")) << v.size();
  EXPECT_TRUE(Has(v, "inp_capacity",
                  "input tile needs 13456 rows (215296 B) per thread, buffer holds 1024 rows (16384 B) per thread"));
  EXPECT_TRUE(Has(v, "acc_capacity", "accumulator tile needs 12548 rows"));
  EXPECT_FALSE(Has(v, "wgt_capacity", ""));
  s = Schedule{};
  s.tile_w = 3;
  s.tile_ci = 3;
  const auto d = Check(l, s, sp);
  EXPECT_TRUE(Has(d, "tile_w_divides", "tile_w = 3 does not divide output width = 56"));
  EXPECT_TRUE(Has(d, "tile_ci_divides", "tile_ci = 3 does not divide input-channel blocks (C 64 / BLOCK_IN 16) = 4"));
}

TEST(Checker, UopAndFieldLimits) {
  const spec::Spec sp = PresetSpec("min");  // 32 micro-ops
  ConvLayer l = FindLayer("alexnet.C1");    // 11x11, pad 2
  Schedule s;
  s.gemm_loop = GemmLoop::kReduction;
  s.tile_w = 5;  // 5 x 11 micro-ops
  EXPECT_TRUE(Has(Check(l, s, sp), "uop_capacity",
                  "GEMM micro-op kernel has 55 micro-ops (220 B), micro-op buffer holds 32 (128 B)"));
  l.pad_h = 16;
  EXPECT_TRUE(Has(Check(l, Schedule{}, sp), "field_y_pad_0",
                  "row padding = 16 does not fit field y_pad_0 (4 bits, at most 15)"));
  l = FindLayer("resnet18.C2");
  l.epilogue.clip_hi = 40000;
  EXPECT_TRUE(
      Has(Check(l, Schedule{}, sp), "field_imm", "clip maximum = 40000 does not fit the 16-bit signed immediate"));
}

TEST(Space, EveryEnumeratedScheduleIsValidAndCompiles) {
  const spec::Spec sp = PresetSpec("1x8x8");
  const ConvLayer l = ReduceSpatially(FindLayer("resnet18.C3"), 4, 32);
  const ScheduleSpace space(l, sp);
  ASSERT_EQ(space.knobs().size(), 12u);
  uint64_t product = 1;
  for (const SpaceKnob& k : space.knobs()) product *= k.values.size();
  EXPECT_EQ(space.size(), product);
  const std::vector<Schedule> valid = space.AllValid();
  ASSERT_FALSE(valid.empty());
  EXPECT_LE(valid.size(), space.size());
  EXPECT_EQ(valid.size(), space.CountValid());
  std::mt19937 rng(7);
  for (int i = 0; i < 12; ++i) {
    const Schedule& s = valid[rng() % valid.size()];
    EXPECT_TRUE(Check(l, s, sp).empty());
    EXPECT_TRUE(RunsBitExact(l, s, sp, uint64_t(i)));
  }
}

TEST(Space, DefaultScheduleIsValidForEveryBuiltinLayerAndPreset) {
  for (const spec::Preset& p : spec::Presets()) {
    const spec::Spec sp = spec::Spec::Create(p.config);
    for (const ConvLayer& l : BuiltinLayers()) {
      const Schedule s = DefaultSchedule(l, sp);
      EXPECT_TRUE(Check(l, s, sp).empty()) << l.name << " on " << p.name;
    }
  }
}

TEST(ScheduleJson, RoundTripAndErrors) {
  Schedule s;
  s.tile_h = 7, s.tile_co = 2, s.h_nthread = 2, s.gemm_loop = GemmLoop::kReduction,
  s.loop_order = LoopOrder::kSpatialOuter;
  EXPECT_EQ(ScheduleFromJson(ToJson(s)), s);
  EXPECT_EQ(
      ToString(s),
      R"({"tile_b":1,"tile_h":7,"tile_w":1,"tile_ci":1,"tile_co":2,"tile_kh":0,"tile_kw":0,"h_nthread":2,"oc_nthread":1,)"
      R"("gemm_loop":"reduction","loop_order":"spatial_outer","gather":false})");
  try {
    (void)ScheduleFromJson(nlohmann::json{{"tile_x", 1}});
    FAIL();
  } catch (const ScheduleError& e) {
    EXPECT_NE(std::string(e.what()).find("unknown schedule key \"tile_x\""), std::string::npos);
  }
  EXPECT_THROW((void)ScheduleFromJson(nlohmann::json{{"tile_h", "big"}}), UsageError);
  EXPECT_THROW((void)ScheduleFromJson(nlohmann::json{{"gemm_loop", "diagonal"}}), UsageError);
}

// Random configurations (any valid, encodable key combination), random layers, random valid schedules.
spec::Spec RandomSpec(std::mt19937_64& rng) {
  for (;;) {
    spec::HwConfig c;
    auto pick = [&](int lo, int hi) { return lo + int(rng() % uint64_t(hi - lo + 1)); };
    c.log_inp_width = pick(3, 4);
    c.log_wgt_width = c.log_inp_width == 4 ? pick(3, 4) : 3;
    c.log_acc_width = c.log_inp_width == 4 || c.log_wgt_width == 4 ? 5 : pick(4, 5);
    c.log_batch = pick(0, 2);
    c.log_block_in = pick(3, 6);
    c.log_block_out = pick(3, 6);
    c.log_uop_buff_size = pick(9, 15);
    c.log_inp_buff_size = pick(13, 18);
    c.log_wgt_buff_size = pick(13, 18);
    c.log_acc_buff_size = pick(13, 18);
    c.log_bus_width = pick(6, 9);
    if (pick(0, 3) == 0) c.dep_queue_depth = pick(1, 8);  // shallow token queues now and then
    try {
      return spec::Spec::Create(c);
    } catch (const ConfigError&) {
    }
  }
}

ConvLayer RandomLayer(std::mt19937_64& rng, int out_bits) {
  auto pick = [&](int lo, int hi) { return lo + int(rng() % uint64_t(hi - lo + 1)); };
  ConvLayer l;
  l.name = "random";
  const int kind = pick(0, 9);
  l.kind = kind < 2 ? ConvKind::kDepthwise : kind < 3 ? ConvKind::kDense : ConvKind::kConv2d;
  l.n = pick(1, 3);
  l.c = pick(1, 40);
  l.k = l.kind == ConvKind::kDepthwise ? l.c : pick(1, 40);
  if (l.kind == ConvKind::kDense) {
    l.c = pick(1, 100);
  } else {
    l.r = pick(1, 5);
    l.s = pick(1, 5);
    l.stride_h = pick(1, 3);
    l.stride_w = pick(1, 3);
    l.pad_h = pick(0, 3);
    l.pad_w = pick(0, 3);
    l.h = pick(std::max(1, l.r - 2 * l.pad_h), 12);
    l.w = pick(std::max(1, l.s - 2 * l.pad_w), 12);
  }
  l.epilogue = DefaultEpilogue(l, out_bits);
  l.epilogue.bias = pick(0, 3) != 0;
  if (pick(0, 3) == 0) l.epilogue.clip_lo = 0;  // ReLU
  return l;
}

TEST(Property, RandomLayersSchedulesAndConfigs) {
  std::mt19937_64 rng(20261126);
  int runs = 0;
  for (int i = 0; i < 250; ++i) {
    const spec::Spec sp = RandomSpec(rng);
    const ConvLayer l = RandomLayer(rng, sp.out_bits);
    SCOPED_TRACE(l.Describe() + " on " + sp.tag);
    const ScheduleSpace space(l, sp);
    std::mt19937_64 pick(rng());
    for (int j = 0; j < 3; ++j) {
      const std::optional<KnobIndices> p = space.Sample(pick);
      ASSERT_TRUE(p.has_value());
      const Schedule s = space.At(*p);
      EXPECT_TRUE(RunsBitExact(l, s, sp, rng(), /*random_interleave=*/j == 2));
      ++runs;
    }
  }
  RecordProperty("runs", runs);
}

}  // namespace
}  // namespace dcoc::compiler
