// The DCOC networks (LibTorch; this header does not include torch, networks.cpp is the only translation
// unit that does).
//
// Actor: one agent's policy. obs -> hidden tanh -> hidden tanh -> one categorical per knob (head), each
//   head's logits masked to the row's value count (a software knob's values depend on the task and the
//   hardware), trained with PPO's clipped surrogate plus an entropy bonus.
// CostCritic: a shared encoder with two kinds of heads. The cost model is an ensemble of heads that
//   predict a candidate's throughput (log2 of multiply-accumulates per cycle); their spread is the cost
//   model's confidence. The centralized critic is one head that predicts the reward of a joint action
//   from every agent's observation and action. Both losses train the encoder (see dcoc.cpp for why).
// Weights are Glorot-uniform from the owner's seeded generator (no global torch generator is used), one
// intra-op thread: a seed gives bit-identical results.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <memory>
#include <span>
#include <vector>

#include "agents/common/space_util.h"

namespace dcoc::agents::codesign {

class Actor {
 public:
  Actor(int obs_dim, std::vector<int> head_sizes, int hidden, double learning_rate, Rng& init);
  ~Actor();
  Actor(const Actor&) = delete;
  Actor& operator=(const Actor&) = delete;

  int NumHeads() const;
  // Samples one action per head for `batch` rows of observations (row-major). `cards` holds each row's
  // value count per head (batch x heads, each >= 1 and <= the head's size). Returns the actions
  // (batch x heads) and each row's log-probability (sum over heads).
  void Act(std::span<const float> obs, std::span<const int32_t> cards, int batch, Rng& rng,
           std::vector<int32_t>& actions, std::vector<float>& log_prob);
  // Log-probabilities of given actions (for tests and confidence).
  std::vector<float> LogProb(std::span<const float> obs, std::span<const int32_t> cards,
                             std::span<const int32_t> actions, int batch);
  // PPO update on a batch: `epochs` steps, each on `minibatch` rows drawn with replacement; advantages
  // are used as given (the caller normalizes them).
  void Learn(std::span<const float> obs, std::span<const int32_t> cards, std::span<const int32_t> actions,
             std::span<const float> old_log_prob, std::span<const float> advantages, int epochs, int minibatch,
             double clip, double entropy_coeff, Rng& rng);

  void Save(std::ostream& out) const;
  void Load(std::istream& in);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

class CostCritic {
 public:
  CostCritic(int input_dim, int hidden, int cost_heads, double learning_rate, Rng& init);
  ~CostCritic();
  CostCritic(const CostCritic&) = delete;
  CostCritic& operator=(const CostCritic&) = delete;

  // Cost model: mean and standard deviation over the ensemble of the predicted throughput.
  void Predict(std::span<const float> x, int batch, std::vector<float>& mean, std::vector<float>& spread);
  // Centralized critic: the predicted reward of each row's joint observation and action.
  std::vector<float> Value(std::span<const float> x, int batch);

  // Training examples. Cost: measured throughput; a lower-bound measurement (stopped at a cycle bound)
  // says the throughput is at most `target`, so only predictions above it are penalized. Each ensemble
  // head sees its own bootstrap subset (`head_mask`, rows x heads, from the caller's generator).
  struct CostExamples {
    std::vector<float> x;
    std::vector<float> target;
    std::vector<uint8_t> upper_bound_only;
    std::vector<float> head_mask;
  };
  struct CriticExamples {
    std::vector<float> x;
    std::vector<float> reward;
  };
  // `steps` Adam steps, each on a minibatch of both sets drawn with replacement; the loss is the cost
  // models' mean squared error plus critic_coeff x the critic's. Returns the last step's losses.
  struct Losses {
    double cost = 0, critic = 0;
  };
  Losses Train(const CostExamples& cost, const CriticExamples& critic, int steps, int minibatch, double critic_coeff,
               Rng& rng);

  void Save(std::ostream& out) const;
  void Load(std::istream& in);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace dcoc::agents::codesign
