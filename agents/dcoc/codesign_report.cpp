#include "agents/dcoc/codesign_report.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <optional>
#include <set>

#include "agents/common/tuner.h"
#include "boards/board.h"
#include "boards/fit.h"
#include "boards/resource_model.h"
#include "host/common/error.h"
#include "host/compiler/check.h"
#include "host/compiler/space.h"
#include "host/compiler/workloads.h"
#include "host/measure/database.h"
#include "host/spec/vta.h"

namespace dcoc::agents::codesign {

namespace {

using Json = nlohmann::ordered_json;

// ---- Reading ---------------------------------------------------------------------------------------------

struct Where {
  const std::string& file;
  size_t line;
  std::string context;  // "measurement event", "result event, task resnet18.C1", or empty
  [[noreturn]] void Fail(const std::string& what) const {
    throw FormatError(fmt::format("{}:{}: {}{}", file, line, context.empty() ? "" : context + ": ", what));
  }
};

const Json& Need(const Json& j, const char* key, const Where& w) {
  if (!j.is_object() || !j.contains(key)) w.Fail(fmt::format("field \"{}\" is missing", key));
  return j[key];
}

std::string String(const Json& j, const char* key, const Where& w) {
  const Json& v = Need(j, key, w);
  if (!v.is_string()) w.Fail(fmt::format("field \"{}\" is {}, expected a string", key, v.dump()));
  return v.get<std::string>();
}

double Number(const Json& j, const char* key, const Where& w) {
  const Json& v = Need(j, key, w);
  if (!v.is_number() || !std::isfinite(v.get<double>()) || v.get<double>() < 0)
    w.Fail(fmt::format("field \"{}\" is {}, expected a number >= 0", key, v.dump()));
  return v.get<double>();
}

int64_t Integer(const Json& j, const char* key, const Where& w) {
  const double v = Number(j, key, w);
  if (v != std::floor(v) || v > 9e15) w.Fail(fmt::format("field \"{}\" is {}, expected an integer", key, v));
  return int64_t(v);
}

double OptionalNumber(const Json& j, const char* key, const Where& w) {
  return j.contains(key) ? Number(j, key, w) : 0.0;
}

// The fields of a result line the report reads (checked here, so the analysis can take them as given).
void CheckResult(const Json& r, const Where& w) {
  const std::string tuner = String(r, "tuner", w);
  Integer(r, "seed", w);
  String(r, "backend", w);
  const bool dcoc = tuner == "dcoc";
  if (dcoc) {
    String(r, "board", w);
    if (r.contains("model")) {
      Number(Need(r, "model", w), "cycles", w);
      if (!Need(r, "config", w).is_object()) w.Fail("field \"config\" is not an object");
      String(r, "config_tag", w);
    }
    if (!Need(r, "stats", w).is_object()) w.Fail("field \"stats\" is not an object");
  } else {
    String(r, "config", w);
    Number(r, "wall_seconds", w);
    Need(r, "tasks", w);
  }
  if (r.contains("tasks")) {
    if (!r["tasks"].is_array()) w.Fail("field \"tasks\" is not an array");
    for (const Json& t : r["tasks"]) {
      const std::string name = String(t, "name", w);
      const Where tw{w.file, w.line, fmt::format("{}, task {}", w.context, name)};
      Integer(t, "count", tw);
      if (dcoc) {
        if (!Need(t, "layer", tw).is_object()) tw.Fail("field \"layer\" is not an object");
        Number(t, "cycles", tw);
      } else {
        String(t, "task_key", tw);
        for (const char* k : {"measure_seconds", "fit_seconds", "search_seconds", "cost_seconds"}) Number(t, k, tw);
        Integer(t, "memoized", tw);
        const Json& b = Need(t, "best", tw);
        if (!b.is_null()) Number(b, "cycles", tw), Number(b, "gops", tw);
      }
    }
  }
}

RunEvent::Kind KindOf(const std::string& e, const Where& w) {
  if (e == "task_start") return RunEvent::Kind::kTaskStart;
  if (e == "measurement") return RunEvent::Kind::kMeasurement;
  if (e == "task_end") return RunEvent::Kind::kTaskEnd;
  if (e == "round") return RunEvent::Kind::kRound;
  w.Fail(fmt::format("unknown event \"{}\" (expected task_start, measurement, task_end, round or result)", e));
}

// ---- Analysis --------------------------------------------------------------------------------------------

struct Task {
  std::string name, key;
  int64_t count = 1;
  double macs = 0;
};

// One (model, label, seed): its files stitched.
struct Run {
  std::string model, board, label, tuner;  // board: "" when unknown (a baseline without DCOC runs)
  uint64_t seed = 0;
  bool codesign = false;
  std::vector<const RunFile*> files;  // contributing, in order
  std::vector<RunEvent> events;
  const RunFile* last = nullptr;
  int64_t total = 0, starts_at = 0;
  std::vector<std::string> superseded;  // files replaced by a later re-run from 0
};

std::string ModelOf(const RunFile& f) {
  std::string name;
  if (f.result.contains("tasks") && !f.result["tasks"].empty()) name = f.result["tasks"][0]["name"];
  for (const RunEvent& e : f.events)
    if (name.empty() && !e.task.empty()) name = e.task;
  return name.substr(0, name.find('.'));
}

double Mean(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return v.empty() ? 0 : s / double(v.size());
}

double Geomean(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += std::log(x);
  return v.empty() ? 0 : std::exp(s / double(v.size()));
}

Json Stats(const std::vector<double>& v) {
  if (v.empty()) return nullptr;
  return Json{{"mean", Mean(v)},
              {"min", *std::min_element(v.begin(), v.end())},
              {"max", *std::max_element(v.begin(), v.end())}};
}

// The first n (1-based) at which a curve (cycles per measurement, 0 = no design) is at or below `target`.
Json FirstReach(const std::vector<double>& curve, double target) {
  for (size_t i = 0; i < curve.size(); ++i)
    if (curve[i] > 0 && curve[i] <= target * (1 + 1e-12)) return int64_t(i + 1);
  return nullptr;
}

class Analyzer {
 public:
  Analyzer(const CodesignReportOptions& opts) : opts_(opts) {}

