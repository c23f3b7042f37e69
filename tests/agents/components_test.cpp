// The tuners' building blocks: indexing and sampling, the top-k, the recall metric, the XGBoost cost
// model and the diversity pick.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <set>

#include "agents/common/model_based_tuner.h"
#include "agents/common/space_util.h"
#include "agents/common/top_k.h"
#include "agents/common/xgb_cost_model.h"
#include "host/common/error.h"
#include "tests/agents/synthetic_space.h"

namespace dcoc::agents {
namespace {

using ::testing::HasSubstr;

TEST(Indexer, RoundTripsWithKnobZeroFastest) {
  const testing::SyntheticSpace s = testing::Small();
  const Indexer ix(s);
  EXPECT_EQ(ix.Size(), 60u);
  EXPECT_EQ(ix.Index({1, 0, 0}), 1u);
  EXPECT_EQ(ix.Index({0, 1, 0}), 4u);
  EXPECT_EQ(ix.Index({0, 0, 1}), 12u);
  for (uint64_t i = 0; i < ix.Size(); ++i) EXPECT_EQ(ix.Index(ix.At(i)), i);
  try {
    ix.CheckPoint({1, 3, 0});
    FAIL();
  } catch (const UsageError& e) {
    EXPECT_THAT(e.what(), HasSubstr("knob k1 value index 3 is outside [0, 3)"));
  }
}

TEST(Indexer, RejectsEmptyKnobsAndHugeSpaces) {
  EXPECT_THROW(Indexer(testing::SyntheticSpace({3, 0}, nullptr, nullptr)), UsageError);
  std::vector<int> dims(40, 4);  // 4^40 = 2^80 points
  try {
    Indexer ix(testing::SyntheticSpace(dims, nullptr, nullptr));
    FAIL();
  } catch (const UsageError& e) {
    EXPECT_THAT(e.what(), HasSubstr("more than 2^63 points"));
  }
}

TEST(PointSampler, SamplesEveryValidPointThenReportsExhaustion) {
  const testing::SyntheticSpace s = testing::Small();
  const Indexer ix(s);
  PointSampler sampler(s, ix);
  Rng rng(3);
  IndexSet seen;
  while (const std::optional<uint64_t> i = sampler.Sample(rng, seen)) {
    EXPECT_TRUE(s.Valid(ix.At(*i)));
    EXPECT_TRUE(seen.insert(*i).second);
  }
  EXPECT_EQ(seen.size(), 45u);
  EXPECT_EQ(sampler.AllValid().size(), 45u);
}

TEST(PointSampler, IsRoughlyUniform) {
  const testing::SyntheticSpace s = testing::Small();
  const Indexer ix(s);
  PointSampler sampler(s, ix);
  Rng rng(5);
  std::map<uint64_t, int> count;
  const IndexSet none;
  for (int i = 0; i < 45000; ++i) ++count[*sampler.Sample(rng, none)];
  EXPECT_EQ(count.size(), 45u);
  for (const auto& [idx, n] : count) EXPECT_NEAR(n, 1000, 150) << idx;
}

TEST(RandomValidMove, ChangesExactlyOneKnobToAValidPoint) {
  const testing::SyntheticSpace s = testing::Bowl();
  const Indexer ix(s);
  Rng rng(8);
  Point p = testing::kBowlOptimum;
  for (int i = 0; i < 1000; ++i) {
    const std::optional<Point> q = RandomValidMove(s, ix, p, rng);
    ASSERT_TRUE(q);
    int changed = 0;
    for (size_t k = 0; k < p.size(); ++k) changed += (*q)[k] != p[k];
    EXPECT_EQ(changed, 1);
    EXPECT_TRUE(s.Valid(*q));
    p = *q;
  }
}

TEST(TopK, KeepsTheBestDistinctOutsideTheExclusion) {
  const IndexSet exclude = {7};
  TopK top(3, exclude);
  EXPECT_TRUE(top.Offer(1.0f, 1));
  EXPECT_FALSE(top.Offer(9.0f, 7));  // excluded
  EXPECT_TRUE(top.Offer(3.0f, 2));
  EXPECT_FALSE(top.Offer(5.0f, 2));  // already kept
  EXPECT_TRUE(top.Offer(2.0f, 3));
  EXPECT_TRUE(top.Offer(4.0f, 4));  // evicts 1
  EXPECT_FALSE(top.Offer(1.5f, 5));
  EXPECT_THAT(top.Sorted(), ::testing::ElementsAre(4u, 2u, 3u));
}

TEST(AverageRecall, PerfectReversedAndHandComputed) {
  const std::vector<float> label = {0.1f, 0.9f, 0.5f, 0.3f};
  EXPECT_DOUBLE_EQ(AverageRecall(label, label, 4), 1.0);
  const std::vector<float> reversed = {0.9f, 0.1f, 0.3f, 0.5f};
  // top-1 {0} vs {1}: 0; top-2 {0,3} vs {1,2}: 0; top-3 {0,3,2} vs {1,2,3}: 2/3; top-4: 1.
  EXPECT_NEAR(AverageRecall(reversed, label, 4), (0 + 0 + 2.0 / 3 + 1) / 4, 1e-12);
  // N larger than the data: the missing terms count as zero (AutoTVM divides by N).
  EXPECT_NEAR(AverageRecall(label, label, 8), 0.5, 1e-12);
}

FeatureMatrix BowlFeatures(const testing::SyntheticSpace& s, const std::vector<Point>& pts) {
  FeatureMatrix x;
  x.cols = s.FeatureSize();
  for (const Point& p : pts) {
    std::vector<float> f(x.cols);
    s.Features(p, f);
    x.data.insert(x.data.end(), f.begin(), f.end());
  }
  return x;
}

// Both losses learn the bowl from 300 samples well enough to rank unseen points.
TEST(XgbCostModel, RanksUnseenPoints) {
  const testing::SyntheticSpace s = testing::Bowl();
  const Indexer ix(s);
  PointSampler sampler(s, ix);
  Rng rng(21);
  IndexSet seen;
  std::vector<Point> train, test;
  for (int i = 0; i < 500; ++i) {
    const uint64_t idx = *sampler.Sample(rng, seen);
    seen.insert(idx);
    (i < 300 ? train : test).push_back(ix.At(idx));
  }
  std::vector<double> y;
  for (const Point& p : train) y.push_back(1.0 / s.Cost(p));
  for (XgbLoss loss : {XgbLoss::kRank, XgbLoss::kRegression}) {
    XgbCostModel m({loss, 1, 7, 8000, 20});
    EXPECT_FALSE(m.Trained());
    m.Fit(BowlFeatures(s, train), y, 64, 3);
    EXPECT_TRUE(m.Trained());
    EXPECT_GT(m.Rounds(), 1);
    const std::vector<float> pred = m.Predict(BowlFeatures(s, test));
    // Spearman-like check: the recall of the 20 best unseen points by prediction.
    std::vector<float> truth;
    for (const Point& p : test) truth.push_back(float(1.0 / s.Cost(p)));
    EXPECT_GT(AverageRecall(pred, truth, 20), 0.5) << (loss == XgbLoss::kRank ? "rank" : "reg");
  }
}

TEST(XgbCostModel, IsDeterministic) {
  const testing::SyntheticSpace s = testing::Bowl();
  const Indexer ix(s);
  std::vector<Point> pts;
  std::vector<double> y;
  for (uint64_t i = 0; i < ix.Size(); i += 97)
    if (s.Valid(ix.At(i))) pts.push_back(ix.At(i)), y.push_back(1.0 / s.Cost(ix.At(i)));
  XgbCostModel a({XgbLoss::kRank, 1, 3, 8000, 20}), b({XgbLoss::kRank, 1, 3, 8000, 20});
  a.Fit(BowlFeatures(s, pts), y, 64, 9);
  b.Fit(BowlFeatures(s, pts), y, 64, 9);
  EXPECT_EQ(a.Predict(BowlFeatures(s, pts)), b.Predict(BowlFeatures(s, pts)));
}

TEST(DiversityPick, PrefersNewKnobValues) {
  const std::vector<Point> c = {{0, 0}, {0, 1}, {1, 1}, {2, 2}};
  // {0,0} adds 2; then {1,1} and {2,2} add 2 each ({0,1} adds 1).
  EXPECT_THAT(DiversityPick(c, 3), ::testing::ElementsAre(0u, 2u, 3u));
}

}  // namespace
}  // namespace dcoc::agents
