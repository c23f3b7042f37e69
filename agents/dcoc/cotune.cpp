#include "agents/dcoc/cotune.h"

#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "host/common/error.h"
#include "host/common/shell.h"
#include "host/compiler/space.h"

namespace dcoc::agents::codesign {

namespace {

double Now() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }

#ifdef DCOC_DCOC_MODULE
std::filesystem::path ModulePath() {
  char self[4096];
  const ssize_t n = ::readlink("/proc/self/exe", self, sizeof self - 1);
  if (n > 0) {
    const std::filesystem::path beside =
        std::filesystem::path(std::string(self, size_t(n))).parent_path() / "libdcoc_dcoc.so";
    if (std::filesystem::exists(beside)) return beside;
  }
  return DCOC_DCOC_MODULE;
}
#endif

// What a checkpoint must match to be resumed here (the tuner checks its own parameters and seed).
nlohmann::json RunIdentity(const VtaProblem& problem, const CoTuneOptions& opts) {
  nlohmann::json tasks = nlohmann::json::array(), knobs = nlohmann::json::array();
  for (const VtaTask& t : problem.tasks()) tasks.push_back({t.name, t.count, compiler::ToJson(t.layer)});
  for (const KnobDesc& k : problem.HardwareKnobs()) knobs.push_back({k.name, k.values});
  return {{"tasks", tasks},
          {"hardware_knobs", knobs},
          {"base", problem.BaseHardware()},
          {"board", problem.board().name},
          {"backend", opts.backend}};
}

// The driver's own state beside the tuner's: the best measurement per (configuration, task).
using BestMap = std::map<std::pair<std::string, size_t>, measure::Measurement>;

constexpr const char* kCheckpointFormat = "dcoc tune checkpoint 1";

void WriteCheckpoint(const std::string& path, const nlohmann::json& identity, const CoTuner& tuner, int64_t done,
                     const CoTuneResult& r, const BestMap& best) {
  nlohmann::json j;
  j["format"] = kCheckpointFormat;
  j["run"] = identity;
  j["done"] = done;
  j["memoized"] = r.memoized;
  j["measure_seconds"] = r.measure_seconds;
  j["default_probes"] = r.default_probes;
  j["probe_build_seconds"] = r.probe_build_seconds;
  nlohmann::json b = nlohmann::json::array();
  for (const auto& [key, m] : best) b.push_back({key.first, key.second, ToJson(m)});
  j["best"] = std::move(b);
  const std::string state = tuner.Checkpoint();
  j["tuner"] = nlohmann::json::binary(std::vector<uint8_t>(state.begin(), state.end()));
  const std::vector<uint8_t> bytes = nlohmann::json::to_msgpack(j);
  const std::string tmp = path + ".tmp";
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    f.write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
    f.flush();
    if (!f) throw Error(fmt::format("cannot write checkpoint {}", tmp));
  }
  std::filesystem::rename(tmp, path);
}

// Restores the tuner's and the driver's state; returns the measurements done.
int64_t ReadCheckpoint(const std::string& path, const nlohmann::json& identity, CoTuner& tuner, CoTuneResult& r,
                       BestMap& best) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream content;
  content << f.rdbuf();
  if (!f) throw Error(fmt::format("cannot read checkpoint {}", path));
  const std::string bytes = content.str();
  try {
    const nlohmann::json j = nlohmann::json::from_msgpack(bytes);
    if (!j.is_object() || !j.contains("format") || j["format"] != kCheckpointFormat)
      throw UsageError(fmt::format("{} is not a dcoc tune checkpoint", path));
    if (j["run"] != identity)
      throw UsageError(fmt::format(
          "checkpoint {} is of another run (other tasks, hardware space, board or backend): remove it or write this "
          "run elsewhere",
          path));
    const auto& state = j["tuner"].get_binary();
    try {
      tuner.Restore(std::string(state.begin(), state.end()));
    } catch (const UsageError& e) {
      throw UsageError(fmt::format("checkpoint {}: {}: remove it or write this run elsewhere", path, e.what()));
    }
    r.memoized = j["memoized"].get<int64_t>();
    r.measure_seconds = j["measure_seconds"].get<double>();
    r.default_probes = j.value("default_probes", int64_t(0));  // absent in checkpoints before the probes
    r.probe_build_seconds = j.value("probe_build_seconds", 0.0);
    for (const nlohmann::json& b : j["best"])
      best[{b[0].get<std::string>(), b[1].get<size_t>()}] = measure::MeasurementFromJson(b[2]);
    return j["done"].get<int64_t>();
  } catch (const nlohmann::json::exception& e) {
    throw UsageError(fmt::format("checkpoint {} is damaged ({}): remove it to start afresh", path, e.what()));
  }
}