  Json RunJson(const Run& run, std::map<std::string, Task>& tasks, double clock_hz, double model_macs) {
    const Json& r = run.last->result;
    Json j;
    j["label"] = run.label;
    j["tuner"] = run.tuner;
    j["seed"] = run.seed;
    j["files"] = Json::array();
    for (const RunFile* f : run.files) j["files"].push_back(f->path);
    if (!run.superseded.empty()) j["superseded"] = run.superseded;
    if (r.contains("params")) j["params"] = r["params"];
    j["backend"] = r["backend"];
    j["trials"] = run.total;
    j["starts_at"] = run.starts_at;
    const bool unfinished = r.value("unfinished", false);
    if (unfinished) j["unfinished"] = true;
    std::vector<std::string> warnings;

    // Tasks of this run: name -> (count, key).
    std::map<std::string, Task> own;
    if (r.contains("tasks"))
      for (const Json& t : r["tasks"]) own[t["name"].get<std::string>()] = tasks.at(t["name"].get<std::string>());
    const std::string base_config = run.codesign ? "" : r["config"].get<std::string>();

    // Replay the events.
    std::map<std::pair<std::string, std::string>, double> best;  // (config, task) -> fastest ok cycles
    std::vector<std::string> configs;
    if (!run.codesign) configs.push_back(base_config);
    const auto design = [&](const std::string& config, bool defaults, std::vector<std::string>* used) -> double {
      if (own.empty()) return 0;
      double sum = 0;
      for (const auto& [name, t] : own) {
        auto it = best.find({config, name});
        double c = it != best.end() ? it->second : 0;
        if (defaults) {  // the measured default is a candidate, and stands in for a task without a result
          if (const std::optional<uint64_t> d = Default(t.key, config, r["backend"]); d && (c == 0 || *d < c)) {
            c = double(*d);
            if (used) used->push_back(name);
          }
        }
        if (c == 0) return 0;
        sum += double(t.count) * c;
      }
      return sum;
    };
    const auto best_design = [&](bool defaults) -> std::pair<double, std::string> {
      std::pair<double, std::string> b{0, ""};
      for (const std::string& c : configs)
        if (const double v = design(c, defaults, nullptr); v > 0 && (b.first == 0 || v < b.first)) b = {v, c};
      return b;
    };
    std::vector<double> curve(size_t(std::max<int64_t>(run.total, 0)), 0.0);
    Json rounds = Json::array();
    double model_best = 0;
    const auto incumbent = [&]() -> Json {
      if (model_best <= 0) return nullptr;
      const auto [v, c] = best_design(false);
      if (v > 0 && std::abs(v - model_best) < 0.5) return c;
      return "?";  // its measurements are before the events this input has
    };
    // DCOC's design as its result gives it: the agents' design, with each task's measured default schedule on
    // that hardware where it is faster (the rule of the tuners since 2026-12-01; applied here to older runs too).
    const auto with_defaults = [&](double agents_design) {
      const auto [v, c] = best_design(false);
      if (v <= 0 || std::abs(v - agents_design) >= 0.5) return agents_design;  // its hardware is not known here
      return design(c, true, nullptr);
    };
    for (const RunEvent& e : run.events) {
      if (e.kind == RunEvent::Kind::kRound) {
        model_best = e.best_model_cycles;
        Json rd;
        rd["round"] = rounds.size() + 1;
        rd["done"] = e.done;
        rd["target"] = e.config;
        rd["best_model_cycles"] = model_best > 0 ? Json(model_best) : Json(nullptr);
        rd["incumbent"] = incumbent();
        rd["measured"] = Json::object();
        rounds.push_back(std::move(rd));
        // The design after the measurements before this round were observed.
        if (run.codesign && model_best > 0 && e.done >= 1 && e.done <= int64_t(curve.size()))
          curve[size_t(e.done - 1)] = with_defaults(model_best);
        continue;
      }
      if (e.kind != RunEvent::Kind::kMeasurement) continue;
      const std::string config = run.codesign ? e.config : base_config;
      if (std::find(configs.begin(), configs.end(), config) == configs.end()) configs.push_back(config);
      if (e.status == "ok" && e.cycles > 0) {
        double& b = best[{config, e.task}];
        if (b == 0 || double(e.cycles) < b) b = double(e.cycles);
      }
      if (run.codesign) {
        model_best = e.best_model_cycles;
        if (!rounds.empty()) {
          Json& m = rounds.back()["measured"];
          if (!m.contains(config)) m[config] = {{"measurements", 0}, {"ok", 0}};
          m[config]["measurements"] = m[config]["measurements"].get<int64_t>() + 1;
          m[config]["ok"] = m[config]["ok"].get<int64_t>() + (e.status == "ok");
        }
      }
      double v = 0;
      if (run.codesign)
        v = model_best > 0 ? with_defaults(model_best) : best_design(true).first;
      else
        v = design(base_config, true, nullptr);
      if (e.done >= 1 && e.done <= int64_t(curve.size())) curve[size_t(e.done - 1)] = v;
    }
    // An unfinished run's curve ends at its last measurement.
    if (unfinished && !run.events.empty()) curve.resize(size_t(std::max<int64_t>(0, run.events.back().done)));
    // Carry forward (events are one per measurement; a gap is only before a resumed file's first event).
    for (size_t i = 1; i < curve.size(); ++i)
      if (curve[i] == 0 && curve[i - 1] > 0) curve[i] = curve[i - 1];

    // Final design.
    double final_cycles = 0;
    Json fin;
    if (run.codesign) {
      if (r.contains("model")) {
        final_cycles = r["model"]["cycles"].get<double>();
        fin["config"] = r["config_tag"];
        // A result before the rule: each task at the faster of its schedule and the measured default there.
        double kept = 0;
        std::vector<std::string> used;
        for (const Json& t : r["tasks"]) {
          double c = t["cycles"].get<double>();
          const std::optional<uint64_t> d = Default(own.at(t["name"].get<std::string>()).key,
                                                    r["config_tag"].get<std::string>(), r["backend"]);
          if (t.value("default_schedule", false) || (d && double(*d) < c)) used.push_back(t["name"]);
          if (d && double(*d) < c) c = double(*d);
          kept += t["count"].get<double>() * c;
        }
        final_cycles = kept;
        fin["default_schedule_tasks"] = used;
      }
      // The events' best_model_cycles is the design when the measurement was reported: the last round's
      // measurements are observed after its last event, so the run's last point is the result's design.
      const double last = curve.empty() ? 0 : curve.back();
      if (final_cycles > 0 && last > 0 && final_cycles > last + 0.5)
        warnings.push_back(fmt::format("the result's design ({:.0f} cycles) is slower than the events' last ({:.0f})",
                                       final_cycles, last));
      if (final_cycles > 0 && !curve.empty() && !run.last->result.value("interrupted", false) &&
          run.last->events.size() > 0 && run.last->events.back().done == run.total)
        curve.back() = final_cycles;
      if (final_cycles == 0 && last > 0) final_cycles = last;
    } else {
      std::vector<std::string> used;
      final_cycles = design(base_config, true, &used);
      fin["config"] = base_config;
      fin["complete"] = r.contains("model") ? r["model"]["complete"] : Json(own.size() == 1);
      fin["default_schedule_tasks"] = used;
      // The result's bests against the events' (a kept default is not one of the events' measurements).
      double exact = 0, events_exact = 0;
      for (const Json& t : r["tasks"]) {
        if (t["best"].is_null() || t["best"].value("default_schedule", false)) continue;
        const auto it = best.find({base_config, t["name"].get<std::string>()});
        if (it == best.end()) {  // not in these events: nothing to compare
          events_exact = 0;
          break;
        }
        exact += t["count"].get<double>() * t["best"]["cycles"].get<double>();
        events_exact += t["count"].get<double>() * it->second;
      }
      if (events_exact > 0 && std::abs(events_exact - exact) > 0.5)
        warnings.push_back(fmt::format(
            "the events' fastest measurements ({:.0f} model cycles) differ from the result's bests ({:.0f})",
            events_exact, exact));
      if (final_cycles == 0) {
        std::vector<std::string> missing;
        for (const Json& t : r["tasks"])
          if (t["best"].is_null() && !Default(t["task_key"], base_config, r["backend"])) missing.push_back(t["name"]);
        warnings.push_back(
            fmt::format("no design: {} without a result, and the database (--db) has not their default "
                        "schedule's cycles",
                        fmt::join(missing, ", ")));
      }
    }
    if (final_cycles > 0) {
      fin["cycles"] = final_cycles;
      fin["gops"] = model_macs > 0 ? Json(2.0 * model_macs / (final_cycles / clock_hz) / 1e9) : Json(nullptr);
      fin["inferences_per_second"] = clock_hz / final_cycles;
    } else {
      fin["cycles"] = nullptr;
    }
    j["final"] = fin;
    j["measurements_to_final"] = final_cycles > 0 ? FirstReach(curve, final_cycles) : Json(nullptr);
    j["time"] = TimeOf(run);
    if (run.codesign) {
      j["hardware"] = HardwareOf(r);
      j["rounds"] = rounds;
      j["configs_measured"] = configs;
    }
    j["warnings"] = warnings;
    j["curve_cycles"] = curve;
    return j;
  }

