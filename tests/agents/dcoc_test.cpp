// DCOC's agents on a synthetic co-design problem of known optimum (tests/agents/dcoc_synthetic.h): no
// compiler, no simulator. Every proposal must be feasible and valid; a seed gives the same run.
#include "agents/dcoc/dcoc.h"

#include <gtest/gtest.h>

#include <map>
#include <numeric>
#include <string>

#include "agents/dcoc/networks.h"
#include "dcoc_drive.h"
#include "host/common/error.h"

namespace dcoc::agents::codesign {
namespace {

using testing::Drive;
using testing::DriveResult;
using testing::Keys;
using testing::SynthProblem;

TEST(Dcoc, SameSeedSameRunAndBatchingDoesNotMatter) {
  const SynthProblem problem;
  const nlohmann::json p = {{"plan_size", 16}, {"train_steps", 10}};
  const DriveResult a = Drive(problem, 48, 7, p, 16);
  const DriveResult b = Drive(problem, 48, 7, p, 5);
  ASSERT_EQ(a.proposals.size(), 48u);
  EXPECT_EQ(Keys(a.proposals), Keys(b.proposals));
  EXPECT_EQ(a.best.model_cycles, b.best.model_cycles);
  const DriveResult c = Drive(problem, 48, 8, p, 16);
  EXPECT_NE(Keys(a.proposals), Keys(c.proposals));
}

// A checkpoint taken between rounds restores the whole learned state: a new tuner restored from it makes
// the same proposals as the saved one from then on (networks, optimizer state, generator, history), with
// the centralized critic and with the independent critics of the ablation.
TEST(Dcoc, CheckpointResumesExactlyWhereTheRunWas) {
  const SynthProblem problem;
  for (const bool independent : {false, true}) {
    SCOPED_TRACE(independent ? "independent critics" : "centralized critic");
    const nlohmann::json p = {{"plan_size", 16}, {"train_steps", 10}, {"independent_critics", independent}};
    auto a = testing::CreateTuner(problem, 7, p);
    DriveResult first;
    testing::Continue(problem, *a, 40, first, 16);  // 2.5 plans: the checkpoint holds pending proposals too
    const std::string state = a->Checkpoint();
    auto b = testing::CreateTuner(problem, 7, p);
    b->Restore(state);
    EXPECT_EQ(b->Stats().rounds, a->Stats().rounds);
    EXPECT_EQ(b->Stats().measured, 40);
    DriveResult ra = first, rb = first;
    testing::Continue(problem, *a, 56, ra, 16);
    testing::Continue(problem, *b, 56, rb, 16);
    ASSERT_EQ(ra.proposals.size(), 96u);
    EXPECT_EQ(Keys(ra.proposals), Keys(rb.proposals));
    EXPECT_EQ(ra.best.model_cycles, rb.best.model_cycles);
    EXPECT_EQ(ra.stats.rounds, rb.stats.rounds);
    EXPECT_EQ(ra.stats.last_cost_loss, rb.stats.last_cost_loss);
    EXPECT_EQ(ra.stats.last_critic_loss, rb.stats.last_critic_loss);
    // A tuner never restored diverges from a restored one (the check above can fail).
    auto fresh = testing::CreateTuner(problem, 7, p);
    DriveResult rf;
    testing::Continue(problem, *fresh, 56, rf, 16);
    EXPECT_NE(Keys(std::vector<Candidate>(ra.proposals.begin() + 40, ra.proposals.end())), Keys(rf.proposals));
  }
}

TEST(Dcoc, CheckpointOfAnotherRunIsAnError) {
  const SynthProblem problem;
  const nlohmann::json p = {{"plan_size", 16}, {"train_steps", 5}};
  auto a = testing::CreateTuner(problem, 7, p);
  DriveResult r;
  testing::Continue(problem, *a, 16, r, 16);
  const std::string state = a->Checkpoint();
  const auto error = [&](uint64_t seed, const nlohmann::json& params) -> std::string {
    try {
      testing::CreateTuner(problem, seed, params)->Restore(state);
    } catch (const UsageError& e) {
      return e.what();
    }
    return "";
  };
  EXPECT_EQ(error(7, p), "");
  EXPECT_NE(error(7, {{"plan_size", 32}, {"train_steps", 5}}).find("plan_size"), std::string::npos);
  EXPECT_NE(error(8, p).find("seed"), std::string::npos);
  EXPECT_NE(
      error(7, {{"plan_size", 16}, {"train_steps", 5}, {"independent_critics", true}}).find("independent_critics"),
      std::string::npos);
  EXPECT_THROW(testing::CreateTuner(problem, 7, p)->Restore(state.substr(0, state.size() / 2)), UsageError);
  EXPECT_THROW(testing::CreateTuner(problem, 7, p)->Restore("not a checkpoint"), UsageError);
}

TEST(Dcoc, FirstRoundMeasuresTheBaseHardwareOnEveryTask) {
  const SynthProblem problem;
  const DriveResult r = Drive(problem, 16, 3, {{"plan_size", 16}, {"train_steps", 5}});
  std::set<size_t> tasks;
  for (const Candidate& c : r.proposals) {
    EXPECT_EQ(c.hardware, problem.BaseHardware());
    tasks.insert(c.task);
  }
  EXPECT_EQ(tasks.size(), problem.NumTasks());
  ASSERT_TRUE(r.best.found);
  EXPECT_EQ(r.best.hardware, problem.BaseHardware());
  double total = 0;
  for (size_t t = 0; t < problem.NumTasks(); ++t) total += problem.TaskCount(t) * r.best.task_cycles[t];
  EXPECT_DOUBLE_EQ(total, r.best.model_cycles);
}

TEST(Dcoc, RejectsUnknownAndOutOfRangeParameters) {
  const SynthProblem problem;
  TunerOptions opts;
  opts.params = {{"plan_sise", 3}};
  EXPECT_THROW(Create(problem, opts), UsageError);
  opts.params = {{"random_fraction", 2.0}};
  EXPECT_THROW(Create(problem, opts), UsageError);
}

TEST(DcocActor, MasksValuesBeyondEachRowsCount) {
  Rng init(1), rng(2);
  Actor actor(2, {4, 3}, 16, 1e-2, init);
  const std::vector<float> obs = {0.1f, 0.2f, 0.3f, 0.4f};
  const std::vector<int32_t> cards = {2, 3, 4, 1};
  for (int i = 0; i < 50; ++i) {
    std::vector<int32_t> a;
    std::vector<float> lp;
    actor.Act(obs, cards, 2, rng, a, lp);
    EXPECT_LT(a[0], 2);
    EXPECT_LT(a[1], 3);
    EXPECT_LT(a[2], 4);
    EXPECT_EQ(a[3], 0);
    EXPECT_EQ(actor.LogProb(obs, cards, a, 2), lp);
  }
}

TEST(DcocActor, PolicyGradientPrefersTheRewardedAction) {
  Rng init(1), rng(2);
  Actor actor(1, {4}, 16, 1e-2, init);
  std::vector<float> obs(64, 1.0f);
  std::vector<int32_t> cards(64, 4);
  for (int it = 0; it < 30; ++it) {
    std::vector<int32_t> a;
    std::vector<float> lp;
    actor.Act(obs, cards, 64, rng, a, lp);
    std::vector<float> adv(64);
    for (size_t i = 0; i < 64; ++i) adv[i] = a[i] == 2 ? 1.0f : -0.3f;
    actor.Learn(obs, cards, a, lp, adv, 4, 64, 0.2, 0.0, rng);
  }
  const std::vector<int32_t> two = {2};
  EXPECT_GT(std::exp(actor.LogProb({obs.data(), 1}, {cards.data(), 1}, two, 1)[0]), 0.8);
}

TEST(DcocCostCritic, LearnsALinearFunctionAndBoundsOnlyPenalizeOverestimates) {
  Rng init(3), rng(4);
  CostCritic m(2, 16, 4, 1e-2, init);
  CostCritic::CostExamples cost;
  CostCritic::CriticExamples critic;
  for (int i = 0; i < 64; ++i) {
    const float a = float(i % 8) / 8, b = float(i / 8) / 8;
    cost.x.insert(cost.x.end(), {a, b});
    cost.target.push_back(2 * a - b);
    cost.upper_bound_only.push_back(0);
    for (int h = 0; h < 4; ++h) cost.head_mask.push_back(1);
    critic.x.insert(critic.x.end(), {a, b});
    critic.reward.push_back(a + b);
  }
  // A bound far above the truth changes nothing.
  cost.x.insert(cost.x.end(), {0.5f, 0.5f});
  cost.target.push_back(10);
  cost.upper_bound_only.push_back(1);
  for (int h = 0; h < 4; ++h) cost.head_mask.push_back(1);
  m.Train(cost, critic, 1500, 32, 1.0, rng);
  std::vector<float> mean, spread;
  const std::vector<float> x = {0.5f, 0.5f, 0.75f, 0.25f};
  m.Predict(x, 2, mean, spread);
  EXPECT_NEAR(mean[0], 0.5, 0.1);
  EXPECT_NEAR(mean[1], 1.25, 0.1);
  const std::vector<float> q = m.Value(x, 2);
  EXPECT_NEAR(q[0], 1.0, 0.1);
  EXPECT_NEAR(q[1], 1.0, 0.1);
}

}  // namespace
}  // namespace dcoc::agents::codesign
