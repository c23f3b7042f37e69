#include "agents/common/model_based_tuner.h"

#include <algorithm>
#include <chrono>
#include <set>

#include "agents/common/params.h"

namespace dcoc::agents {

namespace {

double Now() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }

}  // namespace

ModelBasedOptions ReadModelBasedParams(ParamReader& r) {
  ModelBasedOptions mb;
  mb.plan_size = r.Int("plan_size", mb.plan_size, 1, 4096);
  mb.random_fraction = r.Real("random_fraction", mb.random_fraction, 0.0, 1.0);
  mb.diversity_filter_ratio = r.Int("diversity_filter_ratio", mb.diversity_filter_ratio, 0, 64);
  mb.min_prior_records = r.Int("min_prior_records", mb.min_prior_records, 1, 1 << 30);
  mb.threads = r.Int("threads", mb.threads, 1, 256);
  return mb;
}

ModelBasedTuner::ModelBasedTuner(const Space& space, const TunerOptions& opts, const ModelBasedOptions& mb,
                                 XgbLoss loss)
    : space_(space),
      indexer_(space),
      sampler_(space, indexer_),
      rng_(opts.seed),
      mb_(mb),
      model_(XgbCostModel::Options{loss, mb.threads, opts.seed, 8000, 20}) {
  next_update_ = size_t(mb_.plan_size);
  LoadPrior(opts.prior);
}

void ModelBasedTuner::LoadPrior(const std::vector<PriorRecord>& prior) {
  if (prior.empty()) return;
  const double t0 = Now();
  FeatureMatrix x;
  x.cols = space_.FeatureSize();
  std::vector<double> y;
  for (const PriorRecord& r : prior) {
    if (r.features.size() != x.cols) continue;  // another feature layout: not comparable
    x.data.insert(x.data.end(), r.features.begin(), r.features.end());
    y.push_back(std::max(0.0, r.throughput));
  }
  model_.FitBase(x, y, mb_.plan_size, mb_.min_prior_records, rng_.Next());
  timing_.fit_seconds += Now() - t0;
}

const std::vector<float>& ModelBasedTuner::FeaturesOf(uint64_t index) {
  if (feature_cache_.size() >= 100000) feature_cache_.clear();
  auto it = feature_cache_.find(index);
  if (it == feature_cache_.end()) {
    std::vector<float> f(space_.FeatureSize());
    space_.Features(indexer_.At(index), f);
    it = feature_cache_.emplace(index, std::move(f)).first;
  }
  return it->second;
}

FeatureMatrix ModelBasedTuner::MatrixOf(std::span<const uint64_t> indices) {
  FeatureMatrix x;
  x.cols = space_.FeatureSize();
  x.data.reserve(indices.size() * x.cols);
  for (uint64_t i : indices) {
    const std::vector<float>& f = FeaturesOf(i);
    x.data.insert(x.data.end(), f.begin(), f.end());
  }
  return x;
}

std::vector<float> ModelBasedTuner::Predict(std::span<const uint64_t> indices) {
  return model_.Predict(MatrixOf(indices));
}

std::vector<float> ModelBasedTuner::PredictPoints(std::span<const Point> points) {
  std::vector<uint64_t> indices;
  indices.reserve(points.size());
  for (const Point& p : points) indices.push_back(indexer_.Index(p));
  return Predict(indices);
}

std::optional<uint64_t> ModelBasedTuner::NextPlanned() {
  while (trial_pt_ < trials_.size() && visited_.count(trials_[trial_pt_])) ++trial_pt_;
  const ptrdiff_t random_tail = ptrdiff_t(mb_.random_fraction * mb_.plan_size);
  if (ptrdiff_t(trial_pt_) >= ptrdiff_t(trials_.size()) - random_tail) return std::nullopt;
  return trials_[trial_pt_];
}

std::vector<Point> ModelBasedTuner::Propose(int n) {
  if (proposed_ == 0 && trials_.empty() && model_.HasBase()) {
    // Transfer: the first plan comes from the base model instead of random sampling.
    const double t0 = Now();
    trials_ = FindMaximums(mb_.plan_size);
    trial_pt_ = 0;
    timing_.search_seconds += Now() - t0;
  }
  std::vector<Point> out;
  while (int(out.size()) < n) {
    if (proposed_ >= next_update_) {
      if (observed_ < proposed_) break;       // the refit needs this plan's outcomes
      next_update_ += size_t(mb_.plan_size);  // nothing succeeded yet, so no model: keep sampling
    }
    std::optional<uint64_t> idx = NextPlanned();
    if (!idx) idx = sampler_.Sample(rng_, visited_);
    if (!idx) break;  // every valid point was proposed
    visited_.insert(*idx);
    ++proposed_;
    out.push_back(indexer_.At(*idx));
  }
  return out;
}

void ModelBasedTuner::Observe(std::span<const Result> results) {
  for (const Result& r : results) {
    const uint64_t idx = indexer_.Index(r.point);
    xs_.push_back(idx);
    ys_.push_back(Score(r));
    visited_.insert(idx);
    ++observed_;
  }
  if (observed_ >= next_update_ && !ys_.empty() && *std::max_element(ys_.begin(), ys_.end()) > 0) Refit();
}

void ModelBasedTuner::Refit() {
  const double t0 = Now();
  model_.Fit(MatrixOf(xs_), ys_, mb_.plan_size, rng_.Next());
  const double t1 = Now();
  timing_.fit_seconds += t1 - t0;

  std::vector<uint64_t> plan;
  if (mb_.diversity_filter_ratio > 0) {
    const std::vector<uint64_t> candidates = FindMaximums(mb_.plan_size * mb_.diversity_filter_ratio);
    std::vector<Point> points;
    for (uint64_t i : candidates) points.push_back(indexer_.At(i));
    for (size_t k : DiversityPick(points, mb_.plan_size)) plan.push_back(candidates[k]);
  } else {
    plan = FindMaximums(mb_.plan_size);
  }
  plan = ReducePlan(std::move(plan));
  timing_.search_seconds += Now() - t1;
  trials_ = std::move(plan);
  trial_pt_ = 0;
  next_update_ = observed_ + (trials_.empty() ? size_t(mb_.plan_size) : trials_.size());
}

std::vector<size_t> DiversityPick(const std::vector<Point>& candidates, int n) {
  std::vector<size_t> picked;
  if (candidates.empty()) return picked;
  const size_t knobs = candidates[0].size();
  std::vector<std::set<int32_t>> seen(knobs);
  std::vector<bool> taken(candidates.size(), false);
  for (int k = 0; k < n && picked.size() < candidates.size(); ++k) {
    size_t best = 0;
    int best_gain = -1;
    for (size_t c = 0; c < candidates.size(); ++c) {
      if (taken[c]) continue;
      int gain = 0;
      for (size_t i = 0; i < knobs; ++i) gain += !seen[i].count(candidates[c][i]);
      if (gain > best_gain) best_gain = gain, best = c;
    }
    taken[best] = true;
    picked.push_back(best);
    for (size_t i = 0; i < knobs; ++i) seen[i].insert(candidates[best][i]);
  }
  return picked;
}

}  // namespace dcoc::agents
