// The DCOC co-tuner: one round = the agents act, the critic and the cost model learn, the actors learn
// from the critic, confidence sampling picks what to measure.
//
// Round, in order:
//  1. The hardware agent draws `hardware_samples` hardware points (observation: the model's features;
//     the first round measures the base point, later rounds also re-evaluate every measured one), and the
//     incumbent's (the best design's hardware) one-knob neighbours join its actions (`local_moves`).
//  2. On every hardware point that is a configuration, for every task, the mapping agent draws
//     `software_samples` tilings (observation: the layer and the hardware) and the scheduling agent a
//     schedule for each (observation: the layer, the hardware and the tiling it schedules).
//  3. Every joint action gets a reward: its throughput (log2 MACs per cycle; measured where it was,
//     else the cost model's prediction), minus a penalty per violated constraint -- the hardware's
//     resources over the board's caps (by resource), the schedule's checker violations (by name); an
//     invalid schedule's throughput is the task's worst in the round.
//  4. The shared encoder, cost-model heads and critic head train on the measurements and on the
//     round's rewards (plus a replay of recent rounds).
//  5. The actors learn (PPO) from the critic's advantages: a software sample's advantage is its Q minus
//     the mean Q of its (hardware, task) group; a hardware point's value is the work-weighted sum over
//     tasks of its best sample's Q, its advantage that minus the round's mean.
//  6. Confidence sampling: the round's target hardware point is the one the cost model ranks best (a
//     point never measured is judged with the incumbent's best schedules carried over, predicted relative
//     to their measurements on the incumbent, and must promise `build_margin` more than the best measured
//     one, since it costs a model build); the plan is split over its tasks by their predicted share of the
//     model's cycles, a carried-over schedule first;
//     in each task, candidates are kept with probability sigmoid((confidence - threshold) / 0.05), where
//     confidence = sqrt(policy confidence x cost-model confidence), the kept ones measured best-predicted
//     first, and `random_fraction` of the plan is uniformly random valid points.
//
// Why the cost model shares the critic's encoder: measurements are few (hundreds) while the critic's
// targets are many (thousands of joint actions per round, including the infeasible and invalid ones and
// their penalties). One encoder trained by both losses learns its representation of (layer, hardware,
// schedule) from both: the critic's many samples shape it, the measurements ground it, and the critic's
// rewards are in turn made of the cost model's predictions -- "the cost model is updated through the
// central critic". The ensemble's spread gives the cost model's confidence.
#include "agents/dcoc/dcoc.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <functional>
#include <map>
#include <numeric>
#include <optional>
#include <set>
#include <sstream>
#include <unordered_map>
#include <unordered_set>

#include "agents/common/params.h"
#include "agents/common/space_util.h"
#include "agents/dcoc/networks.h"
#include "host/common/error.h"

