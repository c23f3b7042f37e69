// A synthetic co-design problem of known optimum for the DCOC tests (no compiler, no simulator).
//
// Hardware: a (compute width 2^a), b (buffer 2^b), c (bus), 4 x 4 x 3 points. Resources 4*2^a + 3*2^b +
// 2c against a cap: the fastest points are over it (a penalty by how much). a = 0 with b = 3 is not a
// configuration at all. Tasks: three layers, each partly compute-bound (scales with 2^a) and partly
// memory-bound (scales with b and c). Software: three mapping knobs whose value counts depend on the
// hardware (3 + a, 5, 2 + b values), two scheduling knobs; a schedule is valid when m0 + m2 <= 1 + a + b
// ("fits the buffer") and not (s0 = 1 with m1 = 0). Its efficiency peaks at task- and hardware-dependent
// knob values. The optimum is found by enumeration.
#pragma once

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "agents/dcoc/problem.h"

namespace dcoc::agents::codesign::testing {

class SynthSpace : public Space {
 public:
  SynthSpace(int a, int b) : a_(a), b_(b) {
    const int cards[5] = {3 + a, 5, 2 + b, 2, 3};
    const char* names[5] = {"m0", "m1", "m2", "s0", "s1"};
    for (int k = 0; k < 5; ++k) {
      KnobDesc d{names[k], {}};
      for (int v = 0; v < cards[k]; ++v) d.values.push_back(std::to_string(v));
      knobs_.push_back(d);
    }
  }
  const std::vector<KnobDesc>& Knobs() const override { return knobs_; }
  bool Valid(const Point& p) const override { return p[0] + p[2] <= 1 + a_ + b_ && !(p[3] == 1 && p[1] == 0); }
  size_t FeatureSize() const override { return 5; }
  void Features(const Point& p, std::span<float> out) const override {
    for (size_t k = 0; k < 5; ++k) out[k] = float(p[k]) / float(knobs_[k].values.size());
  }

 private:
  int a_, b_;
  std::vector<KnobDesc> knobs_;
};

class SynthProblem : public Problem {
 public:
  explicit SynthProblem(double cap = 40) : cap_(cap) {
    hw_knobs_ = {{"a", {"0", "1", "2", "3"}}, {"b", {"0", "1", "2", "3"}}, {"c", {"0", "1", "2"}}};
    for (int a = 0; a < 4; ++a)
      for (int b = 0; b < 4; ++b) spaces_.emplace_back(a, b);
  }

  const std::vector<KnobDesc>& HardwareKnobs() const override { return hw_knobs_; }
  Point BaseHardware() const override { return {1, 1, 0}; }
  size_t HardwareFeatureSize() const override { return 3; }
  void HardwareFeatures(const Point& hw, std::span<float> out) const override {
    for (size_t k = 0; k < 3; ++k) out[k] = float(hw[k]) / 3.0f;
  }
  double Resources(const Point& hw) const { return 4.0 * (1 << hw[0]) + 3.0 * (1 << hw[1]) + 2.0 * hw[2]; }
  bool HardwareDefined(const Point& hw) const override { return !(hw[0] == 0 && hw[1] == 3); }
  std::vector<Penalty> HardwarePenalties(const Point& hw) const override {
    if (!HardwareDefined(hw)) return {{"invalid_config", 0}};
    const double r = Resources(hw);
    if (r > cap_) return {{"resources", r / cap_ - 1}};
    return {};
  }

  size_t NumTasks() const override { return 3; }
  std::string TaskName(size_t t) const override { return fmt::format("t{}", t); }
  double TaskCount(size_t t) const override { return std::vector<double>{2, 1, 3}[t]; }
  double TaskOps(size_t t) const override { return std::vector<double>{1e6, 4e6, 2e6}[t]; }
  size_t TaskFeatureSize() const override { return 2; }
  void TaskFeatures(size_t t, std::span<float> out) const override {
    out[0] = float(std::log2(TaskOps(t)) / 25);
    out[1] = float(ComputeShare(t));
  }

  const std::vector<std::string>& SoftwareKnobNames() const override { return sw_names_; }
  Role SoftwareKnobRole(size_t k) const override { return k < 3 ? Role::kMapping : Role::kScheduling; }
  int MaxSoftwareValues(size_t k) const override { return std::vector<int>{6, 5, 5, 2, 3}[k]; }
  const Space& SoftwareSpace(size_t, const Point& hw) const override { return spaces_[size_t(hw[0] * 4 + hw[1])]; }
  std::vector<Penalty> SoftwarePenalties(size_t t, const Point& hw, const Point& sw) const override {
    std::vector<Penalty> out;
    if (sw[0] + sw[2] > 1 + hw[0] + hw[1]) out.push_back({"buffer", 0});
    if (sw[3] == 1 && sw[1] == 0) out.push_back({"threads", 0});
    (void)t;
    return out;
  }
  size_t SoftwareFeatureSize() const override { return 5; }
  void SoftwareFeatures(size_t t, const Point& hw, const Point& sw, std::span<float> out) const override {
    SoftwareSpace(t, hw).Features(sw, out);
  }