// Per (config tag, task): the cycles of the compiler's default schedule there (0: failed or untimed).
using DefaultMap = std::map<std::pair<std::string, size_t>, uint64_t>;

// Measures default-schedule probes (not trials; stored in the database, memoized when known) and records
// their cycles under `keys` (0: failed or untimed), their number and the model builds they paid for.
void MeasureProbes(std::vector<measure::Request> probes, const std::vector<std::pair<std::string, size_t>>& keys,
                   DefaultMap& defaults, measure::Session& session, CoTuneResult& r) {
  if (probes.empty()) return;
  const std::vector<measure::Measurement> ms = session.Measure(std::move(probes));
  r.default_probes += int64_t(ms.size());
  // seconds > 0: a timed measurement (on an untimed backend `cycles` holds the estimate, and no bound applies).
  for (size_t i = 0; i < ms.size(); ++i) {
    r.probe_build_seconds += ms[i].wall.build;
    defaults[keys[i]] = ms[i].status == measure::Status::kOk && ms[i].seconds > 0 ? ms[i].cycles : 0;
  }
}

// Measures the default schedule (the estimate's best) of every (configuration, task) the batch reaches
// without a result of this run there: the bound's reference until the run has one, as for the baselines
// (agents/tune). Not a trial: stored in the database like any measurement, memoized when known.
void MeasureDefaults(const std::vector<Candidate>& cs, const std::vector<measure::Request>& batch, const BestMap& best,
                     DefaultMap& defaults, measure::Session& session, CoTuneResult& r) {
  std::vector<measure::Request> probes;
  std::vector<std::pair<std::string, size_t>> keys;
  for (size_t i = 0; i < batch.size(); ++i) {
    auto key = std::make_pair(spec::ConfigTag(batch[i].config), cs[i].task);
    if (best.count(key) || defaults.count(key)) continue;
    defaults[key] = 0;
    measure::Request q = batch[i];
    q.schedule = compiler::DefaultSchedule(q.layer, spec::Spec::Create(q.config));
    q.max_cycles = 0;
    probes.push_back(std::move(q));
    keys.push_back(std::move(key));
  }
  MeasureProbes(std::move(probes), keys, defaults, session, r);
}

// The cycle bound of each request (CoTuneOptions::cycle_bound): f x this run's fastest exact cycles of its
// (configuration, task). Without one, the batch's first request of it runs unbounded (so the run has a
// result there whatever it drew) and the rest stop at f x the fewer of the default schedule's cycles there
// and this run's best of the task on any hardware (on a new hardware point, schedules slower than that are
// not what the search is after). Records of other runs in the database play no part: a shared database
// does not change what the run measures.
void SetBounds(const std::vector<Candidate>& cs, std::vector<measure::Request>& batch, const BestMap& best,
               const DefaultMap& defaults, double f) {
  std::map<size_t, uint64_t> any_hardware;
  for (const auto& [key, m] : best)
    if (m.seconds > 0) {
      auto [it, fresh] = any_hardware.emplace(key.second, m.cycles);
      if (!fresh) it->second = std::min(it->second, m.cycles);
    }
  std::set<std::pair<std::string, size_t>> unbounded;
  for (size_t i = 0; i < batch.size(); ++i) {
    measure::Request& q = batch[i];
    const auto key = std::make_pair(spec::ConfigTag(q.config), cs[i].task);
    uint64_t known = 0;
    if (const auto own = best.find(key); own != best.end() && own->second.seconds > 0) {
      known = own->second.cycles;
    } else if (!unbounded.insert(key).second) {
      if (const auto d = defaults.find(key); d != defaults.end()) known = d->second;
      if (const auto a = any_hardware.find(cs[i].task); a != any_hardware.end())
        known = known ? std::min(known, a->second) : a->second;
    }
    q.max_cycles = known ? uint64_t(std::ceil(f * double(known))) : 0;
  }
}

// The design's schedules are the agents' trials; the default schedules the run measured as references are
// candidates too: where one is faster on the chosen hardware, the result keeps it. Defaults the run has not
// measured there (a resumed run forgets them) are measured now, memoized when the database has them.
void KeepFasterDefaults(const VtaProblem& problem, const CoTuneOptions& opts, const std::string& tag,
                        DefaultMap& defaults, measure::Session& session, CoTuneResult& r) {
  std::vector<measure::Request> probes;
  std::vector<std::pair<std::string, size_t>> keys;
  for (size_t t = 0; t < problem.NumTasks(); ++t) {
    if (defaults.count({tag, t})) continue;
    measure::Request q;
    q.layer = problem.tasks()[t].layer;
    q.config = *r.config;
    q.backend = opts.backend;
    if (opts.backend == "systemc") q.board = problem.board().name;
    q.schedule = compiler::DefaultSchedule(q.layer, spec::Spec::Create(q.config));
    q.seed = opts.seed;
    probes.push_back(std::move(q));
    keys.emplace_back(tag, t);
  }
  const double m0 = Now();
  MeasureProbes(std::move(probes), keys, defaults, session, r);
  r.measure_seconds += Now() - m0;
  r.default_faster.assign(problem.NumTasks(), 0);
  for (size_t t = 0; t < problem.NumTasks(); ++t) {
    const uint64_t d = defaults[{tag, t}];
    if (d > 0 && double(d) < r.best.task_cycles[t]) r.default_faster[t] = d;
  }
}

}  // namespace

