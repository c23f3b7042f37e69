// CHAMELEON's PPO agent (LibTorch; this header does not include torch, ppo.cpp is the only translation
// unit that does). Observations are vectors of `obs_dim` floats; an action is one of `actions` choices
// for each of `heads` heads (one head per knob: decrement, stay, increment).
//   policy: obs -> 20 tanh -> 20 tanh -> per head: 3 tanh -> 3 tanh -> /temperature -> 3 softmax
//   value:  obs -> 20 tanh -> 20 tanh -> 20 tanh -> 1
// Weights Glorot-uniform, biases zero (TensorFlow's dense defaults, as CHAMELEON's code), drawn from
// the agent's own seeded generator. Loss: per head the clipped surrogate plus entropy_coeff x entropy,
// summed, minus value_coeff x the squared TD(0) error of the value; Adam (eps 1e-5). Each Learn call
// runs `epochs` steps, each on `minibatch` steps of the trajectory drawn with replacement, with
// generalized advantage estimates (gamma, lambda) normalized over the trajectory.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "agents/common/space_util.h"

namespace dcoc::agents::chameleon {

struct PpoParams {
  int hidden = 20;
  double learning_rate = 1e-3;
  int epochs = 3;
  int minibatch = 32;
  double gamma = 0.9;
  double lambda = 0.99;
  double clip = 0.2;
  double entropy_coeff = 0.3;
  double value_coeff = 1.0;
  double temperature = 0.1;
};

class PpoAgent {
 public:
  PpoAgent(int obs_dim, int heads, int actions, const PpoParams& p, uint64_t seed);
  ~PpoAgent();
  PpoAgent(const PpoAgent&) = delete;
  PpoAgent& operator=(const PpoAgent&) = delete;

  // Freezes the current policy as the one that collects the next trajectories (PPO's old policy).
  void Snapshot();
  // Samples an action per head for `batch` observations (row-major), with the value estimates.
  void Act(std::span<const float> obs, int batch, Rng& rng, std::vector<int32_t>& actions, std::vector<float>& values);
  // PPO update from one trajectory collected since the last Snapshot: T observations (row-major),
  // T x heads actions, the T value estimates Act returned and the T rewards.
  void Learn(std::span<const float> obs, std::span<const int32_t> actions, std::span<const float> values,
             std::span<const float> rewards, Rng& rng);

  // The policy's action probabilities (batch x heads x actions), for tests.
  std::vector<float> Probabilities(std::span<const float> obs, int batch);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace dcoc::agents::chameleon
