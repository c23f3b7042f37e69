// AutoTVM's model-based tuner loop, shared by the autotvm and chameleon tuners.
//
// The first plan_size points are random (or, with transfer, the optimizer's picks on a base model fit
// on other tasks' records). Whenever as many points as planned have been measured, the cost model is
// refit on everything measured, an optimizer searches it for the plan_size best unmeasured valid
// points (optionally 'diversity_filter_ratio' times more, thinned by AutoTVM's submodular diversity
// pick), a subclass may reduce the plan (CHAMELEON's adaptive sampling), and the plan is proposed in
// order, except that its last 5% (of plan_size) are random valid points (epsilon-greedy).
// Propose stops at the end of a plan so the refit sees every outcome of the plan: the proposals do
// not depend on how the caller batches its measurements.
#pragma once

#include <optional>
#include <unordered_map>

#include "agents/common/space_util.h"
#include "agents/common/tuner.h"
#include "agents/common/xgb_cost_model.h"

namespace dcoc::agents {

struct ModelBasedOptions {
  int plan_size = 64;
  double random_fraction = 0.05;   // of plan_size, at the end of each plan
  int diversity_filter_ratio = 0;  // 0: off; else candidates = plan_size x ratio, thinned to plan_size
  int min_prior_records = 500;     // transfer needs at least this many records of other tasks
  int threads = 1;                 // XGBoost threads
};

class ModelBasedTuner : public Tuner {
 public:
  std::vector<Point> Propose(int n) override;
  void Observe(std::span<const Result> results) override;
  TunerTiming Timing() const override { return timing_; }

 protected:
  ModelBasedTuner(const Space& space, const TunerOptions& opts, const ModelBasedOptions& mb, XgbLoss loss);

  // Up to num valid indices never proposed, best first by `Predict`.
  virtual std::vector<uint64_t> FindMaximums(int num) = 0;
  // A plan's candidates (best first) -> the points to measure (default: all of them).
  virtual std::vector<uint64_t> ReducePlan(std::vector<uint64_t> candidates) { return candidates; }

  // The cost model's scores of points (higher is better), through a feature cache.
  std::vector<float> Predict(std::span<const uint64_t> indices);
  std::vector<float> PredictPoints(std::span<const Point> points);

  const Space& space_;
  Indexer indexer_;
  PointSampler sampler_;
  Rng rng_;
  IndexSet visited_;  // proposed (measured or about to be)
  ModelBasedOptions mb_;

 private:
  std::optional<uint64_t> NextPlanned();
  void Refit();
  void LoadPrior(const std::vector<PriorRecord>& prior);
  const std::vector<float>& FeaturesOf(uint64_t index);
  FeatureMatrix MatrixOf(std::span<const uint64_t> indices);

  XgbCostModel model_;
  std::unordered_map<uint64_t, std::vector<float>> feature_cache_;
  std::vector<uint64_t> xs_;
  std::vector<double> ys_;
  std::vector<uint64_t> trials_;
  size_t trial_pt_ = 0;
  size_t proposed_ = 0, observed_ = 0;
  size_t next_update_ = 0;
  uint64_t fits_ = 0;
  TunerTiming timing_;
};

// AutoTVM's submodular_pick with zero scores: greedily the candidate (in order) that adds the most
// knob values not yet present in the picked set.
std::vector<size_t> DiversityPick(const std::vector<Point>& candidates, int n);

// Parameters every model-based tuner reads (plan_size, diversity_filter_ratio, min_prior_records, threads).
class ParamReader;
ModelBasedOptions ReadModelBasedParams(ParamReader& r);

}  // namespace dcoc::agents