namespace dcoc::agents::codesign {

namespace {

struct Params {
  int plan_size = 64, hardware_samples = 8, software_samples = 32, hidden = 64, cost_heads = 4;
  double actor_lr = 3e-3, critic_lr = 3e-3;
  int train_steps = 150, minibatch = 128, ppo_epochs = 8;
  double critic_coeff = 1, ppo_clip = 0.2, entropy = 0.01, penalty = 2;
  bool confidence_sampling = true;
  double confidence_threshold = 0.5, random_fraction = 0.1, confidence_scale = 0.5;
  double build_margin = 0.05, random_hardware = 0.2, optimism = 1.0, second_share = 0.25;
  int max_hardware = 16, hardware_warmup = 3;
  bool software_only = false, independent_critics = false, local_moves = true;
};

// `values`, when given, receives every parameter with the value in effect.
Params ReadParams(const nlohmann::json& j, nlohmann::json* values = nullptr) {
  ParamReader r("dcoc", j);
  Params p;
  p.plan_size = r.Int("plan_size", p.plan_size, 1, 4096);
  p.hardware_samples = r.Int("hardware_samples", p.hardware_samples, 1, 256);
  p.software_samples = r.Int("software_samples", p.software_samples, 1, 1024);
  p.hidden = r.Int("hidden", p.hidden, 4, 1024);
  p.cost_heads = r.Int("cost_heads", p.cost_heads, 2, 32);
  p.actor_lr = r.Real("actor_lr", p.actor_lr, 1e-6, 1);
  p.critic_lr = r.Real("critic_lr", p.critic_lr, 1e-6, 1);
  p.train_steps = r.Int("train_steps", p.train_steps, 0, 100000);
  p.minibatch = r.Int("minibatch", p.minibatch, 1, 65536);
  p.critic_coeff = r.Real("critic_coeff", p.critic_coeff, 0, 100);
  p.ppo_epochs = r.Int("ppo_epochs", p.ppo_epochs, 0, 1000);
  p.ppo_clip = r.Real("ppo_clip", p.ppo_clip, 0.01, 1);
  p.entropy = r.Real("entropy", p.entropy, 0, 10);
  p.penalty = r.Real("penalty", p.penalty, 0, 1000);
  p.confidence_sampling = r.Bool("confidence_sampling", p.confidence_sampling);
  p.confidence_threshold = r.Real("confidence_threshold", p.confidence_threshold, 0, 1);
  p.random_fraction = r.Real("random_fraction", p.random_fraction, 0, 1);
  p.confidence_scale = r.Real("confidence_scale", p.confidence_scale, 1e-6, 100);
  p.build_margin = r.Real("build_margin", p.build_margin, 0, 100);
  p.random_hardware = r.Real("random_hardware", p.random_hardware, 0, 1);
  p.optimism = r.Real("optimism", p.optimism, 0, 100);
  p.second_share = r.Real("second_share", p.second_share, 0, 0.9);
  p.max_hardware = r.Int("max_hardware", p.max_hardware, 1, 1 << 20);
  p.hardware_warmup = r.Int("hardware_warmup", p.hardware_warmup, 0, 1 << 20);
  p.software_only = r.Bool("software_only", p.software_only);
  p.independent_critics = r.Bool("independent_critics", p.independent_critics);
  p.local_moves = r.Bool("local_moves", p.local_moves);
  r.Finish();
  if (values) *values = r.Values();
  return p;
}

std::string Key(const Point& p) {
  std::string s;
  for (int32_t v : p) s += std::to_string(v) + ',';
  return s;
}
std::string Key(const Point& hw, size_t task, const Point& sw) {
  return Key(hw) + '/' + std::to_string(task) + '/' + Key(sw);
}

double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

using Json = nlohmann::json;

constexpr const char* kCheckpointFormat = "dcoc co-tuner checkpoint 1";

Json Floats(const std::vector<float>& v) {
  std::vector<uint8_t> b(v.size() * sizeof(float));
  if (!b.empty()) std::memcpy(b.data(), v.data(), b.size());  // an empty vector's data() may be null
  return Json::binary(std::move(b));
}

std::vector<float> FloatsOf(const Json& j) {
  const auto& b = j.get_binary();
  if (b.size() % sizeof(float)) throw UsageError("dcoc checkpoint: damaged (a float array of odd length)");
  std::vector<float> v(b.size() / sizeof(float));
  if (!v.empty()) std::memcpy(v.data(), b.data(), b.size());
  return v;
}

// A network with its optimizer state, as bytes.
template <typename Net>
Json Bytes(const Net& net) {
  std::ostringstream out;
  net.Save(out);
  const std::string s = out.str();
  return Json::binary(std::vector<uint8_t>(s.begin(), s.end()));
}

template <typename Net>
void Load(Net& net, const Json& j) {
  const auto& b = j.get_binary();
  std::istringstream in(std::string(b.begin(), b.end()));
  net.Load(in);
}

Json ReplayJson(const CostCritic::CriticExamples& r) { return {{"x", Floats(r.x)}, {"reward", Floats(r.reward)}}; }

CostCritic::CriticExamples ReplayOf(const Json& j) { return {FloatsOf(j["x"]), FloatsOf(j["reward"])}; }

Json StatsJson(const CoTunerStats& s) {
  return {{"rounds", s.rounds},
          {"hardware", {s.hardware_sampled, s.hardware_infeasible, s.hardware_measured}},
          {"software", {s.software_sampled, s.software_invalid}},
          {"measurements", {s.proposed, s.measured, s.failed, s.lower_bounds, s.random_proposals}},
          {"penalties", s.penalties},
          {"seconds", {s.fit_seconds, s.search_seconds, s.build_seconds}},
          {"infeasible_share", s.infeasible_share},
          {"losses", {s.last_cost_loss, s.last_critic_loss}}};
}

CoTunerStats StatsOf(const Json& j) {
  CoTunerStats s;
  s.rounds = j["rounds"].get<int64_t>();
  const Json &h = j["hardware"], &w = j["software"], &m = j["measurements"], &t = j["seconds"], &l = j["losses"];
  s.hardware_sampled = h[0].get<int64_t>();
  s.hardware_infeasible = h[1].get<int64_t>();
  s.hardware_measured = h[2].get<int64_t>();
  s.software_sampled = w[0].get<int64_t>();
  s.software_invalid = w[1].get<int64_t>();
  s.proposed = m[0].get<int64_t>();
  s.measured = m[1].get<int64_t>();
  s.failed = m[2].get<int64_t>();
  s.lower_bounds = m[3].get<int64_t>();
  s.random_proposals = m[4].get<int64_t>();
  s.penalties = j["penalties"].get<std::map<std::string, int64_t>>();
  s.fit_seconds = t[0].get<double>();
  s.search_seconds = t[1].get<double>();
  s.build_seconds = t[2].get<double>();
  s.infeasible_share = j["infeasible_share"].get<std::vector<double>>();
  s.last_cost_loss = l[0].get<double>();
  s.last_critic_loss = l[1].get<double>();
  return s;
}

// The first difference between a saved and a current signature, e.g. "params.plan_size: 32 saved, 64 now".
std::string Difference(const Json& saved, const Json& now, const std::string& path = "") {
  if (saved.is_object() && now.is_object()) {
    for (const auto& [k, v] : now.items()) {
      const std::string p = path.empty() ? k : path + "." + k;
      if (!saved.contains(k)) return fmt::format("{}: not saved, {} now", p, v.dump());
      if (saved[k] != v) return Difference(saved[k], v, p);
    }
    for (const auto& [k, v] : saved.items())
      if (!now.contains(k)) return fmt::format("{}: {} saved, not now", path.empty() ? k : path + "." + k, v.dump());
  }
  return fmt::format("{}: {} saved, {} now", path, saved.dump(), now.dump());
}

// Points of one software space: index, uniform valid sampling (the random share).
struct SpaceTools {
  SpaceTools(const Space& s, Point h, size_t t)
      : space(s), indexer(s), sampler(s, indexer), hw(std::move(h)), task(t) {}
  const Space& space;
  Indexer indexer;
  PointSampler sampler;
  Point hw;  // whose space it is
  size_t task;
};

// A hardware point evaluated in a round.
struct HwEval {
  Point hw;
  bool defined = false;
  std::vector<Penalty> penalties;
  double value = 0;                         // critic: work-weighted best Q over tasks
  double predicted_log = 0;                 // cost model: -log2(predicted model cycles) from the best candidates
  std::vector<double> best_s;               // per task: the best valid sample's throughput (measured or predicted)
  std::vector<double> best_spread;          // per task: the cost model's spread on that sample (0 when measured)
  std::vector<std::vector<size_t>> groups;  // per task: the software samples drawn on it
  std::vector<Point> transfer;              // per task: the incumbent's best schedule here (empty: none)
  std::vector<double> transfer_s;           // per task: its throughput here (measured, or relative prediction)
  std::vector<double> transfer_spread;      // per task: the cost model's spread on it (0 when measured)
};

// One joint software sample (the hardware part is its HwEval).
struct SwSample {
  size_t hw = 0, task = 0;
  Point sw;
  bool valid = false;
  float log_prob_map = 0, log_prob_sched = 0;
  float mean = 0, spread = 0;  // cost model
  float s = 0;                 // throughput used for the reward (measured or predicted)
  float reward = 0, q = 0;
};

class DcocTuner : public CoTuner {
 public:
  DcocTuner(const Problem& problem, const TunerOptions& opts)
      : problem_(problem), p_(ReadParams(opts.params, &param_values_)), seed_(opts.seed), rng_(opts.seed) {
    const auto& hk = problem.HardwareKnobs();
    for (const KnobDesc& k : hk) {
      if (k.values.empty()) throw UsageError(fmt::format("dcoc: hardware knob {} has no values", k.name));
      hw_sizes_.push_back(int(k.values.size()));
    }
    const auto& names = problem.SoftwareKnobNames();
    for (size_t k = 0; k < names.size(); ++k)
      (problem.SoftwareKnobRole(k) == Role::kMapping ? map_knobs_ : sched_knobs_).push_back(k);
    if (map_knobs_.empty() || sched_knobs_.empty())
      throw UsageError("dcoc: the problem needs at least one mapping and one scheduling knob");
    tf_ = problem.TaskFeatureSize();
    hf_ = problem.HardwareFeatureSize();
    sf_ = problem.SoftwareFeatureSize();
    base_ = problem.BaseHardware();
    if (!problem.HardwareDefined(base_)) throw UsageError("dcoc: the base hardware point is not a configuration");
    pf_ = problem.SoftwareSpace(0, base_).FeatureSize();

    double total = 0;
    for (size_t t = 0; t < problem.NumTasks(); ++t) total += problem.TaskCount(t) * problem.TaskOps(t);
    model_obs_.assign(tf_ + 1, 0.0f);
    std::vector<float> f(tf_);
    for (size_t t = 0; t < problem.NumTasks(); ++t) {
      work_share_.push_back(problem.TaskCount(t) * problem.TaskOps(t) / total);
      problem.TaskFeatures(t, f);
      for (size_t i = 0; i < tf_; ++i) model_obs_[i] += float(work_share_.back()) * f[i];
    }
    model_obs_[tf_] = float(std::log2(std::max(total, 1.0)) / 40);

    Rng init(opts.seed ^ 0x5dcc0ffee1234567ull);
    std::vector<int> map_heads, sched_heads;
    for (size_t k : map_knobs_) map_heads.push_back(problem.MaxSoftwareValues(k));
    for (size_t k : sched_knobs_) sched_heads.push_back(problem.MaxSoftwareValues(k));
    hw_actor_ = std::make_unique<Actor>(int(tf_ + 1), hw_sizes_, p_.hidden, p_.actor_lr, init);
    map_actor_ = std::make_unique<Actor>(int(tf_ + hf_), map_heads, p_.hidden, p_.actor_lr, init);
    sched_actor_ =
        std::make_unique<Actor>(int(tf_ + hf_ + map_knobs_.size()), sched_heads, p_.hidden, p_.actor_lr, init);
    xdim_ = (tf_ + 1) + tf_ + hf_ + hw_sizes_.size() + sf_ + pf_ + 1;
    model_ = std::make_unique<CostCritic>(int(xdim_), p_.hidden, p_.cost_heads, p_.critic_lr, init);
    if (p_.independent_critics) {
      const size_t dm = tf_ + hf_ + map_knobs_.size();
      hw_critic_ =
          std::make_unique<CostCritic>(int(model_obs_.size() + hw_sizes_.size()), p_.hidden, 2, p_.critic_lr, init);
      map_critic_ = std::make_unique<CostCritic>(int(dm), p_.hidden, 2, p_.critic_lr, init);
      sched_critic_ = std::make_unique<CostCritic>(int(dm + sched_knobs_.size()), p_.hidden, 2, p_.critic_lr, init);
    }
  }