  // What the files record of the wall-clock time; null where a tuner does not record it.
  Json TimeOf(const Run& run) const {
    double wall = 0;
    for (const RunFile* f : run.files)
      wall += run.codesign ? f->result["stats"].value("wall_seconds", 0.0) : f->result["wall_seconds"].get<double>();
    const Json& r = run.last->result;
    Json t;
    if (r.value("unfinished", false)) {
      for (const char* k :
           {"wall", "measure", "measurement_cost", "model_builds", "learning", "search", "checkpoint", "memoized"})
        t[k] = nullptr;
      return t;
    }
    t["wall"] = wall;
    if (run.codesign) {
      const Json& s = r["stats"];
      t["measure"] = s.value("measure_seconds", 0.0);
      t["measurement_cost"] = nullptr;
      t["model_builds"] = s.value("build_seconds", 0.0);
      t["learning"] = s.value("fit_seconds", 0.0);
      t["search"] = s.value("search_seconds", 0.0);
      t["checkpoint"] = s.value("checkpoint_seconds", 0.0);
      t["memoized"] = r.value("memoized", 0);
    } else {
      double m = 0, c = 0, f = 0, s = 0;
      int64_t memo = 0;
      for (const Json& task : r["tasks"]) {
        m += task["measure_seconds"].get<double>(), c += task["cost_seconds"].get<double>();
        f += task["fit_seconds"].get<double>(), s += task["search_seconds"].get<double>();
        memo += task["memoized"].get<int64_t>();
      }
      t["measure"] = m;
      t["measurement_cost"] = c;
      t["model_builds"] = nullptr;
      t["learning"] = f;
      t["search"] = s;
      t["checkpoint"] = nullptr;
      t["memoized"] = memo;
    }
    return t;
  }

  // DCOC's chosen configuration and its resources: as the run recorded them, and by today's resource model
  // against the board's caps.
  Json HardwareOf(const Json& r) const {
    Json h;
    h["board"] = r["board"];
    if (!r.contains("config")) return h;
    h["config_tag"] = r["config_tag"];
    h["config"] = r["config"];
    if (r.contains("resources")) h["resources_recorded"] = r["resources"];
    try {
      const boards::Board board = boards::LoadBoard(r["board"].get<std::string>());
      const spec::Spec s = spec::Spec::Create(spec::ConfigFromJson(nlohmann::json::parse(r["config"].dump())));
      const boards::Resources used = boards::ResourceModel::ForFamily(board.family).Predict(s);
      h["resources_model"] = boards::ToJson(used);
      h["fit"] = boards::ToJson(boards::FitsBoard(used, board));
    } catch (const Error& e) {
      h["resources_model_error"] = e.what();
    }
    return h;
  }