  // The synthetic measurement.
  double Cycles(size_t t, const Point& hw, const Point& sw) const {
    const int card0 = 3 + hw[0], card2 = 2 + hw[1];
    const double target[5] = {double(card0 - 1) * (t == 1 ? 1.0 : 0.5), double(1 + t), double(card2 - 1) * 0.5,
                              1.0, double(t % 3)};
    double d = 0;
    for (int k = 0; k < 5; ++k) d += (sw[size_t(k)] - target[k]) * (sw[size_t(k)] - target[k]);
    const double eff = std::exp(-0.35 * d);
    const double u = ComputeShare(t);
    const double per_op = u / (16.0 * (1 << hw[0])) + (1 - u) / (8.0 * (1 + hw[1]) * (1 + 0.5 * hw[2]));
    return std::ceil(TaskOps(t) * per_op / eff);
  }

  // The best model cycles over every feasible hardware point and valid schedule (and that point).
  std::pair<double, Point> Optimum(bool fixed_base = false) const {
    double best = std::numeric_limits<double>::infinity();
    Point best_hw;
    for (int a = 0; a < 4; ++a)
      for (int b = 0; b < 4; ++b)
        for (int c = 0; c < 3; ++c) {
          const Point hw = Extend({a, b, c});
          if (fixed_base && hw != BaseHardware()) continue;
          if (!HardwarePenalties(hw).empty()) continue;
          double total = 0;
          for (size_t t = 0; t < NumTasks(); ++t) total += TaskCount(t) * BestTaskCycles(t, hw);
          if (total < best) {
            best = total;
            best_hw = hw;
          }
        }
    return {best, best_hw};
  }

  double BestTaskCycles(size_t t, const Point& hw) const {
    const Space& s = SoftwareSpace(t, hw);
    double best = std::numeric_limits<double>::infinity();
    Point p(5, 0);
    const auto& k = s.Knobs();
    for (p[0] = 0; p[0] < int(k[0].values.size()); ++p[0])
      for (p[1] = 0; p[1] < int(k[1].values.size()); ++p[1])
        for (p[2] = 0; p[2] < int(k[2].values.size()); ++p[2])
          for (p[3] = 0; p[3] < 2; ++p[3])
            for (p[4] = 0; p[4] < 3; ++p[4])
              if (s.Valid(p)) best = std::min(best, Cycles(t, hw, p));
    return best;
  }

 protected:
  // A point of (a, b, c) in a problem with more hardware knobs (their values at the optimum).
  virtual Point Extend(Point abc) const { return abc; }

 private:
  static double ComputeShare(size_t t) { return std::vector<double>{0.9, 0.5, 0.2}[t]; }

  double cap_;
  std::vector<KnobDesc> hw_knobs_;
  std::vector<std::string> sw_names_ = {"m0", "m1", "m2", "s0", "s1"};
  std::vector<SynthSpace> spaces_;
};

// The pynq-z2 situation in small: the base point is close to a resource cap and the better feasible points
// are a step away from it (one more unit of c, the bus), while the rest of a large hardware space is
// infeasible, slower, or no faster than the base. Two resources, as on the FPGA: "lut" = 4 * 2^a + 3 * 2^b +
// 2c (cap 16: the base {1,1,0,...} uses 14, c = 1 makes 16) and "bram" = 2^b + d0 + d1 + d2 (cap 8), where
// d0-d2 (5 values each, like the scratchpad sizes) cost BRAM and change nothing else.
class NearBaseProblem : public SynthProblem {
 public:
  NearBaseProblem() {
    knobs_ = SynthProblem::HardwareKnobs();
    for (const char* d : {"d0", "d1", "d2"}) knobs_.push_back({d, {"0", "1", "2", "3", "4"}});
  }
  const std::vector<KnobDesc>& HardwareKnobs() const override { return knobs_; }
  Point BaseHardware() const override { return {1, 1, 0, 0, 0, 0}; }
  size_t HardwareFeatureSize() const override { return 6; }
  void HardwareFeatures(const Point& hw, std::span<float> out) const override {
    for (size_t k = 0; k < 6; ++k) out[k] = float(hw[k]) / 4.0f;
  }
  std::vector<Penalty> HardwarePenalties(const Point& hw) const override {
    if (!HardwareDefined(hw)) return {{"invalid_config", 0}};
    std::vector<Penalty> out;
    const double lut = Resources(hw), bram = double(1 << hw[1]) + hw[3] + hw[4] + hw[5];
    if (lut > 16) out.push_back({"lut", lut / 16 - 1});
    if (bram > 8) out.push_back({"bram", bram / 8 - 1});
    return out;
  }

 protected:
  // d0-d2 change no cycles: 0 at the optimum.
  Point Extend(Point abc) const override {
    abc.insert(abc.end(), {0, 0, 0});
    return abc;
  }

 private:
  std::vector<KnobDesc> knobs_;
};

}  // namespace dcoc::agents::codesign::testing
