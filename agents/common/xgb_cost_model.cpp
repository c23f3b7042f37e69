#include "agents/common/xgb_cost_model.h"

#include <fmt/format.h>
#include <xgboost/c_api.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <string>

#include "agents/common/space_util.h"
#include "host/common/error.h"

namespace dcoc::agents {

namespace {

void Check(int rc, const char* what) {
  if (rc != 0) throw Error(fmt::format("XGBoost {}: {}", what, XGBGetLastError()));
}

class DMatrix {
 public:
  DMatrix(const float* data, size_t rows, size_t cols) {
    Check(XGDMatrixCreateFromMat(data, bst_ulong(rows), bst_ulong(cols), std::numeric_limits<float>::quiet_NaN(), &h_),
          "DMatrix");
  }
  ~DMatrix() { XGDMatrixFree(h_); }
  DMatrix(const DMatrix&) = delete;
  DMatrix& operator=(const DMatrix&) = delete;
  void Set(const char* field, std::span<const float> v) {
    Check(XGDMatrixSetFloatInfo(h_, field, v.data(), bst_ulong(v.size())), field);
  }
  DMatrixHandle handle() const { return h_; }

 private:
  DMatrixHandle h_ = nullptr;
};

std::vector<float> PredictWith(BoosterHandle h, const DMatrix& d, size_t rows, int iteration_end, bool margin) {
  const std::string config = fmt::format(
      R"({{"type": {}, "training": false, "iteration_begin": 0, "iteration_end": {}, "strict_shape": false}})",
      margin ? 1 : 0, iteration_end);
  const bst_ulong* shape = nullptr;
  bst_ulong dim = 0;
  const float* out = nullptr;
  Check(XGBoosterPredictFromDMatrix(h, d.handle(), config.c_str(), &shape, &dim, &out), "predict");
  return std::vector<float>(out, out + rows);
}

void QuietXgboost() {
  static const bool once = [] {
    XGBSetGlobalConfig(R"({"verbosity": 0})");
    return true;
  }();
  (void)once;
}

}  // namespace

class XgbBooster {
 public:
  XgbBooster() = default;
  ~XgbBooster() {
    if (h_) XGBoosterFree(h_);
  }
  XgbBooster(const XgbBooster&) = delete;
  XgbBooster& operator=(const XgbBooster&) = delete;

  // Boosts on d (labels set) until the average recall@recall_n stops improving.
  void Train(const DMatrix& d, std::span<const float> labels, const XgbCostModel::Options& o, int max_rounds,
             int stopping_rounds, int recall_n) {
    DMatrixHandle dm = d.handle();
    Check(XGBoosterCreate(&dm, 1, &h_), "create");
    const std::pair<const char*, std::string> params[] = {
        {"booster", "gbtree"},
        {"tree_method", "exact"},
        {"max_depth", "3"},
        {"gamma", "0.0001"},
        {"min_child_weight", "1"},
        {"subsample", "1.0"},
        {"eta", "0.3"},
        {"lambda", "1.0"},
        {"alpha", "0"},
        {"objective", o.loss == XgbLoss::kRank ? "rank:pairwise" : "reg:squarederror"},
        {"nthread", std::to_string(o.threads)},
        {"seed", std::to_string(o.seed & 0x7fffffff)},
        {"verbosity", "0"},
    };
    for (const auto& [k, v] : params) Check(XGBoosterSetParam(h_, k, v.c_str()), k);
    double best = -1;
    int best_round = 0;
    for (int round = 0; round < max_rounds; ++round) {
      Check(XGBoosterUpdateOneIter(h_, round, d.handle()), "update");
      const std::vector<float> pred = PredictWith(h_, d, labels.size(), 0, false);
      const double score = AverageRecall(pred, labels, recall_n);
      if (score > best) {
        best = score;
        best_round = round;
      } else if (round - best_round >= stopping_rounds) {
        break;
      }
    }
    rounds_ = best_round + 1;
  }

  std::vector<float> Predict(const DMatrix& d, size_t rows, bool margin) const {
    return PredictWith(h_, d, rows, rounds_, margin);
  }
  int rounds() const { return rounds_; }