  std::optional<uint64_t> Default(const std::string& key, const std::string& config, const std::string& backend) {
    if (!opts_.default_cycles || key.empty()) return std::nullopt;
    const std::string k = key + "|" + config + "|" + backend;
    auto it = defaults_.find(k);
    if (it == defaults_.end()) it = defaults_.emplace(k, opts_.default_cycles(key, config, backend)).first;
    return it->second;
  }

 private:
  const CodesignReportOptions& opts_;
  std::map<std::string, std::optional<uint64_t>> defaults_;
};

// A run still being written: its result line made up from its events, as far as they tell (see
// CodesignReportOptions::partial). Throws UsageError naming the file when they do not tell enough.
Json UnfinishedResult(const RunFile& f, const CodesignReportOptions& opts, const std::string& board) {
  const std::string fname = std::filesystem::path(f.path).filename().string();
  if (f.events.empty()) throw UsageError(fmt::format("{}: unfinished and without events", f.path));
  bool dcoc = false;
  std::string model;
  for (const RunEvent& e : f.events) {
    dcoc |= e.kind == RunEvent::Kind::kRound || !e.config.empty();
    if (model.empty() && !e.task.empty()) model = e.task.substr(0, e.task.find('.'));
  }
  // Words of the name: "autotvm.dcochw.s1.jsonl" -> autotvm, dcochw, s1.
  std::vector<std::string> words;
  for (size_t a = 0; a < fname.size();) {
    const size_t b = fname.find_first_of("._-", a);
    words.push_back(fname.substr(a, b == std::string::npos ? std::string::npos : b - a));
    a = b == std::string::npos ? fname.size() : b + 1;
  }
  Json r;
  r["tuner"] = dcoc ? "dcoc" : words[0];
  if (!dcoc) {
    const std::vector<std::string> known = TunerNames();
    if (std::find(known.begin(), known.end(), words[0]) == known.end())
      throw UsageError(
          fmt::format("{}: unfinished, and its name does not start with a tuner ({}): name it "
                      "<tuner>.s<seed>.jsonl",
                      f.path, fmt::join(known, ", ")));
  }
  int64_t seed = 0;
  for (const std::string& w : words)
    if (seed == 0 && w.size() > 1 && w[0] == 's' && w.find_first_not_of("0123456789", 1) == std::string::npos)
      seed = std::stoll(w.substr(1));
  if (seed == 0) throw UsageError(fmt::format("{}: unfinished, and its name has no seed word s<N>", f.path));
  r["seed"] = seed;
  r["backend"] = opts.backend;
  r["unfinished"] = true;
  r["interrupted"] = true;
  std::string config;
  if (!dcoc) {
    auto it = opts.labels.find(f.path);
    if (it == opts.labels.end()) it = opts.labels.find(fname);
    if (it != opts.labels.end() && it->second.find('@') != std::string::npos) {
      config = it->second.substr(it->second.find('@') + 1);
      spec::ConfigFromTag(config);  // a ConfigError when the label names no configuration
    }
  }
  std::vector<compiler::ZooTask> zoo;
  try {
    zoo = compiler::BuiltinModelTasks(model);
  } catch (const Error&) {
    throw UsageError(
        fmt::format("{}: unfinished run of {}, not a built-in model: its tasks' counts are unknown", f.path, model));
  }
  const std::string tag_for_keys = !config.empty() ? config : dcoc ? f.events[0].config : opts.default_config;
  const spec::Spec s = spec::Spec::Create(tag_for_keys.empty() ? spec::HwConfig{} : spec::ConfigFromTag(tag_for_keys));
  Json tasks = Json::array();
  for (compiler::ZooTask& t : zoo) {
    t.layer.epilogue = compiler::DefaultEpilogue(t.layer, s.out_bits);  // as `dcoc tune --model` builds it
    Json e = {{"name", t.layer.name}, {"count", t.count}};
    if (dcoc) {
      e["layer"] = compiler::ToJson(t.layer);
      e["cycles"] = 0;
    } else {
      e["task_key"] = compiler::TaskKey(t.layer);
      for (const char* k : {"measure_seconds", "fit_seconds", "search_seconds", "cost_seconds"}) e[k] = 0.0;
      e["memoized"] = 0;
      e["best"] = nullptr;
      for (const RunEvent& ev : f.events)
        if (ev.kind == RunEvent::Kind::kMeasurement && ev.task == t.layer.name && ev.status == "ok" &&
            (e["best"].is_null() || double(ev.cycles) < e["best"]["cycles"].get<double>()))
          e["best"] = {{"cycles", ev.cycles}};
    }
    tasks.push_back(std::move(e));
  }
  r["tasks"] = std::move(tasks);
  if (dcoc) {
    r["board"] = board;
    r["stats"] = Json::object();
  } else {
    r["config"] = config;  // "": the scenario's default, filled in when it is known
    r["wall_seconds"] = 0.0;
  }
  return r;
}

std::string ParamsText(const Json& params) {
  if (!params.is_object() || params.empty()) return "";
  return " " + params.dump();
}

}  // namespace

// ---- Reading ------------------------------------------------------------------------------------------------

RunFile ReadRunFile(std::istream& in, const std::string& name) {
  RunFile f;
  f.path = name;
  std::string text;
  size_t line = 0;
  int64_t last_done = -1;
  bool result_seen = false;
  while (std::getline(in, text)) {
    ++line;
    const bool complete_line = !in.eof();
    if (text.find_first_not_of(" \t\r") == std::string::npos) continue;
    Where w{name, line, ""};
    if (result_seen) w.Fail("a line after the result line");
    Json j;
    try {
      j = Json::parse(text);
    } catch (const nlohmann::json::parse_error& e) {
      if (!complete_line) return f;  // the last line is still being written
      w.Fail(fmt::format("malformed JSON: {}", e.what()));
    }
    if (!j.is_object()) w.Fail("not a JSON object");
    const std::string event = String(j, "event", w);
    if (event != "result") KindOf(event, w);
    w.context = event + " event";
    if (event == "result") {
      CheckResult(j, w);
      f.result = j;
      f.finished = true;
      result_seen = true;
      continue;
    }
    RunEvent e;
    e.kind = KindOf(event, w);
    e.done = Integer(j, "done", w);
    e.total = Integer(j, "total", w);
    if (e.kind == RunEvent::Kind::kRound) {
      e.config = String(j, "config", w);
      e.best_model_cycles = Number(j, "best_model_cycles", w);
    } else {
      e.task = String(j, "task", w);
    }
    if (e.kind == RunEvent::Kind::kMeasurement) {
      e.status = String(j, "status", w);
      e.cycles = uint64_t(Integer(j, "cycles", w));
      if (j.contains("memoized")) {
        if (!j["memoized"].is_boolean())
          w.Fail(fmt::format("field \"memoized\" is {}, expected true or false", j["memoized"].dump()));
        e.memoized = j["memoized"].get<bool>();
      }
      if (j.contains("config")) e.config = String(j, "config", w);
      e.best_model_cycles = OptionalNumber(j, "best_model_cycles", w);
      if (last_done >= 0 && e.done != last_done + 1)
        w.Fail(fmt::format("done {} after {}: a measurement event counts one more than the event before it", e.done,
                           last_done));
      if (e.done < 1 || e.done > e.total) w.Fail(fmt::format("done {} outside 1..total {}", e.done, e.total));
      last_done = e.done;
    } else if (last_done >= 0 && e.done != last_done) {
      w.Fail(fmt::format("done {} after {}: only a measurement counts one more", e.done, last_done));
    } else {
      last_done = e.done;
    }
    f.events.push_back(std::move(e));
  }
  if (f.finished) {
    // A file is one tuner's: DCOC's events carry the hardware being measured, the schedule tuners' do not.
    const bool dcoc = f.result["tuner"] == "dcoc";
    for (const RunEvent& e : f.events) {
      const bool dcoc_event =
          e.kind == RunEvent::Kind::kRound || (e.kind == RunEvent::Kind::kMeasurement && !e.config.empty());
      const bool tuner_event = e.kind == RunEvent::Kind::kTaskStart || e.kind == RunEvent::Kind::kTaskEnd ||
                               (e.kind == RunEvent::Kind::kMeasurement && e.config.empty());
      if ((dcoc && tuner_event) || (!dcoc && dcoc_event))
        throw FormatError(fmt::format("{}: the result line names tuner {} but the events are {}'s", name,
                                      f.result["tuner"].dump(), dcoc ? "a schedule tuner" : "DCOC"));
    }
  }
  return f;
}

RunFile ReadRunFile(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) throw UsageError(fmt::format("cannot read {}", path.string()));
  return ReadRunFile(in, path.string());
}

