// CHAMELEON's adaptive sampling: cluster a plan's candidates in the space of the two knobs with the
// most values, choosing the number of clusters k = step, 2 step, ... up to max_samples until the
// k-means loss stops dropping by `threshold`x, then synthesize one configuration per cluster: the
// centroid's values of the two clustered knobs, and for every other knob the value most common among
// the cluster's members (sample synthesis). Fewer, more representative measurements per plan.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <vector>

#include "agents/common/space_util.h"

namespace dcoc::agents::chameleon {

struct KMeansResult {
  std::vector<std::array<double, 2>> centroids;
  std::vector<int> assignment;  // cluster of each point
  double loss = 0;              // sum of squared distances to the assigned centroids
};
// Lloyd's algorithm from k random points (seeded); an empty cluster is re-seeded at a random point.
// Stops when assignments no longer change, or after max_iter iterations.
KMeansResult KMeans(const std::vector<std::array<double, 2>>& points, int k, Rng& rng, int max_iter = 100);

struct SamplingParams {
  int step = 8;            // k = step, 2 step, ...
  int max_samples = 64;    // ... up to this (the plan size)
  double threshold = 2.5;  // keep growing k while the loss drops by at least this factor
};

// The reduced plan. `candidates` are valid, never-measured points, best first. As in CHAMELEON's code,
// k is the first size whose loss did not drop by `threshold`x (or the largest tried). A synthesized
// point that is not `usable` (invalid or measured before) or already chosen is replaced by the
// cluster's best-ranked member not yet chosen. Returns indices (indexer's) in cluster order.
std::vector<uint64_t> AdaptiveSample(const std::vector<uint64_t>& candidates, const Indexer& indexer,
                                     const std::function<bool(const Point&)>& usable, const SamplingParams& p,
                                     Rng& rng);

}  // namespace dcoc::agents::chameleon
