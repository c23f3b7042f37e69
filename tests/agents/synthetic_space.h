// Synthetic tuning spaces of known optimum for the tuner tests (no compiler, no simulator).
#pragma once

#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "agents/common/space_util.h"
#include "agents/common/tuner.h"

namespace dcoc::agents::testing {

// Knobs with the given cardinalities, a validity predicate and a cost (cycles) per point. Features are
// the normalized knob indices.
class SyntheticSpace : public Space {
 public:
  SyntheticSpace(std::vector<int> dims, std::function<bool(const Point&)> valid,
                 std::function<double(const Point&)> cost)
      : valid_(std::move(valid)), cost_(std::move(cost)) {
    for (size_t k = 0; k < dims.size(); ++k) {
      KnobDesc d;
      d.name = "k";
      d.name += std::to_string(k);
      for (int v = 0; v < dims[k]; ++v) d.values.push_back(std::to_string(v));
      knobs_.push_back(std::move(d));
    }
  }
  const std::vector<KnobDesc>& Knobs() const override { return knobs_; }
  bool Valid(const Point& p) const override { return valid_(p); }
  size_t FeatureSize() const override { return knobs_.size(); }
  void Features(const Point& p, std::span<float> out) const override {
    for (size_t k = 0; k < knobs_.size(); ++k) out[k] = float(p[k]) / float(knobs_[k].values.size());
  }
  double Cost(const Point& p) const { return cost_(p); }
  Result Measure(const Point& p) const {
    ++measured_;
    return Result{p, true, cost_(p), false};
  }
  int measured() const { return measured_; }

 private:
  std::vector<KnobDesc> knobs_;
  std::function<bool(const Point&)> valid_;
  std::function<double(const Point&)> cost_;
  mutable int measured_ = 0;
};

// 8 x 8 x 6 x 6 x 4 x 2 = 18,432 points; a corner (k0 + k1 > 11) and a strip (k2 = k3 = 5) are
// invalid; the cost is a positive-definite quadratic with an interaction term plus penalties, with a
// unique minimum of 100 at (5, 6, 2, 3, 1, 1), on the boundary of the invalid corner.
inline SyntheticSpace Bowl() {
  return SyntheticSpace(
      {8, 8, 6, 6, 4, 2}, [](const Point& p) { return p[0] + p[1] <= 11 && !(p[2] == 5 && p[3] == 5); },
      [](const Point& p) {
        const double a = p[0] - 5, b = p[1] - 6, c = p[2] - 2, d = p[3] - 3;
        return 100 + 3 * a * a + 2 * b * b + 4 * c * c + 2 * a * c + d * d + 5 * std::abs(p[4] - 1) + 7 * (p[5] != 1);
      });
}
inline const Point kBowlOptimum = {5, 6, 2, 3, 1, 1};

// A small space (4 x 3 x 5 = 60 points, 45 valid) to check exhaustion.
inline SyntheticSpace Small() {
  return SyntheticSpace(
      {4, 3, 5}, [](const Point& p) { return !(p[0] == 3 && p[2] >= 1) && !(p[1] == 0 && p[2] == 4); },
      [](const Point& p) { return 10 + p[0] + 2 * p[1] + p[2]; });
}

}  // namespace dcoc::agents::testing
