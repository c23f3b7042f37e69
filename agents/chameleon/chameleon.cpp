// CHAMELEON's tuner: the PPO walker as the model optimizer, adaptive sampling as the plan reducer.
//
// Adaptive exploration (CHAMELEON's rl_model_optimizer): each search starts `walkers` walkers at random
// valid points. At every step a walker observes its knob indices normalized by their cardinalities and
// picks, per knob, decrement / stay / increment (clamped at the ends). Its episode ends when at least
// 75% of the knobs stayed or sit at an end, or after max_steps steps. The reward of a step is the cost
// model's score of the point reached; an invalid point earns 0, what the model would have learned from
// measuring it as a failure (such points are never measured here). After each episode the agent learns
// from the trajectory (PPO). Deviation for speed: walkers run in groups of walker_batch that act as one
// batch; each walker's trajectory is learned from after its group finished (the group's policy is
// PPO's old policy), instead of one walker after the other. Knobs with one value are left out of the
// observation and the actions. The plan's candidates are the best distinct unmeasured valid points the
// walkers reached.
#include "agents/chameleon/chameleon.h"

#include <algorithm>
#include <numeric>

#include "agents/chameleon/adaptive_sampling.h"
#include "agents/chameleon/ppo.h"
#include "agents/common/model_based_tuner.h"
#include "agents/common/params.h"
#include "agents/common/top_k.h"

namespace dcoc::agents::chameleon {

namespace {

struct WalkParams {
  int walkers = 128;
  int walker_batch = 16;
  int max_steps = 500;
  bool adaptive_sampling = true;
};

class ChameleonTuner : public ModelBasedTuner {
 public:
  ChameleonTuner(const Space& space, const TunerOptions& opts, const ModelBasedOptions& mb, const WalkParams& w,
                 const PpoParams& ppo, const SamplingParams& sampling)
      : ModelBasedTuner(space, opts, mb, XgbLoss::kRegression), w_(w), sampling_(sampling) {
    for (int k = 0; k < indexer_.NumKnobs(); ++k)
      if (indexer_.Dims()[size_t(k)] > 1) free_.push_back(k);
    if (!free_.empty())
      agent_ =
          std::make_unique<PpoAgent>(int(free_.size()), int(free_.size()), 3, ppo, opts.seed ^ 0x9e3779b97f4a7c15ull);
  }
  std::string_view Name() const override { return "chameleon"; }

 protected:
  std::vector<uint64_t> FindMaximums(int num) override {
    TopK top(num, visited_);
    if (!agent_) return top.Sorted();
    const IndexSet none;
    std::vector<Point> starts;
    for (int i = 0; i < w_.walkers; ++i) {
      const std::optional<uint64_t> idx = sampler_.Sample(rng_, none);
      if (!idx) break;
      starts.push_back(indexer_.At(*idx));
    }
    const std::vector<float> start_scores = PredictPoints(starts);
    for (size_t i = 0; i < starts.size(); ++i) top.Offer(start_scores[i], indexer_.Index(starts[i]));
    for (size_t g = 0; g < starts.size(); g += size_t(w_.walker_batch)) {
      const size_t end = std::min(starts.size(), g + size_t(w_.walker_batch));
      WalkGroup(std::vector<Point>(starts.begin() + ptrdiff_t(g), starts.begin() + ptrdiff_t(end)), top);
    }
    return top.Sorted();
  }

  std::vector<uint64_t> ReducePlan(std::vector<uint64_t> candidates) override {
    if (!w_.adaptive_sampling) return candidates;
    const auto usable = [&](const Point& p) { return space_.Valid(p) && !visited_.count(indexer_.Index(p)); };
    std::vector<uint64_t> plan = AdaptiveSample(candidates, indexer_, usable, sampling_, rng_);
    // Best first, so the plan's random tail replaces the least promising points.
    const std::vector<float> scores = Predict(plan);
    std::vector<size_t> order(plan.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return scores[a] > scores[b]; });
    std::vector<uint64_t> sorted;
    for (size_t i : order) sorted.push_back(plan[i]);
    return sorted;
  }

 private:
  struct Trajectory {
    std::vector<float> obs, values, rewards;
    std::vector<int32_t> actions;
    std::vector<Point> reached;
  };

