// The tuners on synthetic spaces: the registry, the contract (valid, never repeated, exhaustion,
// independence from the caller's batching), determinism by seed, plans, failures and transfer.
#include "agents/common/tuner.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <set>

#include "host/common/error.h"
#include "tests/agents/drive.h"

namespace dcoc::agents {
namespace {

using testing::Bowl;
using testing::Drive;
using ::testing::HasSubstr;
using testing::kBowlOptimum;
using testing::Make;
using testing::Small;
using testing::SyntheticSpace;
using testing::Trace;

std::vector<std::string> AllTuners() { return TunerNames(); }

TEST(Registry, NamesEveryTuner) {
  EXPECT_THAT(TunerNames(), ::testing::ElementsAre("random", "grid", "ga", "autotvm", "chameleon"));
  for (const std::string& n : TunerNames()) EXPECT_THAT(DescribeTuners(), HasSubstr(n));
}

TEST(Registry, UnknownTunerNamesTheKnownOnes) {
  const SyntheticSpace s = Small();
  try {
    Make("annealing", s, 1);
    FAIL();
  } catch (const UsageError& e) {
    EXPECT_THAT(e.what(), HasSubstr("unknown tuner \"annealing\""));
    EXPECT_THAT(e.what(), HasSubstr("random, grid, ga, autotvm, chameleon"));
  }
}

TEST(Registry, ParameterErrorsNameTheKeyAndTheBound) {
  const SyntheticSpace s = Small();
  try {
    Make("ga", s, 1, {{"population", 10}});
    FAIL();
  } catch (const UsageError& e) {
    EXPECT_THAT(e.what(), HasSubstr("ga has no parameter \"population\""));
    EXPECT_THAT(e.what(), HasSubstr("pop_size"));
  }
  try {
    Make("autotvm", s, 1, {{"plan_size", 0}});
    FAIL();
  } catch (const UsageError& e) {
    EXPECT_THAT(e.what(), HasSubstr("autotvm parameter plan_size=0: expected an integer in [1, 4096]"));
  }
  try {
    Make("chameleon", s, 1, {{"ppo_gamma", "high"}});
    FAIL();
  } catch (const UsageError& e) {
    EXPECT_THAT(e.what(), HasSubstr("ppo_gamma=\"high\""));
  }
  EXPECT_THROW(Make("random", s, 1, {{"seed", 3}}), UsageError);
  EXPECT_THROW(Make("grid", s, 1, nlohmann::json::array()), UsageError);
}

class EveryTuner : public ::testing::TestWithParam<std::string> {};

// Every valid point exactly once, no invalid point, then nothing: the space is exhausted.
TEST_P(EveryTuner, ProposesEachValidPointOnceThenStops) {
  const SyntheticSpace s = Small();
  nlohmann::json params = nlohmann::json::object();
  if (GetParam() == "ga") params = {{"pop_size", 10}};
  if (GetParam() == "autotvm" || GetParam() == "chameleon") params = {{"plan_size", 8}};
  const std::unique_ptr<Tuner> t = Make(GetParam(), s, 7, params);
  const Trace run = Drive(*t, s, 1000, 5, 0);
  const Indexer ix(s);
  std::set<uint64_t> seen;
  for (const Point& p : run.proposed) {
    EXPECT_TRUE(s.Valid(p));
    EXPECT_TRUE(seen.insert(ix.Index(p)).second) << "proposed twice";
  }
  size_t valid = 0;
  for (uint64_t i = 0; i < ix.Size(); ++i) valid += s.Valid(ix.At(i));
  EXPECT_EQ(valid, 45u);
  EXPECT_EQ(seen.size(), valid);
  EXPECT_TRUE(t->Propose(4).empty());
}

TEST_P(EveryTuner, SameSeedSameProposals) {
  const SyntheticSpace s = Bowl();
  const std::unique_ptr<Tuner> a = Make(GetParam(), s, 11), b = Make(GetParam(), s, 11);
  const Trace ra = Drive(*a, s, 200), rb = Drive(*b, s, 200);
  EXPECT_EQ(ra.proposed, rb.proposed);
  EXPECT_EQ(ra.proposed.size(), 200u);
  if (GetParam() != "grid") {
    const std::unique_ptr<Tuner> c = Make(GetParam(), s, 12);
    EXPECT_NE(Drive(*c, s, 200).proposed, ra.proposed);
  }
}

// The proposals do not depend on how the caller batches its measurements (so `--jobs` cannot
// change a seeded run).
TEST_P(EveryTuner, ProposalsDoNotDependOnBatching) {
  const SyntheticSpace s = Bowl();
  const std::unique_ptr<Tuner> a = Make(GetParam(), s, 5), b = Make(GetParam(), s, 5);
  EXPECT_EQ(Drive(*a, s, 160, 1).proposed, Drive(*b, s, 160, 64).proposed);
}

INSTANTIATE_TEST_SUITE_P(All, EveryTuner, ::testing::ValuesIn(AllTuners()),
                         [](const ::testing::TestParamInfo<std::string>& i) { return i.param; });

// Grid enumerates in index order (knob 0 fastest) and so reaches the optimum exactly at its index.
TEST(Grid, FindsTheOptimumByEnumeration) {
  const SyntheticSpace s = Bowl();
  const std::unique_ptr<Tuner> t = Make("grid", s, 1);
  const Trace run = Drive(*t, s, 20000, 256);
  const Indexer ix(s);
  size_t valid_before = 0;
  for (uint64_t i = 0; i < ix.Index(kBowlOptimum); ++i) valid_before += s.Valid(ix.At(i));
  EXPECT_EQ(run.found_at, int(valid_before + 1));
  EXPECT_EQ(run.best, 100);
}

// GA proposes a generation at a time: with pop_size 50, Propose(64) returns 50; then 30 + 20.
TEST(Ga, ProposesOneGenerationAtATime) {
  const SyntheticSpace s = Bowl();
  const std::unique_ptr<Tuner> t = Make("ga", s, 3);
  const auto step = [&](int n) {
    const std::vector<Point> pts = t->Propose(n);
    std::vector<Result> r;
    for (const Point& p : pts) r.push_back(s.Measure(p));
    t->Observe(r);
    return pts.size();
  };
  EXPECT_EQ(step(64), 50u);
  EXPECT_EQ(step(30), 30u);
  EXPECT_EQ(step(30), 20u);
  EXPECT_EQ(step(64), 50u);
}

// Model-based tuners stop at the end of a plan until its outcomes are observed.
TEST(AutoTvm, StopsAtThePlanBoundary) {
  const SyntheticSpace s = Bowl();
  const std::unique_ptr<Tuner> t = Make("autotvm", s, 3, {{"plan_size", 16}});
  const std::vector<Point> first = t->Propose(100);
  ASSERT_EQ(first.size(), 16u);
  std::vector<Result> r;
  for (const Point& p : first) r.push_back(s.Measure(p));
  t->Observe(r);
  EXPECT_EQ(t->Propose(100).size(), 16u);
  EXPECT_GT(t->Timing().fit_seconds, 0);
  EXPECT_GT(t->Timing().search_seconds, 0);
}

// Failures score zero: a space where every measurement fails still gets explored (random), no crash.
TEST(AutoTvm, KeepsSamplingWhenEveryMeasurementFails) {
  const SyntheticSpace s = Bowl();
  const std::unique_ptr<Tuner> t = Make("autotvm", s, 3, {{"plan_size", 8}});
  std::set<Point> seen;
  for (int round = 0; round < 6; ++round) {
    const std::vector<Point> pts = t->Propose(8);
    ASSERT_EQ(pts.size(), 8u);
    std::vector<Result> r;
    for (const Point& p : pts) {
      EXPECT_TRUE(seen.insert(p).second);
      r.push_back(Result{p, false, 0, false});
    }
    t->Observe(r);
  }
}

// Transfer: with enough records of a related task, the first plan already comes from the model and
// is far better than random.
TEST(AutoTvm, TransferFromPriorRecordsImprovesTheFirstPlan) {
  const SyntheticSpace s = Bowl();
  const Indexer ix(s);
  TunerOptions with_prior;
  with_prior.seed = 4;
  Rng rng(99);
  for (int i = 0; i < 800; ++i) {
    const Point p = ix.At(rng.Below(ix.Size()));
    if (!s.Valid(p)) continue;
    PriorRecord r;
    r.features.assign(s.FeatureSize(), 0.0f);
    s.Features(p, r.features);
    r.throughput = 2.0 / s.Cost(p);  // the same landscape, twice the work
    with_prior.prior.push_back(std::move(r));
  }
  ASSERT_GE(with_prior.prior.size(), 500u);
  const auto mean_cost = [&](Tuner& t) {
    double sum = 0;
    const std::vector<Point> pts = t.Propose(64);
    for (const Point& p : pts) sum += s.Cost(p);
    return sum / double(pts.size());
  };
  const std::unique_ptr<Tuner> plain = Make("autotvm", s, 4);
  const std::unique_ptr<Tuner> transfer = CreateTuner("autotvm", s, with_prior);
  const double cold = mean_cost(*plain), warm = mean_cost(*transfer);
  // The ideal first plan: the 61 best valid points and 3 random ones (the plan's random tail).
  std::vector<double> costs;
  for (uint64_t i = 0; i < ix.Size(); ++i)
    if (s.Valid(ix.At(i))) costs.push_back(s.Cost(ix.At(i)));
  std::sort(costs.begin(), costs.end());
  const double ideal = (std::accumulate(costs.begin(), costs.begin() + 61, 0.0) + 3 * cold) / 64;
  EXPECT_LT(warm, 0.7 * cold) << "cold " << cold << " warm " << warm;
  EXPECT_LT(warm, ideal + 0.2 * (cold - ideal)) << "ideal " << ideal << " warm " << warm;
}

}  // namespace
}  // namespace dcoc::agents