  std::vector<Candidate> Propose(int n) override {
    if (n <= 0) return {};
    // A round may find nothing to measure (nothing feasible drawn, or its candidates all proposed before):
    // the agents still learned from it. After 8 such rounds in a row the space counts as exhausted.
    for (int r = 0; r < 8 && queue_.empty() && !exhausted_; ++r) RunRound();
    if (queue_.empty()) exhausted_ = true;
    std::vector<Candidate> out;
    while (!queue_.empty() && int(out.size()) < n) {
      out.push_back(std::move(queue_.front()));
      queue_.erase(queue_.begin());
    }
    stats_.proposed += int64_t(out.size());
    return out;
  }

  void Observe(std::span<const Outcome> outcomes) override {
    for (const Outcome& o : outcomes) {
      const Candidate& c = o.candidate;
      ++stats_.measured;
      stats_.build_seconds += o.build_seconds;
      const std::string hk = Key(c.hardware);
      if (measured_hw_.insert(hk).second) {
        ++stats_.hardware_measured;
        measured_hw_points_[hk] = c.hardware;
      }
      if (!o.ok || o.cycles <= 0) {
        ++stats_.failed;
        continue;
      }
      if (o.lower_bound) ++stats_.lower_bounds;
      const double s = std::log2(problem_.TaskOps(c.task) / o.cycles);
      measured_[Key(c.hardware, c.task, c.software)] = {float(s), o.lower_bound};
      // Cost-model example: (layer, hardware, schedule) features -> throughput.
      std::vector<float> x(xdim_);
      JointFeatures(c.hardware, c.task, c.software, true, x);
      cost_.x.insert(cost_.x.end(), x.begin(), x.end());
      cost_.target.push_back(float(s));
      cost_.upper_bound_only.push_back(o.lower_bound ? 1 : 0);
      for (int h = 0; h < p_.cost_heads; ++h) cost_.head_mask.push_back(rng_.Uniform() < 0.7 ? 1.0f : 0.0f);
      if (!o.lower_bound) {
        auto& per_task = best_[hk];
        per_task.resize(problem_.NumTasks());
        auto& b = per_task[c.task];
        if (!b.found || o.cycles < b.cycles) b = {true, o.cycles, c.software};
        best_hw_points_[hk] = c.hardware;
      }
    }
  }

  Design Best() const override {
    Design d;
    for (const auto& [hk, per_task] : best_) {
      if (per_task.size() != problem_.NumTasks()) continue;
      double total = 0;
      bool all = true;
      for (size_t t = 0; t < per_task.size(); ++t) {
        if (!per_task[t].found) {
          all = false;
          break;
        }
        total += problem_.TaskCount(t) * per_task[t].cycles;
      }
      if (!all || (d.found && total >= d.model_cycles)) continue;
      d.found = true;
      d.hardware = best_hw_points_.at(hk);
      d.model_cycles = total;
      d.schedules.clear();
      d.task_cycles.clear();
      for (const auto& b : per_task) {
        d.schedules.push_back(b.point);
        d.task_cycles.push_back(b.cycles);
      }
    }
    return d;
  }

  const CoTunerStats& Stats() const override { return stats_; }

  std::string Checkpoint() const override {
    Json j;
    j["format"] = kCheckpointFormat;
    j["signature"] = Signature();
    j["rng"] = rng_.State();
    Json nets = {{"hardware", Bytes(*hw_actor_)},
                 {"mapping", Bytes(*map_actor_)},
                 {"scheduling", Bytes(*sched_actor_)},
                 {"cost_critic", Bytes(*model_)}};
    if (p_.independent_critics) {
      nets["hardware_critic"] = Bytes(*hw_critic_);
      nets["mapping_critic"] = Bytes(*map_critic_);
      nets["scheduling_critic"] = Bytes(*sched_critic_);
    }
    j["networks"] = std::move(nets);
    j["cost"] = {{"x", Floats(cost_.x)},
                 {"target", Floats(cost_.target)},
                 {"upper_bound_only", Json::binary(cost_.upper_bound_only)},
                 {"head_mask", Floats(cost_.head_mask)}};
    j["offset"] = offset_;
    j["replay"] = {{"central", ReplayJson(replay_)},
                   {"hardware", ReplayJson(replay_hw_)},
                   {"mapping", ReplayJson(replay_map_)},
                   {"scheduling", ReplayJson(replay_sched_)}};
    Json queue = Json::array();
    for (const Candidate& c : queue_) queue.push_back({c.hardware, c.task, c.software});
    j["queue"] = std::move(queue);
    j["exhausted"] = exhausted_;
    j["proposed"] = std::set<std::string>(proposed_.begin(), proposed_.end());
    j["measured_hw"] = std::set<std::string>(measured_hw_.begin(), measured_hw_.end());
    j["proposed_by_space"] =
        std::map<std::string, std::vector<uint64_t>>(proposed_by_space_.begin(), proposed_by_space_.end());
    Json measured = Json::object();
    for (const auto& [k, v] : measured_) measured[k] = {v.s, v.lower_bound};
    j["measured"] = std::move(measured);
    Json best = Json::object();
    for (const auto& [k, per_task] : best_) {
      Json a = Json::array();
      for (const TaskBest& b : per_task) a.push_back({b.found, b.cycles, b.point});
      best[k] = std::move(a);
    }
    j["best"] = std::move(best);
    j["best_hw_points"] = best_hw_points_;
    j["measured_hw_points"] = measured_hw_points_;
    // Samplers that enumerated their space draw differently from then on: enumerate them again on restore.
    std::set<std::pair<Point, size_t>> enumerated;
    for (const auto& [k, t] : tools_)
      if (t->sampler.Enumerated()) enumerated.insert({t->hw, t->task});
    j["enumerated"] = enumerated;
    j["stats"] = StatsJson(stats_);
    const std::vector<uint8_t> bytes = Json::to_msgpack(j);
    return std::string(bytes.begin(), bytes.end());
  }

  void Restore(const std::string& bytes) override {
    Json j;
    try {
      j = Json::from_msgpack(bytes);
    } catch (const Json::exception& e) {
      throw UsageError(fmt::format("dcoc checkpoint: not a checkpoint ({})", e.what()));
    }
    if (!j.is_object() || !j.contains("format") || j["format"] != kCheckpointFormat)
      throw UsageError(fmt::format("dcoc checkpoint: not a \"{}\"", kCheckpointFormat));
    const Json sig = Signature();
    if (j["signature"] != sig)
      throw UsageError(fmt::format("dcoc checkpoint: saved by another run ({})", Difference(j["signature"], sig)));
    try {
      rng_.SetState(j["rng"].get<std::string>());
      const Json& nets = j["networks"];
      Load(*hw_actor_, nets["hardware"]);
      Load(*map_actor_, nets["mapping"]);
      Load(*sched_actor_, nets["scheduling"]);
      Load(*model_, nets["cost_critic"]);
      if (p_.independent_critics) {
        Load(*hw_critic_, nets["hardware_critic"]);
        Load(*map_critic_, nets["mapping_critic"]);
        Load(*sched_critic_, nets["scheduling_critic"]);
      }
      const Json& c = j["cost"];
      cost_.x = FloatsOf(c["x"]);
      cost_.target = FloatsOf(c["target"]);
      cost_.upper_bound_only = c["upper_bound_only"].get_binary();
      cost_.head_mask = FloatsOf(c["head_mask"]);
      offset_ = j["offset"].get<float>();
      const Json& r = j["replay"];
      replay_ = ReplayOf(r["central"]);
      replay_hw_ = ReplayOf(r["hardware"]);
      replay_map_ = ReplayOf(r["mapping"]);
      replay_sched_ = ReplayOf(r["scheduling"]);
      queue_.clear();
      for (const Json& q : j["queue"]) queue_.push_back({q[0].get<Point>(), q[1].get<size_t>(), q[2].get<Point>()});
      exhausted_ = j["exhausted"].get<bool>();
      const auto strings = [](const Json& a) {
        std::unordered_set<std::string> out;
        for (const Json& s : a) out.insert(s.get<std::string>());
        return out;
      };
      proposed_ = strings(j["proposed"]);
      measured_hw_ = strings(j["measured_hw"]);
      proposed_by_space_.clear();
      for (const auto& [k, v] : j["proposed_by_space"].items()) proposed_by_space_[k] = v.get<std::vector<uint64_t>>();
      measured_.clear();
      for (const auto& [k, v] : j["measured"].items()) measured_[k] = {v[0].get<float>(), v[1].get<bool>()};
      best_.clear();
      for (const auto& [k, v] : j["best"].items())
        for (const Json& b : v) best_[k].push_back({b[0].get<bool>(), b[1].get<double>(), b[2].get<Point>()});
      best_hw_points_ = j["best_hw_points"].get<std::map<std::string, Point>>();
      measured_hw_points_ = j["measured_hw_points"].get<std::map<std::string, Point>>();
      tools_.clear();
      for (const Json& e : j["enumerated"]) Tools(e[1].get<size_t>(), e[0].get<Point>()).sampler.AllValid();
      stats_ = StatsOf(j["stats"]);
    } catch (const Json::exception& e) {
      throw UsageError(fmt::format("dcoc checkpoint: damaged ({})", e.what()));
    }
  }

