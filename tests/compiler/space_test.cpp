// The knob table and the schedule space: index <-> point <-> schedule, validity against the checker,
// neighbours, uniform sampling, features; layer JSON and task keys.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <set>
#include <sstream>

#include "host/common/error.h"
#include "tests/compiler/test_util.h"

namespace dcoc::compiler {
namespace {

using testing::PresetSpec;

TEST(KnobTable, DrivesJsonInBothDirections) {
  ASSERT_EQ(ScheduleKnobs().size(), 12u);
  Schedule s;
  for (const KnobDef& k : ScheduleKnobs()) {
    // Every knob round-trips a non-default value through JSON on its own.
    Schedule t;
    k.set(t, k.type == KnobType::kInt ? 2 : 1);
    EXPECT_EQ(k.get(t), k.type == KnobType::kInt ? 2 : 1) << k.name;
    EXPECT_EQ(ScheduleFromJson(ToJson(t)), t) << k.name;
    EXPECT_TRUE(ToJson(s).contains(std::string(k.name)));
    EXPECT_EQ(FindKnob(k.name), &k);
  }
  EXPECT_EQ(FindKnob("tile_x"), nullptr);
  try {
    (void)ScheduleFromJson(nlohmann::json{{"loop_order", 3}});
    FAIL();
  } catch (const ScheduleError& e) {
    EXPECT_STREQ(e.what(), "schedule key loop_order must be \"oc_outer\" or \"spatial_outer\", got 3");
  }
  EXPECT_THROW((void)ScheduleFromJson(nlohmann::json{{"tile_b", 1LL << 40}}), ScheduleError);
  EXPECT_THROW((void)ScheduleFromJson(nlohmann::json{{"gather", 1}}), ScheduleError);
}

TEST(KnobTable, ReadmeListsTheKnobsFromTheTable) {
  std::ifstream in(std::string(DCOC_SOURCE_DIR) + "/host/compiler/README.md");
  std::stringstream ss;
  ss << in.rdbuf();
  EXPECT_NE(ss.str().find(KnobsMarkdown()), std::string::npos)
      << "host/compiler/README.md's knob list is stale; regenerate it with `dcoc layer knobs`:\n"
      << KnobsMarkdown();
}

TEST(ScheduleSpace, IndexPointScheduleRoundTrip) {
  const spec::Spec sp = PresetSpec("default");
  const ScheduleSpace space(FindLayer("resnet18.C11"), sp);  // 7x7 output, 512 channels
  EXPECT_EQ(space.knobs()[1].names, (std::vector<std::string>{"1", "7"}));
  EXPECT_EQ(space.knobs()[9].names, (std::vector<std::string>{"spatial", "reduction"}));
  for (uint64_t i = 0; i < space.size(); i += 37) {
    const KnobIndices p = space.Point(i);
    EXPECT_EQ(space.Index(p), i);
    EXPECT_EQ(space.PointOf(space.At(p)), p);
    EXPECT_EQ(space.IndexOf(space.At(i)), i);
  }
  EXPECT_THROW((void)space.Point(space.size()), UsageError);
  KnobIndices bad(12, 0);
  bad[1] = 2;
  EXPECT_THROW((void)space.At(bad), UsageError);
  Schedule s;
  s.tile_h = 3;
  try {
    (void)space.PointOf(s);
    FAIL();
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("tile_h = 3 is not a candidate"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("(candidates: 1 7)"), std::string::npos) << e.what();
  }
  // tile_kh = 0 means R: the same point as R.
  Schedule k0, k3;
  k3.tile_kh = k3.tile_kw = 3;
  EXPECT_EQ(space.PointOf(k0), space.PointOf(k3));
  EXPECT_EQ(Normalize(space.layer(), k0), k3);
}

TEST(ScheduleSpace, ValidAgreesWithTheCheckerEverywhere) {
  const spec::Spec sp = PresetSpec("min");
  const ScheduleSpace space(ReduceSpatially(FindLayer("resnet18.C2"), 4, 32), sp);
  uint64_t valid = 0;
  for (uint64_t i = 0; i < space.size(); ++i) {
    const Schedule s = space.At(i);
    const std::vector<Violation> v = Check(space.layer(), s, sp);
    ASSERT_EQ(space.Valid(space.Point(i)), v.empty()) << ToString(s);
    const std::optional<Violation> first = FirstViolation(space.layer(), s, sp);
    ASSERT_EQ(first.has_value(), !v.empty());
    if (first) {
      EXPECT_EQ(first->name, v.front().name);
    }
    valid += v.empty();
  }
  EXPECT_GT(valid, 0u);
  EXPECT_LT(valid, space.size());
  EXPECT_EQ(space.CountValid(), valid);
  std::vector<uint64_t> seen;
  space.ForEachValid([&](uint64_t i, const KnobIndices& p) {
    EXPECT_EQ(space.Index(p), i);
    seen.push_back(i);
    return true;
  });
  EXPECT_EQ(seen.size(), valid);
  EXPECT_TRUE(std::is_sorted(seen.begin(), seen.end()));
}

TEST(ScheduleSpace, NeighboursChangeOneKnobAndAreValid) {
  const spec::Spec sp = PresetSpec("default");
  const ScheduleSpace space(FindLayer("resnet18.C5"), sp);
  std::mt19937_64 rng(3);
  const KnobIndices p = *space.Sample(rng);
  const std::vector<KnobIndices> all = space.Neighbours(p);
  const std::vector<KnobIndices> adjacent = space.Neighbours(p, true);
  ASSERT_FALSE(all.empty());
  EXPECT_LE(adjacent.size(), all.size());
  for (const KnobIndices& q : all) {
    int changed = 0;
    for (size_t i = 0; i < p.size(); ++i) changed += p[i] != q[i];
    EXPECT_EQ(changed, 1);
    EXPECT_TRUE(space.Valid(q));
  }
  for (const KnobIndices& q : adjacent)
    for (size_t i = 0; i < p.size(); ++i) EXPECT_LE(std::abs(p[i] - q[i]), 1);
  // Exhaustive: every valid one-knob change is listed.
  size_t expected = 0;
  for (size_t i = 0; i < p.size(); ++i)
    for (int32_t v = 0; v < int32_t(space.knobs()[i].values.size()); ++v) {
      KnobIndices q = p;
      q[i] = v;
      expected += v != p[i] && space.Valid(q);
    }
  EXPECT_EQ(all.size(), expected);
}

TEST(ScheduleSpace, SamplingIsValidSeededAndCoversTheSpace) {
  const spec::Spec sp = PresetSpec("1x8x8");
  const ScheduleSpace space(ReduceSpatially(FindLayer("resnet18.C3"), 4, 32), sp);
  std::mt19937_64 a(11), b(11);
  std::set<uint64_t> seen;
  for (int i = 0; i < 2000; ++i) {
    const KnobIndices p = *space.Sample(a);
    EXPECT_EQ(p, *space.Sample(b));
    EXPECT_TRUE(space.Valid(p));
    seen.insert(space.Index(p));
  }
  // 2000 uniform draws from N points see about N (1 - exp(-2000 / N)) distinct ones.
  const double n = double(space.CountValid());
  EXPECT_GE(double(seen.size()), 0.95 * n * (1 - std::exp(-2000.0 / n))) << n;
}

TEST(ScheduleSpace, SamplingFindsRareValidPoints) {
  // On "min" (tiny buffers) a large layer has few valid points among many candidates.
  const spec::Spec sp = PresetSpec("min");
  const ScheduleSpace space(FindLayer("vgg16.C2"), sp);
  const uint64_t n = space.CountValid();
  std::mt19937_64 rng(5);
  if (n == 0) {
    EXPECT_FALSE(space.Sample(rng).has_value());
  } else {
    EXPECT_TRUE(space.Valid(*space.Sample(rng)));
  }
}

TEST(ScheduleSpace, FeaturesHaveAFixedLayoutAndTrackTheEstimate) {
  const spec::Spec sp = PresetSpec("default");
  const ScheduleSpace c5(FindLayer("resnet18.C5"), sp), c11(FindLayer("resnet18.C11"), sp);
  EXPECT_EQ(ScheduleSpace::FeatureNames().size(), ScheduleSpace::FeatureSize());
  std::vector<float> f(ScheduleSpace::FeatureSize());
  std::mt19937_64 rng(1);
  for (const ScheduleSpace* s : {&c5, &c11})
    for (int i = 0; i < 20; ++i) {
      const KnobIndices p = *s->Sample(rng);
      s->Features(p, f);
      for (size_t k = 0; k < f.size(); ++k) EXPECT_TRUE(std::isfinite(f[k])) << ScheduleSpace::FeatureNames()[k];
      const auto names = ScheduleSpace::FeatureNames();
      const size_t at = size_t(std::find(names.begin(), names.end(), "log2.cycles") - names.begin());
      EXPECT_FLOAT_EQ(f[at], float(std::log2(1.0 + EstimateCost(s->layer(), s->At(p), sp).cycles)));
    }
  std::vector<float> small(3);
  EXPECT_THROW(c5.Features(c5.Point(0), small), UsageError);
}

TEST(ScheduleSpace, DefaultScheduleIsTheBestEstimate) {
  const spec::Spec sp = PresetSpec("default");
  const ConvLayer l = FindLayer("resnet18.C11");
  const Schedule d = DefaultSchedule(l, sp);
  const double best = EstimateCost(l, d, sp).cycles;
  ScheduleSpace(l, sp).ForEachValid([&](uint64_t, const KnobIndices& p) {
    EXPECT_GE(EstimateCost(l, ScheduleSpace(l, sp).At(p), sp).cycles, best);
    return true;
  });
}

TEST(LayerJson, RoundTripKeysAndErrors) {
  for (const ConvLayer& l : BuiltinLayers()) {
    ConvLayer x = l;
    x.epilogue = DefaultEpilogue(l, 8);
    const ConvLayer y = LayerFromJson(ToJson(x));
    EXPECT_EQ(ToJson(y), ToJson(x));
    EXPECT_EQ(TaskKey(y), TaskKey(x));
  }
  ConvLayer a = FindLayer("resnet18.C5");
  a.epilogue = DefaultEpilogue(a, 8);
  ConvLayer b = a;
  b.name = "other";
  EXPECT_EQ(TaskKey(a), TaskKey(b));  // the name does not make a task
  b.epilogue.clip_lo = 0;
  EXPECT_NE(TaskKey(a), TaskKey(b));
  EXPECT_EQ(TaskKey(a), "conv2d:n1,c128,h28,w28,k128,r3,s3,sh1,sw1,ph1,pw1:bias,shr" +
                            std::to_string(a.epilogue.shift) + ",clip-128..127");
  nlohmann::json j = ToJson(a);
  j["pad_h"] = "1";
  EXPECT_THROW((void)LayerFromJson(j), UsageError);
  j = ToJson(a);
  j["colour"] = 1;
  EXPECT_THROW((void)LayerFromJson(j), UsageError);
  j = ToJson(a);
  j["kind"] = "depthwise_conv2d";  // K != C is not a depthwise layer
  j["k"] = 64;
  EXPECT_THROW((void)LayerFromJson(j), UsageError);
}

}  // namespace
}  // namespace dcoc::compiler