std::vector<std::filesystem::path> RunFilesOf(const std::vector<std::filesystem::path>& inputs) {
  std::vector<std::filesystem::path> out;
  for (const std::filesystem::path& p : inputs) {
    if (std::filesystem::is_directory(p)) {
      std::vector<std::filesystem::path> in_dir;
      for (const auto& e : std::filesystem::directory_iterator(p))
        if (e.is_regular_file() && e.path().extension() == ".jsonl") in_dir.push_back(e.path());
      std::sort(in_dir.begin(), in_dir.end());
      if (in_dir.empty()) throw UsageError(fmt::format("--runs {}: no .jsonl file in the directory", p.string()));
      out.insert(out.end(), in_dir.begin(), in_dir.end());
    } else if (std::filesystem::is_regular_file(p)) {
      out.push_back(p);
    } else {
      throw UsageError(fmt::format("--runs {}: no such file or directory", p.string()));
    }
  }
  return out;
}

DefaultCycles DefaultCyclesFromDatabase(const std::filesystem::path& path) {
  auto db = std::make_shared<measure::Database>(path, measure::Database::Mode::kReadOnly);
  return [db](const std::string& key, const std::string& tag, const std::string& backend) -> std::optional<uint64_t> {
    compiler::ConvLayer layer;
    try {
      layer = db->Layer(key);
    } catch (const Error&) {
      return std::nullopt;  // the database has no record of the task
    }
    const spec::HwConfig config = spec::ConfigFromTag(tag);
    const compiler::Schedule want =
        compiler::Normalize(layer, compiler::DefaultSchedule(layer, spec::Spec::Create(config)));
    const Json want_json = compiler::ToJson(want);
    measure::RecordQuery q;
    q.task = key;
    q.config_hash = measure::ConfigHashHex(config);
    q.backend = backend;
    q.ok_only = true;
    std::optional<uint64_t> found;
    db->ForEachRecord(q, [&](const measure::Measurement& m) {
      if (m.cycles > 0 && Json(compiler::ToJson(m.schedule)) == want_json)
        found = found ? std::min(*found, m.cycles) : m.cycles;
    });
    return found;
  };
}

// ---- Analysis -----------------------------------------------------------------------------------------------

