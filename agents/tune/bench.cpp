#include "agents/tune/bench.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>
#include <fstream>
#include <set>
#include <thread>

#include "host/common/error.h"
#include "host/compiler/space.h"

namespace dcoc::agents::tune {

namespace {

std::string RunKey(const std::string& layer, const std::string& tuner, uint64_t seed, int64_t trials) {
  return fmt::format("{}|{}|{}|{}", layer, tuner, seed, trials);
}

// The machine, for the record (benchmarks quote it).
nlohmann::ordered_json Machine() {
  nlohmann::ordered_json m;
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  m["host"] = host;
  m["cpus"] = std::thread::hardware_concurrency();
  std::ifstream cpuinfo("/proc/cpuinfo");
  for (std::string line; std::getline(cpuinfo, line);)
    if (line.rfind("model name", 0) == 0) {
      m["cpu"] = line.substr(line.find(':') + 2);
      break;
    }
  std::ifstream meminfo("/proc/meminfo");
  for (std::string line; std::getline(meminfo, line);)
    if (line.rfind("MemTotal", 0) == 0) {
      m["memory"] = line.substr(line.find_first_of("0123456789"));
      break;
    }
  return m;
}

std::string UtcNow() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// The layer's entry: shape, valid points, how much of the space the database holds, the best known.
nlohmann::ordered_json LayerInfo(const TuneTask& t, const BenchOptions& opts, const spec::Spec& s,
                                 const measure::Database& db, const nlohmann::ordered_json& runs) {
  nlohmann::ordered_json j;
  const std::string key = compiler::TaskKey(t.layer);
  const compiler::ScheduleSpace space(t.layer, s);
  j["name"] = t.name;
  j["shape"] = t.layer.Describe();
  j["task_key"] = key;
  j["macs"] = t.layer.Macs();
  j["valid_points"] = space.CountValid();
  measure::RecordQuery q;
  q.task = key;
  q.config_hash = measure::ConfigHashHex(opts.config);
  q.backend = opts.backend;
  std::set<std::string> seen;
  db.ForEachRecord(q, [&](const measure::Measurement& m) {
    if (measure::Deterministic(m.status)) seen.insert(compiler::ToJson(m.schedule).dump());
  });
  j["points_in_database"] = seen.size();
  j["exhaustive"] = seen.size() >= space.CountValid();
  // The database's best (timed backends); else the best of the runs (fsim: the estimate).
  uint64_t cycles = 0;
  nlohmann::ordered_json schedule;
  if (std::optional<measure::Measurement> best = db.Best(key, q.config_hash, opts.backend)) {
    cycles = best->cycles;
    schedule = compiler::ToJson(best->schedule);
  }
  for (const nlohmann::ordered_json& r : runs)
    if (r["layer"] == t.name && r["best_cycles"].get<uint64_t>() > 0 &&
        (cycles == 0 || r["best_cycles"].get<uint64_t>() < cycles)) {
      cycles = r["best_cycles"];
      schedule = r["best_schedule"];
    }
  j["best_known"] = cycles ? nlohmann::ordered_json{{"cycles", cycles},
                                                    {"gops", Gops(t.layer.Macs(), cycles, s)},
                                                    {"schedule", schedule}}
                           : nlohmann::ordered_json(nullptr);
  return j;
}

// A run's boolean field (absent: false).
bool Flag(const nlohmann::ordered_json& j, const char* key) {
  const auto it = j.find(key);
  return it != j.end() && *it == true;
}

double Mean(const std::vector<double>& v) {
  if (v.empty()) return 0;
  double s = 0;
  for (double x : v) s += x;
  return s / double(v.size());
}

double Sd(const std::vector<double>& v) {
  if (v.size() < 2) return 0;
  const double m = Mean(v);
  double s = 0;
  for (double x : v) s += (x - m) * (x - m);
  return std::sqrt(s / double(v.size() - 1));
}

}  // namespace

nlohmann::ordered_json RunBench(const BenchOptions& opts, measure::Session& session, const measure::Database& db,
                                const std::function<void(const BenchEvent&)>& on_event, const std::atomic<bool>* stop,
                                const nlohmann::ordered_json& previous,
                                const std::function<void(const nlohmann::ordered_json&)>& checkpoint) {
  if (opts.layers.empty()) throw UsageError("bench tuners: no layer (--layers)");
  if (opts.tuners.empty()) throw UsageError("bench tuners: no tuner (--tuners)");
  if (opts.seeds < 1) throw UsageError(fmt::format("--seeds {}: must be at least 1", opts.seeds));
  if (opts.trials < 1) throw UsageError(fmt::format("--trials {}: must be at least 1", opts.trials));
  for (double f : opts.fractions)
    if (!(f > 0 && f <= 1)) throw UsageError(fmt::format("fraction {}: must be in (0, 1]", f));
  const spec::Spec s = spec::Spec::Create(opts.config);

  std::map<std::string, nlohmann::ordered_json> reuse;
  if (previous.is_object() && previous.contains("runs"))
    for (const nlohmann::ordered_json& r : previous["runs"])
      if (!Flag(r, "interrupted")) reuse[RunKey(r["layer"], r["tuner"], r["seed"], r["trials"])] = r;

  nlohmann::ordered_json res;
  res["command"] = opts.command;
  res["date"] = UtcNow();
  res["machine"] = Machine();
  res["config"] = s.tag;
  res["clock_mhz"] = s.config.clock_mhz;
  res["backend"] = opts.backend;
  res["trials"] = opts.trials;
  res["seeds"] = opts.seeds;
  res["cycle_bound"] = opts.cycle_bound;
  res["workers"] = opts.workers;
  res["tuners"] = opts.tuners;
  res["fractions"] = opts.fractions;
  res["runs"] = nlohmann::ordered_json::array();
  bool interrupted = false;
  const auto finish = [&] {
    res["interrupted"] = interrupted;
    res["layers"] = nlohmann::ordered_json::array();
    for (const TuneTask& layer : opts.layers) res["layers"].push_back(LayerInfo(layer, opts, s, db, res["runs"]));
    res["summary"] = Summarize(res);
  };
  const size_t total_runs = opts.layers.size() * opts.tuners.size() * size_t(opts.seeds);
  size_t run_index = 0;
  for (const TuneTask& layer : opts.layers) {
    for (const std::string& tuner : opts.tuners) {
      for (uint64_t seed = 1; seed <= uint64_t(opts.seeds) && !interrupted; ++seed, ++run_index) {
        if (auto it = reuse.find(RunKey(layer.name, tuner, seed, opts.trials)); it != reuse.end()) {
          res["runs"].push_back(it->second);
          continue;
        }
        TuneOptions to;
        to.tuner = tuner;
        if (auto p = opts.params.find(tuner); p != opts.params.end()) to.params = p->second;
        to.trials = opts.trials;
        to.seed = seed;
        to.config = opts.config;
        to.backend = opts.backend;
        to.cycle_bound = opts.cycle_bound;
        to.chunk = opts.chunk;
        const TuneResult r = Tune(
            {layer}, to, session, &db,
            [&](const TuneEvent& e) {
              if (on_event) on_event(BenchEvent{run_index, total_runs, layer.name, tuner, seed, &e});
            },
            stop);
        const TaskResult& t = r.tasks[0];
        nlohmann::ordered_json run;
        run["layer"] = layer.name;
        run["tuner"] = tuner;
        run["seed"] = seed;
        run["trials"] = opts.trials;
        run["measurements"] = t.samples.size();
        run["best_cycles"] = t.best ? t.best->cycles : 0;
        run["best_schedule"] = t.best ? nlohmann::ordered_json(compiler::ToJson(t.best->schedule)) : nullptr;
        if (t.best_is_default) run["best_is_default"] = true;  // no trial beat the measured default (curve: trials)
        std::vector<uint64_t> curve;
        uint64_t best = 0;
        for (const Sample& x : t.samples) {
          if (x.status == measure::Status::kOk && x.cycles > 0 && (best == 0 || x.cycles < best)) best = x.cycles;
          curve.push_back(best);
        }
        run["curve_cycles"] = curve;
        run["memoized"] = t.memoized;
        run["failed"] = t.failed;
        run["exhausted"] = t.exhausted;
        run["measure_seconds"] = t.measure_seconds;
        run["fit_seconds"] = t.fit_seconds;
        run["search_seconds"] = t.search_seconds;
        run["wall_seconds"] = t.wall_seconds;
        run["cost_seconds"] = t.cost_seconds;
        run["interrupted"] = r.interrupted;
        res["runs"].push_back(std::move(run));
        interrupted = r.interrupted;
        if (checkpoint) {
          finish();
          checkpoint(res);
        }
      }
    }
  }
  finish();
  return res;
}

nlohmann::ordered_json Summarize(const nlohmann::ordered_json& results) {
  const double clock_hz = results["clock_mhz"].get<double>() * 1e6;
  const auto gops = [&](int64_t macs, uint64_t cycles) {
    return cycles ? 2.0 * double(macs) / (double(cycles) / clock_hz) / 1e9 : 0.0;
  };
  const std::vector<double> fractions = results["fractions"].get<std::vector<double>>();
  nlohmann::ordered_json summary = nlohmann::ordered_json::array();
  std::map<std::string, std::vector<double>> tuner_fraction;  // per tuner: each layer's mean fraction
  for (const nlohmann::ordered_json& layer : results["layers"]) {
    const std::string name = layer["name"];
    const int64_t macs = layer["macs"];
    const uint64_t known = layer["best_known"].is_null() ? 0 : layer["best_known"]["cycles"].get<uint64_t>();
    for (const nlohmann::ordered_json& tuner_j : results["tuners"]) {
      const std::string tuner = tuner_j;
      std::vector<double> final_gops, frac, measure_s, fit_s, search_s, wall_s, cost_s;
      std::vector<std::vector<double>> reach(fractions.size());
      std::vector<int> reached(fractions.size(), 0);
      int n = 0;
      for (const nlohmann::ordered_json& run : results["runs"]) {
        if (run["layer"] != name || run["tuner"] != tuner || Flag(run, "interrupted")) continue;
        ++n;
        const uint64_t best = run["best_cycles"];
        final_gops.push_back(gops(macs, best));
        if (known && best) frac.push_back(double(known) / double(best));
        measure_s.push_back(run["measure_seconds"]);
        fit_s.push_back(run["fit_seconds"]);
        search_s.push_back(run["search_seconds"]);
        wall_s.push_back(run["wall_seconds"]);
        cost_s.push_back(run.value("cost_seconds", 0.0));
        const std::vector<uint64_t> curve = run["curve_cycles"];
        for (size_t f = 0; f < fractions.size() && known; ++f) {
          for (size_t i = 0; i < curve.size(); ++i)
            if (curve[i] && double(known) / double(curve[i]) >= fractions[f] - 1e-12) {
              reach[f].push_back(double(i + 1));
              ++reached[f];
              break;
            }
        }
      }
      if (n == 0) continue;
      nlohmann::ordered_json e;
      e["layer"] = name;
      e["tuner"] = tuner;
      e["runs"] = n;
      e["final_gops_mean"] = Mean(final_gops);
      e["final_gops_sd"] = Sd(final_gops);
      e["fraction_of_best_mean"] = frac.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(Mean(frac));
      e["fraction_of_best_min"] = frac.empty() ? nlohmann::ordered_json(nullptr)
                                               : nlohmann::ordered_json(*std::min_element(frac.begin(), frac.end()));
      e["reach"] = nlohmann::ordered_json::array();
      for (size_t f = 0; f < fractions.size(); ++f)
        e["reach"].push_back({{"fraction", fractions[f]},
                              {"runs_reached", reached[f]},
                              {"measurements_mean", reach[f].empty() ? nlohmann::ordered_json(nullptr)
                                                                     : nlohmann::ordered_json(Mean(reach[f]))}});
      e["measure_seconds"] = Mean(measure_s);
      e["fit_seconds"] = Mean(fit_s);
      e["search_seconds"] = Mean(search_s);
      e["wall_seconds"] = Mean(wall_s);
      e["cost_seconds"] = Mean(cost_s);
      // The tuner's share of the run had nothing been memoized: its own time against that plus the
      // measurements' own time spread over the workers.
      const double tuner_s = Mean(fit_s) + Mean(search_s);
      const double alone_s = tuner_s + Mean(cost_s) / double(std::max(1, results.value("workers", 1)));
      e["tuner_share"] = alone_s > 0 ? tuner_s / alone_s : 0.0;
      if (!frac.empty()) tuner_fraction[tuner].push_back(Mean(frac));
      summary.push_back(std::move(e));
    }
  }
  nlohmann::ordered_json overall = nlohmann::ordered_json::array();
  for (const nlohmann::ordered_json& tuner_j : results["tuners"]) {
    const std::vector<double>& v = tuner_fraction[tuner_j.get<std::string>()];
    if (v.empty()) continue;
    double log_sum = 0;
    for (double x : v) log_sum += std::log(x);
    overall.push_back(
        {{"tuner", tuner_j}, {"layers", v.size()}, {"fraction_of_best_geomean", std::exp(log_sum / double(v.size()))}});
  }
  return {{"per_layer", summary}, {"per_tuner", overall}};
}

}  // namespace dcoc::agents::tune