std::unique_ptr<CoTuner> LoadCoTuner(const Problem& problem, const TunerOptions& opts) {
#ifdef DCOC_DCOC_MODULE
  using Create = CoTuner* (*)(const Problem*, const TunerOptions*, std::string*);
  const auto create = reinterpret_cast<Create>(LoadSymbol(ModulePath(), "dcoc_create_codesign"));
  std::string error;
  std::unique_ptr<CoTuner> t(create(&problem, &opts, &error));
  if (!t) throw UsageError(error);
  return t;
#else
  (void)problem;
  (void)opts;
  throw UsageError("tuner dcoc needs LibTorch, which this build does not have (install libtorch-dev)");
#endif
}

CoTuneResult CoTune(const VtaProblem& problem, const CoTuneOptions& opts, measure::Session& session,
                    const std::function<void(const CoTuneEvent&)>& on_event, const std::atomic<bool>* stop) {
  const double start = Now();
  if (opts.cycle_bound != 0 && opts.cycle_bound < 1)
    throw UsageError(fmt::format("--cycle-bound {}: must be 0 (no bound) or at least 1", opts.cycle_bound));
  TunerOptions to;
  to.seed = opts.seed;
  to.params = opts.params;
  std::unique_ptr<CoTuner> tuner = LoadCoTuner(problem, to);
  CoTuneResult r;
  // Per (config tag, task): the fastest ok measurement (its cycles filled in from the estimate on fsim).
  BestMap best;
  DefaultMap defaults;
  int64_t done = 0;
  const nlohmann::json identity = opts.checkpoint.empty() ? nlohmann::json() : RunIdentity(problem, opts);
  if (!opts.checkpoint.empty() && std::filesystem::exists(opts.checkpoint)) {
    const double c0 = Now();
    done = r.resumed = ReadCheckpoint(opts.checkpoint, identity, *tuner, r, best);
    r.measured = done;
    r.checkpoint_seconds += Now() - c0;
  }
  while (done < opts.trials) {
    if (stop && stop->load()) {
      r.interrupted = true;
      break;
    }
    const std::vector<Candidate> cs = tuner->Propose(int(std::min<int64_t>(opts.trials - done, 4096)));
    if (cs.empty()) {
      r.exhausted = true;
      break;
    }
    std::vector<measure::Request> batch;
    for (const Candidate& c : cs) {
      measure::Request q;
      q.layer = problem.tasks()[c.task].layer;
      q.config = *problem.Config(c.hardware);
      q.backend = opts.backend;
      if (opts.backend == "systemc") q.board = problem.board().name;
      q.schedule = problem.ScheduleAt(c.task, c.hardware, c.software);
      q.seed = opts.seed;
      batch.push_back(std::move(q));
    }
    Design current = tuner->Best();
    // The round's target hardware (its plan starts there; a share may go to the runner-up).
    if (on_event) on_event({nullptr, spec::ConfigTag(batch.front().config), 0, done, opts.trials, &current});
    const double m0 = Now();
    if (opts.cycle_bound > 0) {
      MeasureDefaults(cs, batch, best, defaults, session, r);
      SetBounds(cs, batch, best, defaults, opts.cycle_bound);
    }
    int64_t in_batch = 0;
    const std::vector<measure::Measurement> ms = session.Measure(batch, [&](const measure::Progress& p) {
      // Each measurement with its own configuration: a round's plan spans two hardware points.
      if (on_event && p.measurement)
        on_event({p.measurement, p.measurement->config_tag, cs[p.index].task, done + ++in_batch, opts.trials, &current});
    });
    r.measure_seconds += Now() - m0;
    std::vector<Outcome> outs;
    for (size_t i = 0; i < cs.size(); ++i) {
      const measure::Measurement& m = ms[i];
      Outcome o;
      o.candidate = cs[i];
      o.build_seconds = m.wall.build;
      if (m.status == measure::Status::kOk || m.status == measure::Status::kCycleBound) {
        o.ok = true;
        o.cycles = m.Cost();
        o.lower_bound = m.status == measure::Status::kCycleBound;
      }
      if (m.memoized) ++r.memoized;
      if (m.status == measure::Status::kOk && m.Cost() > 0) {
        auto key = std::make_pair(m.config_tag, cs[i].task);
        auto it = best.find(key);
        if (it == best.end() || m.Cost() < double(it->second.cycles)) {
          measure::Measurement b = m;
          b.cycles = uint64_t(std::llround(m.Cost()));
          best[key] = std::move(b);
        }
      }
      outs.push_back(std::move(o));
    }
    done += int64_t(cs.size());
    r.measured = done;
    tuner->Observe(outs);
    if (!opts.checkpoint.empty()) {
      const double c0 = Now();
      WriteCheckpoint(opts.checkpoint, identity, *tuner, done, r, best);
      r.checkpoint_seconds += Now() - c0;
    }
  }
  r.best = tuner->Best();
  r.stats = tuner->Stats();
  if (r.best.found) {
    r.config = problem.Config(r.best.hardware);
    const std::string tag = spec::ConfigTag(*r.config);
    for (size_t t = 0; t < problem.NumTasks(); ++t) {
      const auto it = best.find({tag, t});
      r.task_best.push_back(it == best.end() ? std::nullopt : std::optional<measure::Measurement>(it->second));
    }
    if (opts.cycle_bound > 0) KeepFasterDefaults(problem, opts, tag, defaults, session, r);
  }
  r.wall_seconds = Now() - start;
  return r;
}