 private:
  struct TaskBest {
    bool found = false;
    double cycles = 0;
    Point point;
  };
  struct MeasuredValue {
    float s = 0;
    bool lower_bound = false;
  };

  Json Signature() const {
    return {{"params", param_values_},
            {"seed", seed_},
            {"hardware_knobs", hw_sizes_},
            {"tasks", problem_.NumTasks()},
            {"software_knobs", problem_.SoftwareKnobNames()},
            {"input", xdim_}};
  }

  double PenaltySum(const std::vector<Penalty>& ps) const {
    double sum = 0;
    for (const Penalty& x : ps) sum += p_.penalty * (1 + std::min(x.amount, 4.0));
    return sum;
  }

  SpaceTools& Tools(size_t task, const Point& hw) {
    const std::string k = Key(hw) + '/' + std::to_string(task);
    auto it = tools_.find(k);
    if (it == tools_.end())
      it = tools_.emplace(k, std::make_unique<SpaceTools>(problem_.SoftwareSpace(task, hw), hw, task)).first;
    return *it->second;
  }

  // Encoder input: [model obs, task features, hardware features, hardware knobs normalized, software
  // features, program features (valid points only), valid flag].
  void JointFeatures(const Point& hw, size_t task, const Point& sw, bool valid, std::span<float> x) {
    size_t o = 0;
    std::copy(model_obs_.begin(), model_obs_.end(), x.begin());
    o += model_obs_.size();
    problem_.TaskFeatures(task, x.subspan(o, tf_));
    o += tf_;
    problem_.HardwareFeatures(hw, x.subspan(o, hf_));
    o += hf_;
    for (size_t k = 0; k < hw.size(); ++k) x[o++] = hw_sizes_[k] > 1 ? float(hw[k]) / float(hw_sizes_[k] - 1) : 0.0f;
    if (sw.empty()) {
      std::fill(x.begin() + ptrdiff_t(o), x.end(), 0.0f);
      return;
    }
    problem_.SoftwareFeatures(task, hw, sw, x.subspan(o, sf_));
    o += sf_;
    if (valid)
      problem_.SoftwareSpace(task, hw).Features(sw, x.subspan(o, pf_));
    else
      std::fill_n(x.begin() + ptrdiff_t(o), pf_, 0.0f);
    o += pf_;
    x[o] = valid ? 1.0f : 0.0f;
  }