Json CodesignResults(const std::vector<RunFile>& given, const CodesignReportOptions& opts) {
  Json out;
  out["command"] = opts.command;
  out["anytime_rule"] =
      "autotvm/chameleon: every task at the fastest exact cycles the run has measured for it so far, a task "
      "without one at its default schedule's measured cycles on the run's configuration (from the tuning "
      "database" +
      std::string(opts.default_cycles ? "" : "; not given: such a task leaves the run without a design") +
      "). DCOC: its own best whole-model design (one hardware point, every task measured exactly on it); before "
      "it has one, the same rule on each hardware point it measured, the best.";
  Json skipped = Json::array();

  // Scenarios: (model, board). A DCOC run names its board; a baseline run is on the board of a DCOC run of its
  // model that started from or chose its configuration, else on --board, else on the one board DCOC's runs
  // of the model used (none: its board is unknown).
  struct Info {
    std::string model, board, start;  // start: the configuration a DCOC run began with ("" if not in the file)
  };
  std::vector<RunFile> files(given);
  std::vector<Info> info(files.size());
  const auto start_of = [](const RunFile& f) {
    return !f.events.empty() && f.events[0].kind == RunEvent::Kind::kRound && f.events[0].done == 0 ? f.events[0].config
                                                                                                    : std::string();
  };
  if (opts.partial) {
    // Unfinished DCOC runs: on the board of a finished one that started from the same configuration, else
    // --board, else the one board the finished ones used.
    std::set<std::string> dcoc_boards;
    for (const RunFile& f : files)
      if (f.finished && f.result["tuner"] == "dcoc") dcoc_boards.insert(f.result["board"].get<std::string>());
    for (RunFile& f : files) {
      if (f.finished) continue;
      std::string board;
      for (const RunFile& o : files)
        if (o.finished && o.result["tuner"] == "dcoc" && !start_of(f).empty() && start_of(o) == start_of(f))
          board = o.result["board"];
      if (board.empty()) board = !opts.board.empty() ? opts.board : dcoc_boards.size() == 1 ? *dcoc_boards.begin() : "";
      f.result = UnfinishedResult(f, opts, board);
      f.finished = true;
    }
  }
  for (size_t i = 0; i < files.size(); ++i) {
    const RunFile& f = files[i];
    if (!f.finished) continue;
    info[i].model = ModelOf(f);
    if (f.result["tuner"] != "dcoc") continue;
    info[i].board = f.result["board"];
    info[i].start = start_of(f);
  }
  for (size_t i = 0; i < files.size(); ++i) {
    const RunFile& f = files[i];
    if (!f.finished || f.result["tuner"] == "dcoc") continue;
    const std::string tag = f.result["config"];
    std::set<std::string> boards;
    for (size_t k = 0; k < files.size(); ++k)
      if (!info[k].board.empty() && info[k].model == info[i].model) {
        boards.insert(info[k].board);
        if (info[i].board.empty() && (info[k].start == tag || files[k].result.value("config_tag", "") == tag))
          info[i].board = info[k].board;
      }
    if (info[i].board.empty())
      info[i].board = !opts.board.empty() ? opts.board : boards.size() == 1 ? *boards.begin() : "";
  }
  // The default configuration of a scenario: given, else where its DCOC runs started.
  std::map<std::pair<std::string, std::string>, std::string> default_of;
  for (size_t i = 0; i < files.size(); ++i)
    if (!info[i].start.empty()) default_of.emplace(std::make_pair(info[i].model, info[i].board), info[i].start);
  const auto default_config = [&](const std::string& model, const std::string& board) {
    if (!opts.default_config.empty()) return opts.default_config;
    auto it = default_of.find({model, board});
    return it == default_of.end() ? std::string() : it->second;
  };
  for (size_t i = 0; i < files.size(); ++i) {
    RunFile& f = files[i];
    if (!f.finished || f.result["tuner"] == "dcoc" || !f.result["config"].get<std::string>().empty()) continue;
    f.result["config"] = default_config(info[i].model, info[i].board);  // an unfinished baseline's, not labelled
    if (f.result["config"] == "")
      throw UsageError(
          fmt::format("{}: unfinished, and its configuration is unknown: give --label {}=<tuner>@<tag> "
                      "or --default-config",
                      f.path, std::filesystem::path(f.path).filename().string()));
  }

  // Group the files by (model, board, label, seed).
  std::map<std::tuple<std::string, std::string, std::string, uint64_t>, std::vector<const RunFile*>> groups;
  std::map<std::string, std::string> tuner_of;
  for (size_t i = 0; i < files.size(); ++i) {
    const RunFile& f = files[i];
    if (!f.finished) {
      skipped.push_back({{"file", f.path}, {"reason", "no result line (a run still being written, or killed)"}});
      continue;
    }
    const Json& r = f.result;
    const std::string tuner = r["tuner"];
    std::string label;
    const std::string fname = std::filesystem::path(f.path).filename().string();
    if (auto it = opts.labels.find(f.path); it != opts.labels.end()) {
      label = it->second;
    } else if (auto it2 = opts.labels.find(fname); it2 != opts.labels.end()) {
      label = it2->second;
    } else if (tuner == "dcoc") {
      label = "dcoc" + ParamsText(r.value("params", Json::object()));
    } else {
      const std::string tag = r["config"];
      label = tuner + "@" + (tag == default_config(info[i].model, info[i].board) ? "default" : tag);
    }
    tuner_of[label] = tuner;
    std::vector<const RunFile*>& g = groups[{info[i].model, info[i].board, label, r["seed"].get<uint64_t>()}];
    // Two DCOC runs of one label and seed that both start at 0 are two runs, not a resumed one (a resumed run
    // starts where its checkpoint was): ablations of a binary whose result lines lack their parameters.
    if (tuner == "dcoc" && !f.events.empty() && f.events[0].done == 0)
      for (const RunFile* o : g)
        if (!o->events.empty() && o->events[0].done == 0)
          throw UsageError(fmt::format(
              "{} and {} are two DCOC runs labelled \"{}\" with seed {} on {}: label them apart with --label "
              "FILE=LABEL (e.g. --label {}='dcoc {{\"confidence_sampling\": false}}' for an ablation whose result line "
              "predates its parameters)",
              o->path, f.path, label, r["seed"].get<uint64_t>(), info[i].board, fname));
    g.push_back(&f);
  }
  out["skipped"] = skipped;

  // Stitch each group's files.
  std::map<std::pair<std::string, std::string>, std::vector<Run>> by_model;
  for (auto& [key, fs] : groups) {
    std::stable_sort(fs.begin(), fs.end(), [](const RunFile* a, const RunFile* b) {
      const int64_t da = a->events.empty() ? 0 : a->events[0].done, db = b->events.empty() ? 0 : b->events[0].done;
      const int64_t ta = a->events.empty() ? 0 : a->events[0].total, tb = b->events.empty() ? 0 : b->events[0].total;
      return std::tie(da, ta) < std::tie(db, tb);
    });
    Run run;
    std::tie(run.model, run.board, run.label, run.seed) = key;
    run.tuner = tuner_of[run.label];
    run.codesign = run.tuner == "dcoc";
    for (size_t i = 0; i < fs.size(); ++i) {
      const int64_t next = i + 1 < fs.size() && !fs[i + 1]->events.empty() ? fs[i + 1]->events[0].done : INT64_MAX;
      std::vector<RunEvent> kept;
      for (const RunEvent& e : fs[i]->events)
        if (e.done < next || (e.kind == RunEvent::Kind::kMeasurement && e.done == next)) kept.push_back(e);
      if (kept.empty() && i + 1 < fs.size()) {
        run.superseded.push_back(fs[i]->path);
        continue;
      }
      if (run.files.empty() && !kept.empty()) run.starts_at = kept[0].done;
      run.files.push_back(fs[i]);
      run.events.insert(run.events.end(), kept.begin(), kept.end());
    }
    run.last = fs.back();
    run.total = run.events.empty() ? 0 : run.events.back().total;
    by_model[{run.model, run.board}].push_back(std::move(run));
  }

  Analyzer analyzer(opts);
  Json models = Json::array();
  // Over the models of a board: (board, label) -> per model; (board, dcoc label, baseline) -> per model.
  std::map<std::pair<std::string, std::string>, std::vector<double>> gops_by_label;
  std::map<std::tuple<std::string, std::string, std::string>, std::vector<double>> speedups;
  for (auto& [scenario, runs] : by_model) {
    const auto& [model, board] = scenario;
    // Tasks: name -> count, key, MACs.
    std::map<std::string, Task> tasks;
    double clock_mhz = 0;
    if (!board.empty()) clock_mhz = boards::LoadBoard(board).clock_mhz;
    for (const Run& run : runs) {
      const Json& r = run.last->result;
      if (!r.contains("tasks")) continue;
      for (const Json& t : r["tasks"]) {
        Task& task = tasks[t["name"]];
        task.name = t["name"];
        task.count = t["count"].get<int64_t>();
        if (run.codesign) {
          const compiler::ConvLayer l = compiler::LayerFromJson(nlohmann::json::parse(t["layer"].dump()));
          task.key = compiler::TaskKey(l);
          task.macs = double(l.Macs());
          if (clock_mhz == 0 && r.contains("config")) clock_mhz = r["config"].value("CLOCK_MHZ", 0.0);
        } else {
          if (task.key.empty()) task.key = t["task_key"];
          if (task.macs == 0 && !t["best"].is_null() && t["best"].contains("gops")) {
            const double hz = spec::ConfigFromTag(r["config"].get<std::string>()).clock_mhz * 1e6;
            task.macs = std::round(t["best"]["gops"].get<double>() * 1e9 * t["best"]["cycles"].get<double>() / hz / 2);
          }
        }
      }
    }
    if (clock_mhz == 0) clock_mhz = spec::HwConfig{}.clock_mhz;
    // MACs: from DCOC's layers, else from a baseline's best (GOPS x cycles), else the built-in layer of that name.
    double model_macs = 0;
    std::vector<std::string> macs_unknown;
    for (auto& [name, t] : tasks) {
      if (t.macs == 0) {
        try {
          t.macs = double(compiler::FindLayer(name).Macs());
        } catch (const Error&) {
          macs_unknown.push_back(name);
        }
      }
      model_macs += double(t.count) * t.macs;
    }
    if (!macs_unknown.empty()) model_macs = 0;  // no GOPS: cycles and inferences/s only
    const double clock_hz = clock_mhz * 1e6;

    Json m;
    m["model"] = model;
    m["board"] = board.empty() ? Json(nullptr) : Json(board);
    const std::string def = default_config(model, board);
    m["default_config"] = def.empty() ? Json(nullptr) : Json(def);
    m["clock_mhz"] = clock_mhz;
    m["macs"] = model_macs > 0 ? Json(model_macs) : Json(nullptr);
    if (!macs_unknown.empty()) m["macs_unknown"] = macs_unknown;
    Json tj = Json::array();
    for (const auto& [name, t] : tasks) tj.push_back({{"name", name}, {"count", t.count}, {"macs", t.macs}});
    m["tasks"] = tj;
    Json runs_json = Json::array();
    for (const Run& run : runs) runs_json.push_back(analyzer.RunJson(run, tasks, clock_hz, model_macs));

    // Per label over seeds.
    std::vector<std::string> labels;
    for (const Json& r : runs_json)
      if (std::find(labels.begin(), labels.end(), r["label"]) == labels.end()) labels.push_back(r["label"]);
    // DCOC and its ablations, then the baselines on the default, then on other hardware.
    const auto rank = [&](const std::string& l) {
      return tuner_of[l] == "dcoc" ? 0 : l.size() >= 8 && l.compare(l.size() - 8, 8, "@default") == 0 ? 1 : 2;
    };
    std::stable_sort(labels.begin(), labels.end(),
                     [&](const std::string& a, const std::string& b) { return rank(a) < rank(b); });
    Json per_label = Json::array();
    std::map<std::string, std::vector<double>> finals;
    for (const std::string& label : labels) {
      std::vector<double> cyc, gops, ips, seeds;
      std::map<std::string, std::vector<double>> time;
      std::set<std::string> hw;
      int64_t unfinished = 0;
      for (const Json& r : runs_json) {
        if (r["label"] != label) continue;
        if (r.value("unfinished", false)) {  // curves only
          ++unfinished;
          continue;
        }
        seeds.push_back(r["seed"].get<double>());
        if (!r["final"]["cycles"].is_null()) {
          cyc.push_back(r["final"]["cycles"].get<double>());
          if (!r["final"]["gops"].is_null()) gops.push_back(r["final"]["gops"].get<double>());
          ips.push_back(r["final"]["inferences_per_second"].get<double>());
          hw.insert(r["final"]["config"].get<std::string>());
        }
        for (const auto& [k, v] : r["time"].items())
          if (!v.is_null()) time[k].push_back(v.get<double>());
      }
      finals[label] = cyc;
      Json e;
      e["label"] = label;
      e["tuner"] = tuner_of[label];
      e["seeds"] = seeds;
      e["unfinished_runs"] = unfinished;
      e["with_design"] = cyc.size();
      e["cycles"] = Stats(cyc);
      e["gops"] = Stats(gops);
      e["inferences_per_second"] = Stats(ips);
      e["hardware"] = std::vector<std::string>(hw.begin(), hw.end());
      Json tm;
      for (const char* k :
           {"wall", "measure", "measurement_cost", "model_builds", "learning", "search", "checkpoint", "memoized"})
        tm[k] = time.count(k) ? Json(Mean(time[k])) : Json(nullptr);
      e["time_mean"] = tm;
      if (cyc.size() == seeds.size() && !gops.empty()) gops_by_label[{board, label}].push_back(Geomean(gops));
      per_label.push_back(std::move(e));
    }
    m["per_label"] = per_label;

    // DCOC (and its ablations) against each baseline.
    Json cmp = Json::array();
    for (const std::string& d : labels) {
      if (tuner_of[d] != "dcoc" || finals[d].empty()) continue;
      for (const std::string& b : labels) {
        if (tuner_of[b] == "dcoc" || finals[b].empty()) continue;
        Json c;
        c["dcoc"] = d;
        c["baseline"] = b;
        c["speedup"] = Geomean(finals[b]) / Geomean(finals[d]);
        std::vector<double> ratios;
        for (double x : finals[b])
          for (double y : finals[d]) ratios.push_back(x / y);
        c["speedup_pairs"] = Stats(ratios);
        // Measurements DCOC needed to reach the baseline's final best, over (DCOC seed, baseline seed) pairs.
        std::vector<double> reach, own;
        int64_t pairs = 0;
        for (const Json& rb : runs_json) {
          if (rb["label"] != b || rb["final"]["cycles"].is_null() || rb.value("unfinished", false)) continue;
          if (!rb["measurements_to_final"].is_null()) own.push_back(rb["measurements_to_final"].get<double>());
          for (const Json& rd : runs_json) {
            if (rd["label"] != d || rd.value("unfinished", false)) continue;
            ++pairs;
            const Json n = FirstReach(rd["curve_cycles"].get<std::vector<double>>(), rb["final"]["cycles"]);
            if (!n.is_null()) reach.push_back(n.get<double>());
          }
        }
        c["pairs"] = pairs;
        c["pairs_reached"] = reach.size();
        c["measurements_to_reach"] = Stats(reach);
        c["baseline_measurements_to_its_final"] = Stats(own);
        speedups[{board, d, b}].push_back(c["speedup"].get<double>());
        cmp.push_back(std::move(c));
      }
    }
    m["comparisons"] = cmp;

    // What hardware and what software contributed: per DCOC run, the baseline on the default hardware and on
    // the hardware that run chose (the baseline's run of the same seed where there is one, else the geometric
    // mean over its seeds): default / chosen is the hardware's share of DCOC's speedup, chosen / DCOC the
    // software's; their product is the whole speedup over the baseline on the default. Seeds may choose
    // different hardware, so the pairing is per run; the summary row is the geometric mean over the runs
    // whose hardware the baseline was run on.
    const auto final_of = [&](const std::string& label, const Json& seed) -> std::optional<double> {
      for (const Json& r : runs_json)
        if (r["label"] == label && r["seed"] == seed && !r.value("unfinished", false) &&
            !r["final"]["cycles"].is_null())
          return r["final"]["cycles"].get<double>();
      if (!finals.count(label) || finals[label].empty()) return std::nullopt;
      return Geomean(finals[label]);
    };
    Json parts = Json::array();
    for (const std::string& d : labels) {
      if (tuner_of[d] != "dcoc" || finals[d].empty()) continue;
      for (const std::string& b : labels) {
        if (tuner_of[b] == "dcoc" || b != tuner_of[b] + "@default" || finals[b].empty()) continue;
        Json per_seed = Json::array();
        std::vector<double> whole, hw_share, sw_share;
        std::set<std::string> chosen;
        for (const Json& r : runs_json) {
          if (r["label"] != d || r.value("unfinished", false) || r["final"]["cycles"].is_null() ||
              !r["final"].contains("config"))
            continue;
          const std::string hw = r["final"]["config"].get<std::string>();
          const std::string on_hw = hw == default_config(model, board) ? b : tuner_of[b] + "@" + hw;
          const std::optional<double> c_def = final_of(b, r["seed"]), c_hw = final_of(on_hw, r["seed"]);
          if (!c_def || !c_hw) continue;
          const double c_d = r["final"]["cycles"].get<double>();
          chosen.insert(hw);
          whole.push_back(*c_def / c_d);
          hw_share.push_back(*c_def / *c_hw);
          sw_share.push_back(*c_hw / c_d);
          per_seed.push_back({{"seed", r["seed"]},
                              {"hardware", hw},
                              {"speedup", whole.back()},
                              {"hardware_share", hw_share.back()},
                              {"software_share", sw_share.back()}});
        }
        if (per_seed.empty()) continue;
        parts.push_back({{"dcoc", d},
                         {"baseline", tuner_of[b]},
                         {"hardware", chosen.size() == 1 ? Json(*chosen.begin()) : Json(nullptr)},
                         {"runs", per_seed.size()},
                         {"speedup", Geomean(whole)},
                         {"hardware_share", Geomean(hw_share)},
                         {"software_share", Geomean(sw_share)},
                         {"per_seed", per_seed}});
      }
    }
    m["hardware_software"] = parts;
    m["runs"] = runs_json;
    models.push_back(std::move(m));
  }
  out["models"] = models;

  // Geometric means over models.
  Json geo;
  Json gl = Json::array();
  for (const auto& [key, v] : gops_by_label)
    gl.push_back({{"board", key.first}, {"label", key.second}, {"models", v.size()}, {"gops_geomean", Geomean(v)}});
  geo["gops"] = gl;
  Json gs = Json::array();
  for (const auto& [key, v] : speedups)
    gs.push_back({{"board", std::get<0>(key)},
                  {"dcoc", std::get<1>(key)},
                  {"baseline", std::get<2>(key)},
                  {"models", v.size()},
                  {"speedup_geomean", Geomean(v)}});
  geo["speedup"] = gs;
  out["geomean"] = geo;
  out["not_recorded"] = {
      "autotvm/chameleon: model builds (one configuration, its verilated model built once, inside the measurement "
      "time of the first measurement that needed it)",
      "DCOC: the measurements' own time (its events and result record the wait only; a memoized measurement costs "
      "almost nothing)",
      "wall time of a DCOC file is per invocation: a resumed run's wall is the sum over its files"};
  return out;
}

}  // namespace dcoc::agents::codesign