nlohmann::ordered_json ToJson(const CoTuneResult& r, const VtaProblem& problem, const CoTuneOptions& opts) {
  nlohmann::ordered_json j;
  j["tuner"] = "dcoc";
  j["board"] = problem.board().name;
  j["backend"] = opts.backend;
  j["seed"] = opts.seed;
  j["params"] = opts.params;  // the report labels ablations by them
  j["trials"] = opts.trials;
  j["measured"] = r.measured;
  j["memoized"] = r.memoized;
  j["resumed"] = r.resumed;
  if (r.best.found && r.config) {
    const spec::Spec s = spec::Spec::Create(*r.config);
    j["config"] = spec::ConfigToJson(*r.config);
    j["config_tag"] = spec::ConfigTag(*r.config);
    j["resources"] = boards::ToJson(problem.ResourcesOf(r.best.hardware));
    nlohmann::ordered_json tasks = nlohmann::ordered_json::array();
    double macs = 0, model_cycles = 0;
    for (size_t t = 0; t < problem.NumTasks(); ++t) {
      const VtaTask& task = problem.tasks()[t];
      nlohmann::ordered_json e;
      e["name"] = task.name;
      e["count"] = task.count;
      e["layer"] = compiler::ToJson(task.layer);
      const bool keep_default = t < r.default_faster.size() && r.default_faster[t] > 0;
      const double cycles = keep_default ? double(r.default_faster[t]) : r.best.task_cycles[t];
      e["schedule"] = compiler::ToJson(keep_default ? compiler::DefaultSchedule(task.layer, s)
                                                    : problem.ScheduleAt(t, r.best.hardware, r.best.schedules[t]));
      e["cycles"] = cycles;
      e["gops"] = 2.0 * double(task.layer.Macs()) / (cycles / (s.config.clock_mhz * 1e6)) / 1e9;
      if (keep_default) e["default_schedule"] = true;  // no trial on this hardware beat the measured default
      tasks.push_back(std::move(e));
      macs += double(task.count) * double(task.layer.Macs());
      model_cycles += double(task.count) * cycles;
    }
    j["tasks"] = std::move(tasks);
    const double seconds = model_cycles / (s.config.clock_mhz * 1e6);
    j["model"] = {{"cycles", model_cycles},
                  {"seconds", seconds},
                  {"gops", 2.0 * macs / seconds / 1e9},
                  {"inferences_per_second", 1.0 / seconds}};
  }
  const CoTunerStats& st = r.stats;
  nlohmann::ordered_json s;
  s["rounds"] = st.rounds;
  s["hardware_sampled"] = st.hardware_sampled;
  s["hardware_infeasible"] = st.hardware_infeasible;
  s["hardware_measured"] = st.hardware_measured;
  s["software_sampled"] = st.software_sampled;
  s["software_invalid"] = st.software_invalid;
  s["random_proposals"] = st.random_proposals;
  s["penalties"] = st.penalties;
  s["fit_seconds"] = st.fit_seconds;
  s["search_seconds"] = st.search_seconds;
  s["build_seconds"] = st.build_seconds + r.probe_build_seconds;
  s["default_probes"] = r.default_probes;
  s["measure_seconds"] = r.measure_seconds;
  s["checkpoint_seconds"] = r.checkpoint_seconds;
  s["wall_seconds"] = r.wall_seconds;
  s["infeasible_share"] = st.infeasible_share;
  j["stats"] = std::move(s);
  j["interrupted"] = r.interrupted;
  return j;
}

}  // namespace dcoc::agents::codesign