  void RunRound() {
    const auto t0 = std::chrono::steady_clock::now();
    double fit = 0;
    const size_t nt = problem_.NumTasks();
    ++stats_.rounds;

    // 1. Hardware actions.
    std::vector<Point> hw_actions;  // drawn by the hardware agent (learned from)
    std::vector<float> hw_logp;
    std::vector<Point> hw_points;  // evaluated (unique)
    if (p_.software_only) {
      hw_points.push_back(base_);
    } else {
      std::vector<float> obs;
      std::vector<int32_t> cards;
      for (int i = 0; i < p_.hardware_samples; ++i) {
        obs.insert(obs.end(), model_obs_.begin(), model_obs_.end());
        cards.insert(cards.end(), hw_sizes_.begin(), hw_sizes_.end());
      }
      std::vector<int32_t> acts;
      hw_actor_->Act(obs, cards, p_.hardware_samples, rng_, acts, hw_logp);
      for (int i = 0; i < p_.hardware_samples; ++i)
        hw_actions.emplace_back(acts.begin() + ptrdiff_t(size_t(i) * hw_sizes_.size()),
                                acts.begin() + ptrdiff_t(size_t(i + 1) * hw_sizes_.size()));
      if (p_.local_moves) AddLocalMoves(hw_actions, hw_logp);
      hw_points.push_back(base_);
      // Every measured point is re-evaluated each round, so that the plan can return to any of them.
      for (const auto& [key, point] : measured_hw_points_) hw_points.push_back(point);
      for (const Point& h : hw_actions) hw_points.push_back(h);
      std::set<std::string> seen;
      std::erase_if(hw_points, [&](const Point& h) { return !seen.insert(Key(h)).second; });
    }

    // 2. Software actions on every hardware point that is a configuration.
    std::vector<HwEval> hws(hw_points.size());
    std::vector<SwSample> samples;
    std::vector<float> map_obs, sched_obs;
    std::vector<int32_t> map_cards, sched_cards, map_acts, sched_acts;
    int64_t drawn_infeasible = 0;
    for (size_t h = 0; h < hw_points.size(); ++h) {
      HwEval& e = hws[h];
      e.hw = hw_points[h];
      e.defined = problem_.HardwareDefined(e.hw);
      e.penalties = problem_.HardwarePenalties(e.hw);
      e.groups.resize(nt);
      e.best_s.assign(nt, -1e9);
      e.best_spread.assign(nt, 0);
      for (const Penalty& x : e.penalties) ++stats_.penalties["hardware." + x.name];
      if (!e.defined) continue;
      std::vector<float> tfeat(tf_), hfeat(hf_);
      problem_.HardwareFeatures(e.hw, hfeat);
      for (size_t t = 0; t < nt; ++t) {
        const Space& space = problem_.SoftwareSpace(t, e.hw);
        const auto& knobs = space.Knobs();
        problem_.TaskFeatures(t, tfeat);
        const int m = p_.software_samples;
        std::vector<float> mo, so;
        std::vector<int32_t> mc, sc;
        for (int i = 0; i < m; ++i) {
          mo.insert(mo.end(), tfeat.begin(), tfeat.end());
          mo.insert(mo.end(), hfeat.begin(), hfeat.end());
          for (size_t k : map_knobs_) mc.push_back(Cards(knobs, k));
        }
        std::vector<int32_t> ma;
        std::vector<float> mlp;
        map_actor_->Act(mo, mc, m, rng_, ma, mlp);
        for (int i = 0; i < m; ++i) {
          so.insert(so.end(), tfeat.begin(), tfeat.end());
          so.insert(so.end(), hfeat.begin(), hfeat.end());
          for (size_t j = 0; j < map_knobs_.size(); ++j) {
            const int32_t c = mc[size_t(i) * map_knobs_.size() + j];
            so.push_back(c > 1 ? float(ma[size_t(i) * map_knobs_.size() + j]) / float(c - 1) : 0.0f);
          }
          for (size_t k : sched_knobs_) sc.push_back(Cards(knobs, k));
        }
        std::vector<int32_t> sa;
        std::vector<float> slp;
        sched_actor_->Act(so, sc, m, rng_, sa, slp);
        for (int i = 0; i < m; ++i) {
          SwSample s;
          s.hw = h;
          s.task = t;
          s.sw.assign(knobs.size(), 0);
          for (size_t j = 0; j < map_knobs_.size(); ++j) s.sw[map_knobs_[j]] = ma[size_t(i) * map_knobs_.size() + j];
          for (size_t j = 0; j < sched_knobs_.size(); ++j)
            s.sw[sched_knobs_[j]] = sa[size_t(i) * sched_knobs_.size() + j];
          s.valid = space.Valid(s.sw);
          s.log_prob_map = mlp[size_t(i)];
          s.log_prob_sched = slp[size_t(i)];
          ++stats_.software_sampled;
          if (!s.valid) {
            ++stats_.software_invalid;
            for (const Penalty& x : problem_.SoftwarePenalties(t, e.hw, s.sw)) ++stats_.penalties["software." + x.name];
          }
          e.groups[t].push_back(samples.size());
          samples.push_back(std::move(s));
        }
        map_obs.insert(map_obs.end(), mo.begin(), mo.end());
        sched_obs.insert(sched_obs.end(), so.begin(), so.end());
        map_cards.insert(map_cards.end(), mc.begin(), mc.end());
        sched_cards.insert(sched_cards.end(), sc.begin(), sc.end());
        map_acts.insert(map_acts.end(), ma.begin(), ma.end());
        sched_acts.insert(sched_acts.end(), sa.begin(), sa.end());
      }
    }
    // The agent's draws (not the local moves).
    const size_t drawn = std::min<size_t>(hw_actions.size(), size_t(p_.hardware_samples));
    for (size_t i = 0; i < drawn; ++i) {
      ++stats_.hardware_sampled;
      for (const HwEval& e : hws)
        if (e.hw == hw_actions[i] && !e.penalties.empty()) {
          ++drawn_infeasible;
          ++stats_.hardware_infeasible;
        }
    }
    if (drawn) stats_.infeasible_share.push_back(double(drawn_infeasible) / double(drawn));

    // 3. Cost-model predictions and rewards.
    const size_t ns = samples.size();
    std::vector<float> xs(ns * xdim_);
    for (size_t i = 0; i < ns; ++i) {
      const SwSample& s = samples[i];
      JointFeatures(hws[s.hw].hw, s.task, s.sw, s.valid, std::span<float>(xs).subspan(i * xdim_, xdim_));
    }
    std::vector<float> mean, spread;
    // The networks learn throughputs relative to the mean measured one (targets near 0 train fast).
    if (!cost_.target.empty())
      offset_ = float(std::accumulate(cost_.target.begin(), cost_.target.end(), 0.0) / double(cost_.target.size()));
    if (ns) model_->Predict(xs, int(ns), mean, spread);
    for (float& m : mean) m += offset_;
    std::vector<float> task_floor(nt, 1e9f);
    for (size_t i = 0; i < ns; ++i) {
      SwSample& s = samples[i];
      s.mean = mean[i];
      s.spread = spread[i];
      if (!s.valid) continue;
      const auto m = measured_.find(Key(hws[s.hw].hw, s.task, s.sw));
      s.s = m != measured_.end() ? m->second.s : s.mean;
      task_floor[s.task] = std::min(task_floor[s.task], s.s);
      auto& b = hws[s.hw].best_s[s.task];
      if (double(s.s) > b) {
        b = double(s.s);
        hws[s.hw].best_spread[s.task] = m != measured_.end() ? 0.0 : double(s.spread);
      }
    }
    for (size_t t = 0; t < nt; ++t)
      if (task_floor[t] > 1e8f) task_floor[t] = 0;
    if (!p_.software_only) TransferIncumbentSchedules(hws);
    for (SwSample& s : samples) {
      const double hp = PenaltySum(hws[s.hw].penalties);
      s.reward = s.valid ? float(double(s.s) - hp)
                         : float(double(task_floor[s.task]) - hp -
                                 PenaltySum(problem_.SoftwarePenalties(s.task, hws[s.hw].hw, s.sw)));
    }

    // 4. Train the encoder, the cost heads (measurements) and the critic head (this round and a replay).
    AppendReplay(replay_, xs, samples, xdim_, size_t(p_.hardware_samples + 2) * nt * size_t(p_.software_samples) * 4);
    {
      const auto f0 = std::chrono::steady_clock::now();
      CostCritic::CostExamples cost = cost_;
      for (float& t : cost.target) t -= offset_;
      // Independent critics (ablation): the cost model learns from the measurements alone.
      CostCritic::CriticExamples critic = p_.independent_critics ? CostCritic::CriticExamples{} : replay_;
      for (float& r : critic.reward) r -= offset_;
      const auto losses = model_->Train(cost, critic, p_.train_steps, p_.minibatch, p_.critic_coeff, rng_);
      stats_.last_cost_loss = losses.cost;
      stats_.last_critic_loss = losses.critic;
      fit += Seconds(f0);
    }

    // 5. The critic's advantages train the actors.
    std::vector<float> adv_map, adv_sched, hadv;
    const auto f0 = std::chrono::steady_clock::now();
    if (p_.independent_critics)
      IndependentAdvantages(hws, samples, hw_actions, sched_obs, sched_acts, sched_cards, adv_map, adv_sched, hadv);
    else
      CentralAdvantages(xs, hws, samples, hw_actions, adv_map, hadv);
    if (!p_.independent_critics) adv_sched = adv_map;
    fit += Seconds(f0);
    if (ns && p_.ppo_epochs > 0) {
      const int mb = std::min<int>(int(ns), std::max(p_.minibatch, int(ns) / 4));
      std::vector<float> lpm(ns), lps(ns);
      for (size_t i = 0; i < ns; ++i) {
        lpm[i] = samples[i].log_prob_map;
        lps[i] = samples[i].log_prob_sched;
      }
      const auto f1 = std::chrono::steady_clock::now();
      map_actor_->Learn(map_obs, map_cards, map_acts, lpm, adv_map, p_.ppo_epochs, mb, p_.ppo_clip, p_.entropy, rng_);
      sched_actor_->Learn(sched_obs, sched_cards, sched_acts, lps, adv_sched, p_.ppo_epochs, mb, p_.ppo_clip,
                          p_.entropy, rng_);
      fit += Seconds(f1);
    }
    if (!hw_actions.empty() && p_.ppo_epochs > 0) {
      const HardwareRows rows = RowsOf(hw_actions);
      const auto f1 = std::chrono::steady_clock::now();
      hw_actor_->Learn(rows.obs, rows.cards, rows.acts, hw_logp, hadv, p_.ppo_epochs, int(hadv.size()), p_.ppo_clip,
                       p_.entropy, rng_);
      fit += Seconds(f1);
    }

    // 6. Confidence sampling of the round's measurements.
    Plan(hws, samples);
    stats_.fit_seconds += fit;
    stats_.search_seconds += Seconds(t0) - fit;
  }

  // Appends a round's inputs (rows of `dim`) and rewards to a critic's replay, keeping the newest `keep` rows.
  static void AppendReplay(CostCritic::CriticExamples& replay, std::span<const float> x,
                           const std::vector<SwSample>& samples, size_t dim, size_t keep) {
    replay.x.insert(replay.x.end(), x.begin(), x.end());
    for (const SwSample& s : samples) replay.reward.push_back(s.reward);
    Trim(replay, dim, keep);
  }
  static void Trim(CostCritic::CriticExamples& replay, size_t dim, size_t keep) {
    if (replay.reward.size() <= keep) return;
    const size_t drop = replay.reward.size() - keep;
    replay.reward.erase(replay.reward.begin(), replay.reward.begin() + ptrdiff_t(drop));
    replay.x.erase(replay.x.begin(), replay.x.begin() + ptrdiff_t(drop * dim));
  }