 private:
  BoosterHandle h_ = nullptr;
  int rounds_ = 0;
};

double AverageRecall(std::span<const float> pred, std::span<const float> label, int n) {
  const size_t rows = pred.size();
  if (rows == 0 || n <= 0) return 0;
  // Order by prediction (best first), and each label's rank among all labels (0 = best).
  std::vector<size_t> by_pred(rows), by_label(rows);
  std::iota(by_pred.begin(), by_pred.end(), 0);
  std::iota(by_label.begin(), by_label.end(), 0);
  std::stable_sort(by_pred.begin(), by_pred.end(), [&](size_t a, size_t b) { return pred[a] > pred[b]; });
  std::stable_sort(by_label.begin(), by_label.end(), [&](size_t a, size_t b) { return label[a] > label[b]; });
  std::vector<size_t> label_rank(rows);
  for (size_t r = 0; r < rows; ++r) label_rank[by_label[r]] = r;
  // recall(m) = |{top-m by prediction} ∩ {top-m by label}| / m, averaged over m = 1..N.
  const size_t top = std::min(rows, size_t(n));
  std::vector<int> seen(rows + 1, 0);  // seen[r]: label rank r is among the first m predicted
  size_t hits = 0;
  double sum = 0;
  for (size_t m = 1; m <= top; ++m) {
    // Add the m-th predicted point; it counts once its label rank is below m.
    const size_t r = label_rank[by_pred[m - 1]];
    seen[r] = 1;
    if (r < m) ++hits;
    // The point with label rank m-1 becomes eligible now if it was predicted earlier.
    if (r != m - 1 && seen[m - 1]) ++hits;
    sum += double(hits) / double(m);
  }
  return sum / double(n);
}

XgbCostModel::XgbCostModel(const Options& opts) : opts_(opts) { QuietXgboost(); }
XgbCostModel::~XgbCostModel() = default;

namespace {

// Rows permuted by a seeded shuffle, targets normalized by their maximum.
struct TrainingSet {
  std::vector<float> x, y;
  std::vector<size_t> order;
};

TrainingSet Prepare(const FeatureMatrix& x, std::span<const double> y, uint64_t shuffle_seed) {
  const size_t rows = x.Rows();
  if (rows != y.size()) throw Error(fmt::format("cost model: {} feature rows for {} targets", rows, y.size()));
  TrainingSet t;
  t.order.resize(rows);
  std::iota(t.order.begin(), t.order.end(), 0);
  Rng rng(shuffle_seed);
  for (size_t i = rows; i > 1; --i) std::swap(t.order[i - 1], t.order[rng.Below(i)]);
  const double y_max = std::max(1e-8, *std::max_element(y.begin(), y.end()));
  t.x.resize(x.data.size());
  t.y.resize(rows);
  for (size_t i = 0; i < rows; ++i) {
    std::copy_n(x.data.begin() + ptrdiff_t(t.order[i] * x.cols), x.cols, t.x.begin() + ptrdiff_t(i * x.cols));
    t.y[i] = float(y[t.order[i]] / y_max);
  }
  return t;
}

}  // namespace

double XgbCostModel::BaseDiscount() const { return 1.0 / std::pow(2.0, double(samples_) / 64.0); }

void XgbCostModel::Fit(const FeatureMatrix& x, std::span<const double> y, int plan_size, uint64_t shuffle_seed) {
  if (x.Rows() == 0) throw Error("cost model: no training data");
  const TrainingSet t = Prepare(x, y, shuffle_seed);
  samples_ = t.y.size();
  DMatrix d(t.x.data(), t.y.size(), x.cols);
  d.Set("label", t.y);
  if (base_) {
    const double discount = BaseDiscount();
    if (discount < 0.05) {
      base_.reset();
    } else {
      std::vector<float> margin = base_->Predict(d, t.y.size(), true);
      for (float& m : margin) m = float(discount * double(m));
      d.Set("base_margin", margin);
    }
  }
  auto model = std::make_unique<XgbBooster>();
  model->Train(d, t.y, opts_, opts_.max_rounds, opts_.stopping_rounds, plan_size);
  model_ = std::move(model);
}

bool XgbCostModel::FitBase(const FeatureMatrix& x, std::span<const double> y, int plan_size, int min_records,
                           uint64_t shuffle_seed) {
  if (x.Rows() < size_t(min_records) || x.Rows() == 0) return false;
  if (*std::max_element(y.begin(), y.end()) <= 0) return false;
  const TrainingSet t = Prepare(x, y, shuffle_seed);
  DMatrix d(t.x.data(), t.y.size(), x.cols);
  d.Set("label", t.y);
  auto base = std::make_unique<XgbBooster>();
  base->Train(d, t.y, opts_, 400, 100, plan_size * 2);
  base_ = std::move(base);
  return true;
}

bool XgbCostModel::Trained() const { return model_ != nullptr; }
bool XgbCostModel::HasBase() const { return base_ != nullptr; }
int XgbCostModel::Rounds() const { return model_ ? model_->rounds() : 0; }

std::vector<float> XgbCostModel::Predict(const FeatureMatrix& x) const {
  const size_t rows = x.Rows();
  if (rows == 0) return {};
  if (!model_ && !base_) return std::vector<float>(rows, 0.0f);
  DMatrix d(x.data.data(), rows, x.cols);
  if (!model_) return base_->Predict(d, rows, true);
  if (base_) {
    std::vector<float> margin = base_->Predict(d, rows, true);
    const double discount = BaseDiscount();
    for (float& m : margin) m = float(discount * double(m));
    d.Set("base_margin", margin);
  }
  return model_->Predict(d, rows, false);
}

}  // namespace dcoc::agents
