// Helpers every tuner shares: a platform-independent seeded generator, the mixed-radix index of a point
// (AutoTVM's "config index", knob 0 varying fastest), uniform sampling of valid points never seen
// before, and the one-knob random move simulated annealing and the genetic algorithm use.
#pragma once

#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <unordered_set>
#include <vector>

#include "agents/common/tuner.h"

namespace dcoc::agents {

// mt19937_64 with distributions written here, so a seed gives the same numbers on every platform.
class Rng {
 public:
  explicit Rng(uint64_t seed) : gen_(seed) {}
  uint64_t Next() { return gen_(); }
  // Uniform in [0, n); n > 0 (Lemire's multiply-shift, without its rare rejection step).
  uint64_t Below(uint64_t n) {
    __extension__ using U128 = unsigned __int128;
    return uint64_t(U128(gen_()) * n >> 64);
  }
  // Uniform in [0, 1).
  double Uniform() { return double(gen_() >> 11) * 0x1.0p-53; }
  // The generator's whole state as text, and back (checkpoints).
  std::string State() const;
  void SetState(const std::string& state);

 private:
  std::mt19937_64 gen_;
};

// Index <-> point over the product of the knobs' value lists.
class Indexer {
 public:
  // Throws UsageError when a knob has no values or the product does not fit 63 bits.
  explicit Indexer(const Space& space);
  uint64_t Size() const { return size_; }
  int NumKnobs() const { return int(dims_.size()); }
  const std::vector<int32_t>& Dims() const { return dims_; }
  uint64_t Index(const Point& p) const;
  Point At(uint64_t index) const;
  // Throws UsageError naming the knob when p is not a point of this space.
  void CheckPoint(const Point& p) const;

 private:
  std::vector<int32_t> dims_;
  std::vector<std::string> names_;
  uint64_t size_ = 1;
};

using IndexSet = std::unordered_set<uint64_t>;

// Uniformly random valid points outside an exclusion set. Rejection sampling first; when that keeps
// failing (few valid or few unseen points left) the valid points are enumerated once and sampled
// from directly, which also tells when every valid point is excluded.
class PointSampler {
 public:
  PointSampler(const Space& space, const Indexer& indexer) : space_(space), indexer_(indexer) {}
  std::optional<uint64_t> Sample(Rng& rng, const IndexSet& exclude);
  // Whether AllValid has been enumerated (Sample draws differently after it: checkpoints record it).
  bool Enumerated() const { return all_valid_.has_value(); }
  // Every valid index in increasing order (enumerated once, then cached).
  const std::vector<uint64_t>& AllValid();

 private:
  const Space& space_;
  const Indexer& indexer_;
  std::optional<std::vector<uint64_t>> all_valid_;
};

// p with one knob (chosen uniformly) set to another value (chosen uniformly): AutoTVM's random walk.
// Tries up to `tries` such moves for a valid point; returns nullopt when none was valid or the space
// has no knob with two values.
std::optional<Point> RandomValidMove(const Space& space, const Indexer& indexer, const Point& p, Rng& rng,
                                     int tries = 16);

// Knob indices normalized by cardinality, in [0, 1): the features of a space that has nothing better.
void KnobFeatures(const Indexer& indexer, const Point& p, std::span<float> out);

// The score a tuner maximizes for a measured result: 1 / cycles (proportional to throughput on one
// task), 0 for a failure.
double Score(const Result& r);

}  // namespace dcoc::agents
