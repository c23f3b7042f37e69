// The tuners on real schedule spaces (the compiler's ScheduleSpace through the adapter), with the
// analytic estimate standing in for measurements: every proposal passes the checker, none repeats,
// and the model-based tuners find the estimate's optimum; the zoo's models as tuning tasks.
#include "agents/common/schedule_space.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>

#include "agents/common/space_util.h"
#include "host/compiler/workloads.h"
#include "tests/agents/drive.h"

namespace dcoc::agents {
namespace {

TEST(ScheduleSpaceAdapter, MirrorsTheCompilersSpace) {
  const spec::Spec s = spec::Spec::Create(spec::LoadConfig("default"));
  const compiler::ScheduleSpace space(compiler::FindLayer("resnet18.C5"), s);
  const ScheduleSpaceAdapter a(space);
  ASSERT_EQ(a.Knobs().size(), space.knobs().size());
  for (size_t k = 0; k < a.Knobs().size(); ++k) {
    EXPECT_EQ(a.Knobs()[k].name, space.knobs()[k].name);
    EXPECT_EQ(a.Knobs()[k].values, space.knobs()[k].names);
  }
  const Indexer ix(a);
  EXPECT_EQ(ix.Size(), space.size());
  Rng rng(3);
  int valid = 0;
  for (int i = 0; i < 2000; ++i) {
    const Point p = ix.At(rng.Below(ix.Size()));
    EXPECT_EQ(a.Valid(p), compiler::Check(space.layer(), a.At(p), s).empty());
    valid += a.Valid(p);
    EXPECT_EQ(a.PointOf(a.At(p)), p);
  }
  EXPECT_GT(valid, 0);
  std::vector<float> f(a.FeatureSize());
  a.Features(compiler::ScheduleSpace(space).PointOf(compiler::DefaultSchedule(space.layer(), s)), f);
  EXPECT_EQ(f.size(), compiler::ScheduleSpace::FeatureSize());
}

// Measurements replaced by the compiler's estimate (cycles), so the optimum is known by enumeration.
class EstimateSpace : public ScheduleSpaceAdapter {
 public:
  explicit EstimateSpace(const compiler::ScheduleSpace& s) : ScheduleSpaceAdapter(s) {}
  double Cost(const Point& p) const {
    return compiler::EstimateCost(schedules().layer(), At(p), schedules().spec()).cycles;
  }
};

class RealSpace : public ::testing::TestWithParam<std::string> {};

TEST_P(RealSpace, ValidDistinctProposalsThatFindTheEstimatesOptimum) {
  const spec::Spec s = spec::Spec::Create(spec::LoadConfig("default"));
  const compiler::ConvLayer layer = compiler::ReduceSpatially(compiler::FindLayer("resnet18.C5"), 14);
  const compiler::ScheduleSpace space(layer, s);
  const EstimateSpace es(space);
  double optimum = 0;
  space.ForEachValid([&](uint64_t, const compiler::KnobIndices& p) {
    const double c = es.Cost(p);
    if (optimum == 0 || c < optimum) optimum = c;
    return true;
  });
  const uint64_t valid = space.CountValid();
  ASSERT_GT(valid, 500u);
  const std::unique_ptr<Tuner> t = testing::Make(GetParam(), es, 2);
  std::set<Point> seen;
  double best = 0;
  const int budget = 192;
  for (int n = 0; n < budget;) {
    const std::vector<Point> pts = t->Propose(budget - n);
    ASSERT_FALSE(pts.empty());
    std::vector<Result> r;
    for (const Point& p : pts) {
      EXPECT_TRUE(compiler::Check(layer, es.At(p), s).empty());
      EXPECT_TRUE(seen.insert(p).second);
      r.push_back(Result{p, true, es.Cost(p), false});
      best = best == 0 ? r.back().cost : std::min(best, r.back().cost);
    }
    n += int(pts.size());
    t->Observe(r);
  }
  // 192 of about 10,500 valid schedules: autotvm reaches the estimate's optimum (the estimate is one of
  // its features), chameleon (32 walkers here) gets within 1%, GA within 10%.
  const double slack = GetParam() == "ga" ? 1.1 : GetParam() == "chameleon" ? 1.01 : 1.0;
  EXPECT_LE(best, slack * optimum) << valid << " valid";
}

INSTANTIATE_TEST_SUITE_P(Tuners, RealSpace, ::testing::Values("ga", "autotvm", "chameleon"),
                         [](const ::testing::TestParamInfo<std::string>& i) { return i.param; });

TEST(Zoo, ModelTasksWithOccurrenceCounts) {
  const auto total = [](const std::string& m) {
    int n = 0;
    for (const compiler::ZooTask& t : compiler::BuiltinModelTasks(m)) n += t.count;
    return n;
  };
  EXPECT_EQ(compiler::BuiltinModelTasks("resnet18").size(), 12u);
  EXPECT_EQ(total("resnet18"), 21);      // 20 convolutions and the classifier
  EXPECT_EQ(total("vgg16"), 16);         // 13 + 3
  EXPECT_EQ(total("alexnet"), 8);        // 5 + 3
  EXPECT_EQ(total("mobilenet_v1"), 28);  // 1 + 13 depthwise + 13 pointwise + 1
  try {
    compiler::BuiltinModelTasks("resnet50");
    FAIL();
  } catch (const UsageError& e) {
    EXPECT_THAT(e.what(), ::testing::HasSubstr("unknown model \"resnet50\" (built-in: resnet18, vgg16, alexnet"));
  }
}

}  // namespace
}  // namespace dcoc::agents