  void WalkGroup(std::vector<Point> cur, TopK& top) {
    const size_t n = cur.size(), nf = free_.size();
    const std::vector<int32_t>& dims = indexer_.Dims();
    std::vector<Trajectory> traj(n);
    std::vector<size_t> active(n);
    std::iota(active.begin(), active.end(), 0);
    agent_->Snapshot();
    std::vector<float> obs;
    std::vector<int32_t> actions;
    std::vector<float> values;
    for (int step = 0; step < w_.max_steps && !active.empty(); ++step) {
      obs.assign(active.size() * nf, 0.0f);
      for (size_t a = 0; a < active.size(); ++a)
        for (size_t k = 0; k < nf; ++k)
          obs[a * nf + k] = float(cur[active[a]][size_t(free_[k])]) / float(dims[size_t(free_[k])]);
      agent_->Act(obs, int(active.size()), rng_, actions, values);
      std::vector<size_t> still;
      for (size_t a = 0; a < active.size(); ++a) {
        const size_t w = active[a];
        Trajectory& t = traj[w];
        t.obs.insert(t.obs.end(), obs.begin() + ptrdiff_t(a * nf), obs.begin() + ptrdiff_t((a + 1) * nf));
        t.actions.insert(t.actions.end(), actions.begin() + ptrdiff_t(a * nf),
                         actions.begin() + ptrdiff_t((a + 1) * nf));
        t.values.push_back(values[a]);
        size_t stuck = 0;
        for (size_t k = 0; k < nf; ++k) {
          const size_t d = size_t(free_[k]);
          int32_t& v = cur[w][d];
          switch (actions[a * nf + k]) {
            case 0:
              v = std::max(0, v - 1);
              stuck += v == 0;
              break;
            case 1:
              ++stuck;
              break;
            default:
              v = std::min(dims[d] - 1, v + 1);
              stuck += v == dims[d] - 1;
              break;
          }
        }
        t.reached.push_back(cur[w]);
        if (double(stuck) < 0.75 * double(nf)) still.push_back(w);
      }
      active = std::move(still);
    }
    // Rewards: the model's score of each point reached, 0 where the point is invalid.
    std::vector<Point> valid_points;
    std::vector<std::pair<size_t, size_t>> where;
    for (size_t w = 0; w < n; ++w) {
      traj[w].rewards.assign(traj[w].reached.size(), 0.0f);
      for (size_t s = 0; s < traj[w].reached.size(); ++s)
        if (space_.Valid(traj[w].reached[s])) {
          valid_points.push_back(traj[w].reached[s]);
          where.emplace_back(w, s);
        }
    }
    const std::vector<float> scores = PredictPoints(valid_points);
    for (size_t i = 0; i < where.size(); ++i) {
      traj[where[i].first].rewards[where[i].second] = scores[i];
      top.Offer(scores[i], indexer_.Index(valid_points[i]));
    }
    for (Trajectory& t : traj) agent_->Learn(t.obs, t.actions, t.values, t.rewards, rng_);
  }

  WalkParams w_;
  SamplingParams sampling_;
  std::vector<int> free_;
  std::unique_ptr<PpoAgent> agent_;
};

}  // namespace

std::unique_ptr<Tuner> Create(const Space& space, const TunerOptions& opts) {
  ParamReader r("chameleon", opts.params);
  ModelBasedOptions mb = ReadModelBasedParams(r);
  WalkParams w;
  w.walkers = r.Int("walkers", w.walkers, 1, 100000);
  w.walker_batch = r.Int("walker_batch", w.walker_batch, 1, 100000);
  w.max_steps = r.Int("max_steps", w.max_steps, 1, 1000000);
  w.adaptive_sampling = r.Bool("adaptive_sampling", w.adaptive_sampling);
  PpoParams ppo;
  ppo.learning_rate = r.Real("ppo_lr", ppo.learning_rate, 1e-9, 10.0);
  ppo.epochs = r.Int("ppo_epochs", ppo.epochs, 1, 1000);
  ppo.minibatch = r.Int("ppo_minibatch", ppo.minibatch, 1, 1 << 20);
  ppo.gamma = r.Real("ppo_gamma", ppo.gamma, 0.0, 1.0);
  ppo.lambda = r.Real("ppo_lambda", ppo.lambda, 0.0, 1.0);
  ppo.clip = r.Real("ppo_clip", ppo.clip, 0.0, 10.0);
  ppo.entropy_coeff = r.Real("ppo_entropy", ppo.entropy_coeff, 0.0, 100.0);
  SamplingParams sampling;
  sampling.step = r.Int("sampling_step", sampling.step, 1, 4096);
  sampling.threshold = r.Real("sampling_threshold", sampling.threshold, 1.0, 1e9);
  sampling.max_samples = mb.plan_size;
  r.Finish();
  return std::make_unique<ChameleonTuner>(space, opts, mb, w, ppo, sampling);
}

}  // namespace dcoc::agents::chameleon
