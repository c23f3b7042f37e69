// CHAMELEON's parts: k-means, adaptive sampling with sample synthesis, and the PPO agent.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>

#include "agents/chameleon/adaptive_sampling.h"
#include "agents/chameleon/ppo.h"
#include "agents/common/space_util.h"
#include "tests/agents/synthetic_space.h"

namespace dcoc::agents {
namespace {

TEST(KMeans, SeparatesWellSeparatedGroups) {
  std::vector<std::array<double, 2>> pts;
  for (int g = 0; g < 3; ++g)
    for (int i = 0; i < 10; ++i) pts.push_back({g * 100.0 + i % 3, g * 50.0 + i % 2});
  Rng rng(4);
  // Several restarts: Lloyd's algorithm from random points can merge groups; most runs must not.
  int good = 0;
  for (int run = 0; run < 10; ++run) {
    const chameleon::KMeansResult r = chameleon::KMeans(pts, 3, rng);
    std::set<int> labels;
    bool pure = true;
    for (int g = 0; g < 3; ++g) {
      const int l = r.assignment[size_t(g * 10)];
      labels.insert(l);
      for (int i = 0; i < 10; ++i) pure &= r.assignment[size_t(g * 10 + i)] == l;
    }
    good += pure && labels.size() == 3;
  }
  EXPECT_GE(good, 6);
}

TEST(AdaptiveSample, OnePointPerClusterWithTheModeElsewhere) {
  // Knobs 0 and 2 have the most values; candidates form two groups on them. Knob 1's mode is 1 in
  // the first group and 3 in the second.
  const testing::SyntheticSpace s(
      {16, 4, 16}, [](const Point&) { return true; }, [](const Point&) { return 1.0; });
  const Indexer ix(s);
  std::vector<uint64_t> cands;
  for (int i = 0; i < 12; ++i) cands.push_back(ix.Index({i % 2, i % 3 == 0 ? 2 : 1, i % 3}));
  for (int i = 0; i < 12; ++i) cands.push_back(ix.Index({14 + i % 2, i % 4 == 0 ? 0 : 3, 13 + i % 3}));
  Rng rng(2);
  chameleon::SamplingParams p;
  p.step = 2;
  p.max_samples = 24;
  const std::vector<uint64_t> out = chameleon::AdaptiveSample(
      cands, ix, [](const Point&) { return true; }, p, rng);
  ASSERT_GE(out.size(), 2u);
  ASSERT_LE(out.size(), 4u);  // the loss stops dropping 2.5x after two clusters
  std::set<uint64_t> distinct(out.begin(), out.end());
  EXPECT_EQ(distinct.size(), out.size());
  bool low = false, high = false;
  for (uint64_t i : out) {
    const Point q = ix.At(i);
    if (q[0] <= 1) {
      low = true;
      EXPECT_EQ(q[1], 1);
    }
    if (q[0] >= 14) {
      high = true;
      EXPECT_EQ(q[1], 3);
    }
  }
  EXPECT_TRUE(low && high);
}

TEST(AdaptiveSample, ReplacesUnusableSynthesisByAMember) {
  const testing::SyntheticSpace s(
      {16, 4, 16}, [](const Point&) { return true; }, [](const Point&) { return 1.0; });
  const Indexer ix(s);
  std::vector<uint64_t> cands;
  for (int i = 0; i < 20; ++i) cands.push_back(ix.Index({i % 16, i % 4, (i * 7) % 16}));
  const std::set<uint64_t> allowed(cands.begin(), cands.end());
  Rng rng(6);
  const std::vector<uint64_t> out = chameleon::AdaptiveSample(
      cands, ix, [&](const Point& p) { return allowed.count(ix.Index(p)) > 0; }, chameleon::SamplingParams{}, rng);
  ASSERT_FALSE(out.empty());
  for (uint64_t i : out) EXPECT_TRUE(allowed.count(i));
}

// A one-step bandit: "increment" on head 0 pays 1, anything else 0. PPO must learn to prefer it.
TEST(Ppo, LearnsABandit) {
  chameleon::PpoAgent agent(2, 2, 3, chameleon::PpoParams{}, 5);
  Rng rng(1);
  const std::vector<float> obs = {0.5f, 0.5f};
  const float before = agent.Probabilities(obs, 1)[2];
  for (int round = 0; round < 150; ++round) {
    agent.Snapshot();
    std::vector<float> o, v, r;
    std::vector<int32_t> a;
    for (int t = 0; t < 32; ++t) {
      std::vector<int32_t> act;
      std::vector<float> val;
      agent.Act(obs, 1, rng, act, val);
      o.insert(o.end(), obs.begin(), obs.end());
      a.insert(a.end(), act.begin(), act.end());
      v.push_back(val[0]);
      r.push_back(act[0] == 2 ? 1.0f : 0.0f);
    }
    agent.Learn(o, a, v, r, rng);
  }
  const float after = agent.Probabilities(obs, 1)[2];
  EXPECT_GT(after, before + 0.2f) << before << " -> " << after;
}

TEST(Ppo, IsDeterministicForASeed) {
  chameleon::PpoAgent a(3, 3, 3, chameleon::PpoParams{}, 9), b(3, 3, 3, chameleon::PpoParams{}, 9);
  const std::vector<float> obs = {0.1f, 0.4f, 0.9f};
  EXPECT_EQ(a.Probabilities(obs, 1), b.Probabilities(obs, 1));
  Rng ra(2), rb(2);
  std::vector<int32_t> xa, xb;
  std::vector<float> va, vb;
  a.Act(obs, 1, ra, xa, va);
  b.Act(obs, 1, rb, xb, vb);
  EXPECT_EQ(xa, xb);
  const std::vector<float> reward = {1.0f};
  a.Learn(obs, xa, va, reward, ra);
  b.Learn(obs, xb, vb, reward, rb);
  EXPECT_EQ(a.Probabilities(obs, 1), b.Probabilities(obs, 1));
}

}  // namespace
}  // namespace dcoc::agents