  // Centralized critic: a software sample's advantage is its Q minus the mean Q of its (hardware, task)
  // group (both software actors learn from it); a hardware point's value is the work-weighted sum over
  // tasks of the mean of its best few Q, a drawn hardware action's advantage that value minus the mean.
  void CentralAdvantages(std::span<const float> xs, std::vector<HwEval>& hws, const std::vector<SwSample>& samples,
                         const std::vector<Point>& hw_actions, std::vector<float>& adv, std::vector<float>& hadv) {
    const size_t ns = samples.size(), nt = problem_.NumTasks();
    const std::vector<float> q = ns ? model_->Value(xs, int(ns)) : std::vector<float>{};
    adv.assign(ns, 0.0f);
    for (HwEval& e : hws) {
      if (!e.defined) continue;
      double value = 0;
      for (size_t t = 0; t < nt; ++t) {
        const auto& g = e.groups[t];
        if (g.empty()) continue;
        double mq = 0;
        std::vector<float> top;
        for (size_t i : g) {
          mq += double(q[i]);
          top.push_back(q[i]);
        }
        mq /= double(g.size());
        for (size_t i : g) adv[i] = float(double(q[i]) - mq);
        // What the software agents reach on this hardware: the mean of the best Q values (the best few,
        // not the single best, which is the most overestimated).
        const size_t k = std::min<size_t>(top.size(), 4);
        std::partial_sort(top.begin(), top.begin() + ptrdiff_t(k), top.end(), std::greater<float>());
        value += work_share_[t] * double(std::accumulate(top.begin(), top.begin() + ptrdiff_t(k), 0.0f)) / double(k);
      }
      e.value = value;
    }
    Normalize(adv);
    hadv = HardwareRewards(hws, hw_actions);
    Normalize(hadv);
  }

  // Independent critics (ablation `independent_critics`): each agent's critic sees only that agent's
  // observation and action -- hardware: the model and the hardware action; mapping: the layer, the
  // hardware and the tiling; scheduling: those and the schedule -- and learns the reward of its own
  // action (averaged over what the other agents did). Hardware actions are rewarded with the
  // work-weighted best reward over each task's samples on their point.
  void IndependentAdvantages(std::vector<HwEval>& hws, const std::vector<SwSample>& samples,
                             const std::vector<Point>& hw_actions, const std::vector<float>& sched_obs,
                             const std::vector<int32_t>& sched_acts, const std::vector<int32_t>& sched_cards,
                             std::vector<float>& adv_map, std::vector<float>& adv_sched, std::vector<float>& hadv) {
    const size_t ns = samples.size(), nt = problem_.NumTasks();
    const size_t dm = tf_ + hf_ + map_knobs_.size(), ds = dm + sched_knobs_.size(),
                 dh = model_obs_.size() + hw_sizes_.size();
    const size_t keep = size_t(p_.hardware_samples + 2) * nt * size_t(p_.software_samples) * 4;
    // Mapping critic input = the scheduling agent's observation (layer, hardware, tiling).
    std::vector<float> xm(sched_obs.begin(), sched_obs.end()), xsch;
    for (size_t i = 0; i < ns; ++i) {
      xsch.insert(xsch.end(), sched_obs.begin() + ptrdiff_t(i * dm), sched_obs.begin() + ptrdiff_t((i + 1) * dm));
      for (size_t j = 0; j < sched_knobs_.size(); ++j) {
        const int32_t c = sched_cards[i * sched_knobs_.size() + j];
        xsch.push_back(c > 1 ? float(sched_acts[i * sched_knobs_.size() + j]) / float(c - 1) : 0.0f);
      }
    }
    AppendReplay(replay_map_, xm, samples, dm, keep);
    AppendReplay(replay_sched_, xsch, samples, ds, keep);
    // Hardware: realized rewards of the drawn actions.
    for (HwEval& e : hws) {
      if (!e.defined) continue;
      double value = 0;
      for (size_t t = 0; t < nt; ++t) {
        double best = -1e30;
        for (size_t i : e.groups[t]) best = std::max(best, double(samples[i].reward));
        if (best > -1e29) value += work_share_[t] * best;
      }
      e.value = value;
    }
    std::vector<float> realized = HardwareRewards(hws, hw_actions), xh;
    for (const Point& a : hw_actions) {
      xh.insert(xh.end(), model_obs_.begin(), model_obs_.end());
      AppendKnobs(a, xh);
    }
    replay_hw_.x.insert(replay_hw_.x.end(), xh.begin(), xh.end());
    replay_hw_.reward.insert(replay_hw_.reward.end(), realized.begin(), realized.end());
    Trim(replay_hw_, dh, size_t(p_.hardware_samples) * 64);

    double loss = 0;
    const CostCritic::CostExamples none;
    for (auto [critic, replay] : {std::pair{hw_critic_.get(), &replay_hw_}, std::pair{map_critic_.get(), &replay_map_},
                                  std::pair{sched_critic_.get(), &replay_sched_}}) {
      CostCritic::CriticExamples ex = *replay;
      for (float& r : ex.reward) r -= offset_;
      loss += critic->Train(none, ex, p_.train_steps, p_.minibatch, 1.0, rng_).critic;
    }
    stats_.last_critic_loss = loss / 3;

    const std::vector<float> qm = ns ? map_critic_->Value(xm, int(ns)) : std::vector<float>{};
    const std::vector<float> qs = ns ? sched_critic_->Value(xsch, int(ns)) : std::vector<float>{};
    adv_map.assign(ns, 0.0f);
    adv_sched.assign(ns, 0.0f);
    for (const HwEval& e : hws)
      for (const auto& g : e.groups) {
        if (g.empty()) continue;
        double mm = 0, ms = 0;
        for (size_t i : g) {
          mm += double(qm[i]);
          ms += double(qs[i]);
        }
        for (size_t i : g) {
          adv_map[i] = float(double(qm[i]) - mm / double(g.size()));
          adv_sched[i] = float(double(qs[i]) - ms / double(g.size()));
        }
      }
    Normalize(adv_map);
    Normalize(adv_sched);
    hadv = hw_actions.empty() ? std::vector<float>{} : hw_critic_->Value(xh, int(hw_actions.size()));
    Normalize(hadv);
  }

  // Each drawn hardware action's reward: its point's value (undefined points: below every defined one, by
  // their penalties).
  std::vector<float> HardwareRewards(const std::vector<HwEval>& hws, const std::vector<Point>& hw_actions) const {
    double floor = 1e30;
    for (const HwEval& e : hws)
      if (e.defined) floor = std::min(floor, e.value);
    if (floor > 1e29) floor = 0;
    std::vector<float> out;
    for (const Point& a : hw_actions) {
      const auto e = std::find_if(hws.begin(), hws.end(), [&](const HwEval& x) { return x.hw == a; });
      out.push_back(float(e->defined ? e->value : floor - 1 - PenaltySum(e->penalties)));
    }
    return out;
  }

  void AppendKnobs(const Point& hw, std::vector<float>& x) const {
    for (size_t k = 0; k < hw.size(); ++k)
      x.push_back(hw_sizes_[k] > 1 ? float(hw[k]) / float(hw_sizes_[k] - 1) : 0.0f);
  }

  static int32_t Cards(const std::vector<KnobDesc>& knobs, size_t k) { return int32_t(knobs[k].values.size()); }

  static void Normalize(std::vector<float>& v) {
    if (v.empty()) return;
    double mean = 0, var = 0;
    for (float x : v) mean += double(x);
    mean /= double(v.size());
    for (float x : v) var += (double(x) - mean) * (double(x) - mean);
    const double sd = std::sqrt(var / double(v.size()));
    for (float& x : v) x = float((double(x) - mean) / (sd > 1e-6 ? sd : 1.0));
  }

