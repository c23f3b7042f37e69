// The model-free baselines: random search, grid search and AutoTVM's genetic algorithm.
#pragma once

#include <memory>

#include "agents/common/tuner.h"

namespace dcoc::agents::baseline {

// Uniformly random valid points, each proposed once (no parameters).
std::unique_ptr<Tuner> CreateRandom(const Space& space, const TunerOptions& opts);
// Every valid point in index order (knob 0 varies fastest), each once (no parameters).
std::unique_ptr<Tuner> CreateGrid(const Space& space, const TunerOptions& opts);
// AutoTVM's GATuner: population pop_size (50), elite_num (3) kept, one-point crossover of parents drawn
// in proportion to throughput, each knob mutated with probability mutation_prob (0.1); children that
// were measured before or are invalid mutate further.
std::unique_ptr<Tuner> CreateGa(const Space& space, const TunerOptions& opts);

}  // namespace dcoc::agents::baseline
