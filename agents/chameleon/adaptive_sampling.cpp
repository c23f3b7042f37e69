#include "agents/chameleon/adaptive_sampling.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <numeric>

namespace dcoc::agents::chameleon {

namespace {

double Dist2(const std::array<double, 2>& a, const std::array<double, 2>& b) {
  return (a[0] - b[0]) * (a[0] - b[0]) + (a[1] - b[1]) * (a[1] - b[1]);
}

}  // namespace

KMeansResult KMeans(const std::vector<std::array<double, 2>>& points, int k, Rng& rng, int max_iter) {
  KMeansResult r;
  const size_t n = points.size();
  if (n == 0 || k <= 0) return r;
  for (int c = 0; c < k; ++c) r.centroids.push_back(points[rng.Below(n)]);
  r.assignment.assign(n, -1);
  for (int iter = 0; iter < max_iter; ++iter) {
    bool changed = false;
    for (size_t i = 0; i < n; ++i) {
      int best = 0;
      double best_d = std::numeric_limits<double>::infinity();
      for (int c = 0; c < k; ++c) {
        const double d = Dist2(points[i], r.centroids[size_t(c)]);
        if (d < best_d) best_d = d, best = c;
      }
      changed |= r.assignment[i] != best;
      r.assignment[i] = best;
    }
    bool reseeded = false;
    for (int c = 0; c < k; ++c) {
      std::array<double, 2> sum{0, 0};
      int count = 0;
      for (size_t i = 0; i < n; ++i)
        if (r.assignment[i] == c) sum[0] += points[i][0], sum[1] += points[i][1], ++count;
      if (count) {
        r.centroids[size_t(c)] = {sum[0] / count, sum[1] / count};
      } else {
        r.centroids[size_t(c)] = points[rng.Below(n)];
        reseeded = true;
      }
    }
    if (!changed && !reseeded) break;
  }
  r.loss = 0;
  for (size_t i = 0; i < n; ++i) r.loss += Dist2(points[i], r.centroids[size_t(r.assignment[i])]);
  return r;
}

std::vector<uint64_t> AdaptiveSample(const std::vector<uint64_t>& candidates, const Indexer& indexer,
                                     const std::function<bool(const Point&)>& usable, const SamplingParams& p,
                                     Rng& rng) {
  if (candidates.size() <= size_t(p.step)) return candidates;
  const std::vector<int32_t>& dims = indexer.Dims();
  // The two knobs with the most values (ties: the earlier knob).
  std::vector<int> order(dims.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return dims[size_t(a)] > dims[size_t(b)]; });
  const int c0 = order[0], c1 = order.size() > 1 ? order[1] : order[0];

  std::vector<Point> points;
  std::vector<std::array<double, 2>> xy;
  for (uint64_t i : candidates) {
    points.push_back(indexer.At(i));
    xy.push_back({double(points.back()[size_t(c0)]), double(points.back()[size_t(c1)])});
  }
  KMeansResult clusters;
  double last_loss = std::numeric_limits<double>::infinity();
  for (int k = p.step; k <= p.max_samples && k <= int(candidates.size()); k += p.step) {
    clusters = KMeans(xy, k, rng);
    if (clusters.loss >= last_loss / p.threshold) break;
    last_loss = clusters.loss;
  }

  std::vector<uint64_t> out;
  IndexSet chosen;
  for (size_t c = 0; c < clusters.centroids.size(); ++c) {
    std::vector<size_t> members;
    for (size_t i = 0; i < points.size(); ++i)
      if (clusters.assignment[i] == int(c)) members.push_back(i);
    if (members.empty()) continue;
    // Sample synthesis: the centroid on the clustered knobs, the members' mode elsewhere (ties: the
    // value of the best-ranked member).
    Point s(dims.size());
    for (size_t d = 0; d < dims.size(); ++d) {
      if (int(d) == c0 || int(d) == c1) {
        const double v = clusters.centroids[c][int(d) == c0 ? 0 : 1];
        s[d] = int32_t(std::clamp<long>(std::lround(v), 0, dims[d] - 1));
        continue;
      }
      std::map<int32_t, int> count;
      for (size_t m : members) ++count[points[m][d]];
      int best_count = 0;
      for (size_t m : members) {
        const int n = count[points[m][d]];
        if (n > best_count) best_count = n, s[d] = points[m][d];
      }
    }
    uint64_t pick = indexer.Index(s);
    if (chosen.count(pick) || !usable(s)) {
      pick = UINT64_MAX;
      for (size_t m : members)
        if (!chosen.count(candidates[m])) {
          pick = candidates[m];
          break;
        }
      if (pick == UINT64_MAX) continue;
    }
    chosen.insert(pick);
    out.push_back(pick);
  }
  return out;
}

}  // namespace dcoc::agents::chameleon