  // -log2 of the predicted model cycles on e. Per task: on a measured point, the best of its measured and
  // sampled schedules; on a point never measured, the incumbent's schedule carried over where it carries
  // (the same software, so only the hardware differs: the max over a round's fresh samples, each predicted
  // with an error, is biased upwards on points the model knows least), else the best sample. `spread`
  // receives the work-weighted cost-model spread of what it used.
  double PredictedModelLog(const HwEval& e, double* spread = nullptr) const {
    double cycles = 0, sp = 0;
    const auto b = best_.find(Key(e.hw));
    const bool measured = measured_hw_.count(Key(e.hw)) > 0;
    for (size_t t = 0; t < problem_.NumTasks(); ++t) {
      double s = e.best_s[t], st = e.best_spread[t];
      if (!measured && t < e.transfer_s.size() && e.transfer_s[t] > -1e8) {
        s = e.transfer_s[t];
        st = e.transfer_spread[t];
      }
      if (b != best_.end() && t < b->second.size() && b->second[t].found)
        s = std::max(s, std::log2(problem_.TaskOps(t) / b->second[t].cycles));
      if (s < -1e8) return -1e30;
      cycles += problem_.TaskCount(t) * problem_.TaskOps(t) / std::exp2(s);
      sp += work_share_[t] * st;
    }
    if (spread) *spread = sp;
    return -std::log2(cycles);
  }

  // The hardware agent's rows for given actions: its observation (the model), value counts, the actions.
  struct HardwareRows {
    std::vector<float> obs;
    std::vector<int32_t> cards, acts;
  };
  HardwareRows RowsOf(const std::vector<Point>& actions) const {
    HardwareRows r;
    for (const Point& a : actions) {
      r.obs.insert(r.obs.end(), model_obs_.begin(), model_obs_.end());
      r.cards.insert(r.cards.end(), hw_sizes_.begin(), hw_sizes_.end());
      r.acts.insert(r.acts.end(), a.begin(), a.end());
    }
    return r;
  }

  // The incumbent: the hardware of the best whole-model design so far (the base point before there is one).
  Point Incumbent() const {
    const Design d = Best();
    return d.found ? d.hardware : base_;
  }

  // Local moves: the incumbent's one-knob neighbours (each knob one value up or down) join the hardware
  // agent's drawn actions, with their probabilities under its policy, so it is evaluated on them and learns
  // from them. Why: the agent's own draws cover a hardware space of tens of thousands of points, of which
  // few fit the board, and learning from the penalties concentrates them where nearly everything fits
  // (on pynq-z2: the half-size GEMMs), never on the variants of the incumbent (its bus width, its buffers)
  // that fit and are faster.
  void AddLocalMoves(std::vector<Point>& actions, std::vector<float>& log_prob) {
    const Point inc = Incumbent();
    std::set<std::string> seen;
    for (const Point& a : actions) seen.insert(Key(a));
    std::vector<Point> moves;
    for (size_t k = 0; k < inc.size(); ++k)
      for (int step : {-1, 1}) {
        Point n = inc;
        n[k] += step;
        if (n[k] < 0 || n[k] >= hw_sizes_[k] || !seen.insert(Key(n)).second) continue;
        moves.push_back(std::move(n));
      }
    if (moves.empty()) return;
    const HardwareRows rows = RowsOf(moves);
    const std::vector<float> lp = hw_actor_->LogProb(rows.obs, rows.cards, rows.acts, int(moves.size()));
    log_prob.insert(log_prob.end(), lp.begin(), lp.end());
    actions.insert(actions.end(), moves.begin(), moves.end());
  }

  // A task's schedule on another hardware point: the same knob values, when that point's space has them all
  // and the schedule is valid there.
  std::optional<Point> MapSchedule(size_t task, const Point& from, const Point& sw, const Point& to) const {
    const auto& fk = problem_.SoftwareSpace(task, from).Knobs();
    const Space& ts = problem_.SoftwareSpace(task, to);
    const auto& tk = ts.Knobs();
    if (fk.size() != tk.size()) return std::nullopt;
    Point out(tk.size());
    for (size_t k = 0; k < tk.size(); ++k) {
      const std::string& v = fk[k].values[size_t(sw[k])];
      const auto it = std::find(tk[k].values.begin(), tk[k].values.end(), v);
      if (it == tk[k].values.end()) return std::nullopt;
      out[k] = int32_t(it - tk[k].values.begin());
    }
    if (!ts.Valid(out)) return std::nullopt;
    return out;
  }

  // Every other hardware point is also judged with the incumbent's best schedules (where they carry over):
  // judged by a round's fresh samples alone, a new point competes against schedules tuned over many rounds
  // and loses whatever its hardware is worth. A carried schedule's throughput there is predicted relative
  // to the incumbent: its measured throughput on the incumbent plus the cost model's difference between
  // the two points for that same schedule (the model's error on the schedule itself cancels; what is left
  // is what it learned about the hardware). It counts in the point's predicted throughput and is the first
  // candidate of its task when the point is measured.
  void TransferIncumbentSchedules(std::vector<HwEval>& hws) {
    const size_t nt = problem_.NumTasks();
    for (HwEval& e : hws) {
      e.transfer.assign(nt, Point{});
      e.transfer_s.assign(nt, -1e9);
      e.transfer_spread.assign(nt, 0);
    }
    const Point inc = Incumbent();
    const auto b = best_.find(Key(inc));
    if (b == best_.end()) return;
    std::vector<float> xs;
    std::vector<std::pair<size_t, size_t>> at;  // (hardware, task)
    for (size_t h = 0; h < hws.size(); ++h) {
      HwEval& e = hws[h];
      if (!e.defined || e.hw == inc) continue;
      for (size_t t = 0; t < nt && t < b->second.size(); ++t) {
        if (!b->second[t].found) continue;
        std::optional<Point> sw = MapSchedule(t, inc, b->second[t].point, e.hw);
        if (!sw) continue;
        e.transfer[t] = std::move(*sw);
        at.emplace_back(h, t);
        xs.resize(xs.size() + 2 * xdim_);  // the schedule here, and on the incumbent
        JointFeatures(e.hw, t, e.transfer[t], true, std::span<float>(xs).last(2 * xdim_).first(xdim_));
        JointFeatures(inc, t, b->second[t].point, true, std::span<float>(xs).last(xdim_));
      }
    }
    if (at.empty()) return;
    std::vector<float> mean, spread;
    model_->Predict(xs, int(2 * at.size()), mean, spread);
    for (size_t i = 0; i < at.size(); ++i) {
      const auto [h, t] = at[i];
      HwEval& e = hws[h];
      const auto m = measured_.find(Key(e.hw, t, e.transfer[t]));
      const double on_incumbent = std::log2(problem_.TaskOps(t) / b->second[t].cycles);
      const double s =
          m != measured_.end() ? double(m->second.s) : on_incumbent + double(mean[2 * i]) - double(mean[2 * i + 1]);
      e.transfer_s[t] = s;
      e.transfer_spread[t] = m != measured_.end() ? 0.0 : double(spread[2 * i]);
    }
  }

