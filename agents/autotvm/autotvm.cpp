// AutoTVM's XGBTuner with its simulated-annealing model optimizer.
//
// SA keeps sa_chains persistent chains (random valid points at the first search). Each step moves
// every chain to a random valid neighbour (one knob changed to another value), accepts the move with
// probability exp((new - old) / T) on the model's scores, T cooling linearly from sa_temp to 0 over
// sa_steps steps, and offers every new point to the plan's top-k. The search stops after sa_steps
// steps or sa_early_stop steps without a change to the top-k. AutoTVM's chains also walk through
// invalid configurations and spend measurements on them; here a move is re-drawn (up to 16 times)
// until it is valid, so every proposal is measurable.
#include "agents/autotvm/autotvm.h"

#include <cmath>

#include "agents/common/model_based_tuner.h"
#include "agents/common/params.h"
#include "agents/common/top_k.h"

namespace dcoc::agents::autotvm {

namespace {

struct SaParams {
  int chains = 128;
  int steps = 500;
  int early_stop = 50;
  double temp = 1.0;
};

class AutoTvmTuner : public ModelBasedTuner {
 public:
  AutoTvmTuner(const Space& space, const TunerOptions& opts, const ModelBasedOptions& mb, const SaParams& sa,
               XgbLoss loss)
      : ModelBasedTuner(space, opts, mb, loss), sa_(sa) {}
  std::string_view Name() const override { return "autotvm"; }

 protected:
  std::vector<uint64_t> FindMaximums(int num) override {
    if (chains_.empty()) {
      const IndexSet none;
      for (int i = 0; i < sa_.chains; ++i) {
        const std::optional<uint64_t> idx = sampler_.Sample(rng_, none);
        if (!idx) break;
        chains_.push_back(indexer_.At(*idx));
      }
    }
    TopK top(num, visited_);
    std::vector<float> scores = PredictPoints(chains_);
    for (size_t i = 0; i < chains_.size(); ++i) top.Offer(scores[i], indexer_.Index(chains_[i]));

    double t = sa_.temp;
    const double cool = sa_.temp / double(sa_.steps + 1);
    std::vector<Point> moved(chains_.size());
    for (int k = 0, last_change = 0; k < sa_.steps && k < last_change + sa_.early_stop; ++k, t -= cool) {
      for (size_t i = 0; i < chains_.size(); ++i) {
        std::optional<Point> q = RandomValidMove(space_, indexer_, chains_[i], rng_);
        moved[i] = q ? std::move(*q) : chains_[i];
      }
      const std::vector<float> new_scores = PredictPoints(moved);
      for (size_t i = 0; i < chains_.size(); ++i) {
        if (rng_.Uniform() < std::exp((double(new_scores[i]) - double(scores[i])) / t)) {
          chains_[i] = moved[i];
          scores[i] = new_scores[i];
        }
      }
      for (size_t i = 0; i < moved.size(); ++i)
        if (top.Offer(new_scores[i], indexer_.Index(moved[i]))) last_change = k;
    }
    return top.Sorted();
  }

 private:
  SaParams sa_;
  std::vector<Point> chains_;
};

}  // namespace

std::unique_ptr<Tuner> Create(const Space& space, const TunerOptions& opts) {
  ParamReader r("autotvm", opts.params);
  const ModelBasedOptions mb = ReadModelBasedParams(r);
  SaParams sa;
  sa.chains = r.Int("sa_chains", sa.chains, 1, 100000);
  sa.steps = r.Int("sa_steps", sa.steps, 0, 1000000);
  sa.early_stop = r.Int("sa_early_stop", sa.early_stop, 1, 1000000);
  sa.temp = r.Real("sa_temp", sa.temp, 1e-9, 1e9);
  const bool rank = r.Bool("rank_loss", true);
  r.Finish();
  return std::make_unique<AutoTvmTuner>(space, opts, mb, sa, rank ? XgbLoss::kRank : XgbLoss::kRegression);
}

}  // namespace dcoc::agents::autotvm
