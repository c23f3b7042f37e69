// AutoTVM's XGBTuner: the XGBoost cost model with the rank:pairwise loss, searched by simulated
// annealing, in AutoTVM's model-based loop (plan size 64, the last 5% of each plan random).
#pragma once

#include <memory>

#include "agents/common/tuner.h"

namespace dcoc::agents::autotvm {

// Parameters: plan_size (64), random_fraction (0.05), diversity_filter_ratio (0: off),
// min_prior_records (500), threads (1), sa_chains (128), sa_steps (500), sa_early_stop (50),
// sa_temp (1.0, cooled linearly to 0), rank_loss (true: rank:pairwise; false: regression).
std::unique_ptr<Tuner> Create(const Space& space, const TunerOptions& opts);

}  // namespace dcoc::agents::autotvm