  void Plan(std::vector<HwEval>& hws, const std::vector<SwSample>& samples) {
    // The target hardware point.
    const HwEval* target = nullptr;
    const HwEval* best_known = nullptr;
    const HwEval* best_new = nullptr;
    std::vector<const HwEval*> feasible_new;
    for (HwEval& e : hws) {
      if (!e.defined || !e.penalties.empty()) continue;
      double spread = 0;
      const double v = PredictedModelLog(e, &spread);
      e.predicted_log = v;
      if (measured_hw_.count(Key(e.hw))) {
        if (!best_known || v > best_known->predicted_log) best_known = &e;
      } else {
        // A point never measured is ranked optimistically: its prediction plus `optimism` x the cost
        // model's spread there (work-weighted over the tasks' schedules it was judged by).
        e.predicted_log = v + p_.optimism * spread;
        feasible_new.push_back(&e);
        if (!best_new || e.predicted_log > best_new->predicted_log) best_new = &e;
      }
    }
    const bool may_build = int64_t(measured_hw_.size()) < p_.max_hardware;
    if (stats_.rounds == 1 || !best_known) {
      for (const HwEval& e : hws)
        if (e.hw == base_ && e.defined && e.penalties.empty()) target = &e;
    }
    if (!target) {
      target = best_known;
      // The first rounds after the base point measure new points (the cost model learns how the hardware
      // matters only from measurements on several points): the most promising one, optimistically ranked.
      // Later a new point must promise `build_margin` more, except in the `random_hardware` share of rounds,
      // which measure a random new feasible one.
      const bool warmup = stats_.rounds <= 1 + p_.hardware_warmup;
      if (may_build && best_new &&
          (warmup || !best_known ||
           best_new->predicted_log > best_known->predicted_log + std::log2(1 + p_.build_margin)))
        target = best_new;
      if (may_build && !feasible_new.empty() && !warmup && rng_.Uniform() < p_.random_hardware)
        target = feasible_new[rng_.Below(feasible_new.size())];
    }
    if (!target) {
      for (const HwEval& e : hws)
        if (e.defined && e.penalties.empty()) target = &e;
    }
    if (!target) return;  // nothing feasible this round: the agents learned from the penalties
    // A share of the plan goes to the runner-up (measured or new): a hardware point is judged by the
    // schedules found on it, and one round of them is rarely enough.
    const HwEval* second = nullptr;
    for (const HwEval& e : hws) {
      if (stats_.rounds == 1) break;  // the first round measures the base point only
      if (&e == target || !e.defined || !e.penalties.empty()) continue;
      if (!measured_hw_.count(Key(e.hw)) && !may_build) continue;
      if (!second || e.predicted_log > second->predicted_log) second = &e;
    }
    const int second_plan = second ? int(std::lround(p_.second_share * p_.plan_size)) : 0;
    PlanOn(*target, p_.plan_size - second_plan, samples);
    if (second_plan > 0) PlanOn(*second, second_plan, samples);
  }

  // Confidence sampling of `plan` measurements on one hardware point.
  void PlanOn(const HwEval& e, int plan, const std::vector<SwSample>& samples) {
    const size_t nt = problem_.NumTasks();
    const HwEval* target = &e;
    // The plan split over tasks by their predicted share of the model's cycles (at least one each; two
    // on a hardware point without measurements of the task, so its model throughput becomes known).
    const auto known = best_.find(Key(target->hw));
    std::vector<double> share(nt);
    double total = 0;
    for (size_t t = 0; t < nt; ++t) {
      double s = target->best_s[t];
      if (known != best_.end() && t < known->second.size() && known->second[t].found)
        s = std::max(s, std::log2(problem_.TaskOps(t) / known->second[t].cycles));
      share[t] = s < -1e8 ? 1.0 : problem_.TaskCount(t) * problem_.TaskOps(t) / std::exp2(s);
      total += share[t];
    }
    std::vector<int> quota(nt);
    int assigned = 0;
    for (size_t t = 0; t < nt; ++t) {
      const bool has = known != best_.end() && t < known->second.size() && known->second[t].found;
      quota[t] = std::max(has ? 1 : 2, int(std::floor(double(plan) * share[t] / total)));
      assigned += quota[t];
    }
    for (size_t t = 0; assigned < plan; t = (t + 1) % nt, ++assigned) ++quota[t];

    for (size_t t = 0; t < nt; ++t) {
      std::vector<Point> chosen;
      // The incumbent's best schedule carried over to this point first (the same software on new hardware).
      if (t < target->transfer.size() && !target->transfer[t].empty() && quota[t] > 0 &&
          proposed_.insert(Key(target->hw, t, target->transfer[t])).second)
        chosen.push_back(target->transfer[t]);
      std::vector<size_t> pool;
      std::set<std::string> seen;
      for (size_t i : target->groups[t]) {
        const SwSample& s = samples[i];
        if (!s.valid) continue;
        const std::string k = Key(target->hw, t, s.sw);
        if (proposed_.count(k) || !seen.insert(k).second) continue;
        pool.push_back(i);
      }
      const int n_random = p_.confidence_sampling ? int(std::lround(p_.random_fraction * quota[t])) : 0;
      std::vector<size_t> kept;
      if (p_.confidence_sampling) {
        double max_lp = -1e30;
        for (size_t i : pool) max_lp = std::max(max_lp, double(samples[i].log_prob_map + samples[i].log_prob_sched));
        const double nk = double(map_knobs_.size() + sched_knobs_.size());
        for (size_t i : pool) {
          const SwSample& s = samples[i];
          const double policy = std::exp((double(s.log_prob_map + s.log_prob_sched) - max_lp) / nk);
          const double model = std::exp(-double(s.spread) / p_.confidence_scale);
          const double conf = std::sqrt(policy * model);
          const double keep = 1 / (1 + std::exp(-(conf - p_.confidence_threshold) / 0.05));
          if (rng_.Uniform() < keep) kept.push_back(i);
        }
      } else {
        kept = pool;
      }
      std::stable_sort(kept.begin(), kept.end(), [&](size_t a, size_t b) { return samples[a].s > samples[b].s; });
      for (size_t i : kept) {
        if (int(chosen.size()) >= quota[t] - n_random) break;
        chosen.push_back(samples[i].sw);
      }
      for (const Point& sw : chosen) proposed_.insert(Key(target->hw, t, sw));
      // The random share, and whatever the kept candidates could not fill.
      SpaceTools& tools = Tools(t, target->hw);
      IndexSet exclude;
      for (const Point& sw : chosen) exclude.insert(tools.indexer.Index(sw));
      for (const auto& k : proposed_by_space_[Key(target->hw) + '/' + std::to_string(t)]) exclude.insert(k);
      while (int(chosen.size()) < quota[t]) {
        const std::optional<uint64_t> idx = tools.sampler.Sample(rng_, exclude);
        if (!idx) break;
        exclude.insert(*idx);
        Point sw = tools.indexer.At(*idx);
        if (!proposed_.insert(Key(target->hw, t, sw)).second) continue;
        chosen.push_back(std::move(sw));
        ++stats_.random_proposals;
      }
      auto& by_space = proposed_by_space_[Key(target->hw) + '/' + std::to_string(t)];
      for (const Point& sw : chosen) {
        by_space.push_back(tools.indexer.Index(sw));
        queue_.push_back({target->hw, t, sw});
      }
    }
  }

  const Problem& problem_;
  nlohmann::json param_values_;  // before p_, which fills it
  Params p_;
  uint64_t seed_;
  Rng rng_;
  std::vector<int> hw_sizes_;
  std::vector<size_t> map_knobs_, sched_knobs_;
  size_t tf_ = 0, hf_ = 0, sf_ = 0, pf_ = 0, xdim_ = 0;
  Point base_;
  std::vector<float> model_obs_;
  std::vector<double> work_share_;
  std::unique_ptr<Actor> hw_actor_, map_actor_, sched_actor_;
  std::unique_ptr<CostCritic> model_;
  std::unique_ptr<CostCritic> hw_critic_, map_critic_, sched_critic_;  // independent_critics only
  CostCritic::CostExamples cost_;
  float offset_ = 0;
  CostCritic::CriticExamples replay_, replay_hw_, replay_map_, replay_sched_;
  std::vector<Candidate> queue_;
  bool exhausted_ = false;
  std::unordered_set<std::string> proposed_, measured_hw_;
  std::unordered_map<std::string, std::vector<uint64_t>> proposed_by_space_;
  std::unordered_map<std::string, MeasuredValue> measured_;
  std::map<std::string, std::vector<TaskBest>> best_;
  std::map<std::string, Point> best_hw_points_, measured_hw_points_;
  std::unordered_map<std::string, std::unique_ptr<SpaceTools>> tools_;
  CoTunerStats stats_;
};

}  // namespace

std::unique_ptr<CoTuner> Create(const Problem& problem, const TunerOptions& opts) {
  return std::make_unique<DcocTuner>(problem, opts);
}

std::string Describe() {
  return "DCOC: hardware, mapping and scheduling actor-critic agents with a centralized critic, a cost model "
         "sharing its encoder, penalties and confidence sampling (plan_size 64, hardware_samples 8, "
         "software_samples 32, penalty 2, confidence_threshold 0.5, random_fraction 0.1, build_margin 0.05, "
         "max_hardware 16, local_moves)";
}

}  // namespace dcoc::agents::codesign
