// CHAMELEON (Ahn et al., ICLR 2020): AutoTVM's model-based loop with the XGBoost model in regression
// mode, searched by a PPO agent (adaptive exploration), and each plan reduced by adaptive sampling.
#pragma once

#include <memory>

#include "agents/common/tuner.h"

namespace dcoc::agents::chameleon {

// Parameters: plan_size (64), random_fraction (0.05), diversity_filter_ratio (0), min_prior_records
// (500), threads (1); walkers (128), walker_batch (16), max_steps (500); ppo_lr (1e-3), ppo_epochs (3),
// ppo_minibatch (32), ppo_gamma (0.9), ppo_lambda (0.99), ppo_clip (0.2), ppo_entropy (0.3);
// adaptive_sampling (true), sampling_step (8), sampling_threshold (2.5).
std::unique_ptr<Tuner> Create(const Space& space, const TunerOptions& opts);

}  // namespace dcoc::agents::chameleon
