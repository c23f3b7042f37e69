// AutoTVM's XGBoost cost model through the XGBoost C API.
//
// Targets are throughputs normalized by their maximum (failures 0). Boosting runs up to max_rounds
// and stops when the training set's average recall@N (N = the tuner's plan size) has not improved for
// stopping_rounds rounds; the model predicts with the trees up to the best round. Parameters as
// AutoTVM's: max_depth 3, eta 0.3, gamma 1e-4, min_child_weight 1, subsample 1, lambda 1, alpha 0,
// with the rank:pairwise objective (AutoTVM's tuner) or squared error (CHAMELEON's "reg" loss).
// Transfer learning: a base model fit on other tasks' records (at least min_records of them) adds
// its margin, discounted by 2^(-n/64) for n samples of this task, until the discount drops below 0.05.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

namespace dcoc::agents {

enum class XgbLoss { kRank, kRegression };

// A dense row-major feature matrix.
struct FeatureMatrix {
  std::vector<float> data;
  size_t cols = 0;
  size_t Rows() const { return cols ? data.size() / cols : 0; }
};

class XgbBooster;  // one trained XGBoost model (XGBoost handles inside)

class XgbCostModel {
 public:
  struct Options {
    XgbLoss loss = XgbLoss::kRank;
    int threads = 1;
    uint64_t seed = 1;
    int max_rounds = 8000;
    int stopping_rounds = 20;
  };
  explicit XgbCostModel(const Options& opts);
  ~XgbCostModel();
  XgbCostModel(const XgbCostModel&) = delete;
  XgbCostModel& operator=(const XgbCostModel&) = delete;

  // Fits on this task's samples; y >= 0 (higher is better), at least one y > 0. `shuffle` permutes
  // the rows first (AutoTVM does), deterministically from `shuffle_seed`.
  void Fit(const FeatureMatrix& x, std::span<const double> y, int plan_size, uint64_t shuffle_seed);
  // AutoTVM's fit_log on other tasks' records: fits the base model when there are at least
  // min_records rows; returns whether it did.
  bool FitBase(const FeatureMatrix& x, std::span<const double> y, int plan_size, int min_records,
               uint64_t shuffle_seed);
  bool Trained() const;
  bool HasBase() const;
  // Predicted scores (higher is better), one per row. Before any fit: the base model's, or zeros.
  std::vector<float> Predict(const FeatureMatrix& x) const;
  // Boosting rounds kept by the last fit.
  int Rounds() const;

 private:
  double BaseDiscount() const;
  Options opts_;
  std::unique_ptr<XgbBooster> model_, base_;
  size_t samples_ = 0;
};

// AutoTVM's early-stopping metric: the average over n = 1..N of the fraction of the n points ranked
// best by `pred` that are among the n best by `label`.
double AverageRecall(std::span<const float> pred, std::span<const float> label, int n);

}  // namespace dcoc::agents
