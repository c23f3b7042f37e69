// dcoc tune: tune the schedules of a layer or of every task of a model with a tuner, measuring on a
// backend through the worker pool and the tuning database. dcoc bench tuners: tuners side by side.
#include <fmt/format.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "agents/common/schedule_space.h"
#include "agents/common/tuner.h"
#include "agents/dcoc/cotune.h"
#include "agents/tune/bench.h"
#include "agents/tune/tuning.h"
#include "host/cli/cli_util.h"
#include "host/cli/commands.h"
#include "host/cli/farm_options.h"
#include "host/common/error.h"
#include "host/compiler/workloads.h"
#include "host/spec/hw_space.h"
#include "host/spec/vta.h"
#ifdef DCOC_HAVE_MODEL
#include "host/model/pipeline.h"
#include "host/model/tasks.h"
#endif

namespace dcoc::cli {

namespace {

// Ctrl-C: the first stops the run after the measurements in flight (everything measured is kept in
// the database); a second one ends the process at once.
std::atomic<bool> g_stop{false};

void OnInterrupt(int) {
  if (g_stop.exchange(true)) {
    ::signal(SIGINT, SIG_DFL);
    ::raise(SIGINT);
    return;
  }
  static const char msg[] = "\nstopping after the measurements in flight (Ctrl-C again to quit now)\n";
  [[maybe_unused]] ssize_t n = ::write(2, msg, sizeof msg - 1);
}

struct InterruptGuard {
  InterruptGuard() {
    g_stop = false;
    struct sigaction sa {};
    sa.sa_handler = OnInterrupt;
    ::sigemptyset(&sa.sa_mask);
    ::sigaction(SIGINT, &sa, &old);
  }
  ~InterruptGuard() { ::sigaction(SIGINT, &old, nullptr); }
  struct sigaction old {};
};

double Now() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }

std::vector<std::string> SplitList(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream ss(text);
  for (std::string item; std::getline(ss, item, ',');)
    if (!item.empty()) out.push_back(item);
  return out;
}

struct TuneArgs {
  std::string layer, conv, kind = "conv2d", model, config = "default", tuner = "autotvm", trials = "256";
  std::string backend = "verilator", db, params = "{}", save, isa = "vta++";
  std::string board = "pynq-z2", hw_space, out_dir;  // --tuner dcoc
  int64_t early_stopping = 0, batch = 1;
  int jobs = -1;
  FarmOptions farm;  // tune --farm
  uint64_t seed = 1;
  double cycle_bound = 0;
  bool json = false, transfer = false;
  // bench tuners
  std::string layers, tuners = "random,ga,autotvm,chameleon", out;
  std::vector<std::string> tuner_params;
  int seeds = 3;
  bool report_only = false;
};

std::vector<agents::tune::TuneTask> TasksFor(const TuneArgs& a, const spec::Spec& s) {
  const int given = !a.layer.empty() + !a.conv.empty() + !a.model.empty();
  if (given != 1)
    throw UsageError(
        "give exactly one of --layer <model.layer>, --conv N,C,H,W,K,R,S,stride,pad, --model <name|file.onnx>");
  std::vector<agents::tune::TuneTask> tasks;
  const bool onnx = !a.model.empty() && (a.model.ends_with(".onnx") || std::filesystem::is_regular_file(a.model));
  if (!a.layer.empty()) {
    for (const std::string& name : SplitList(a.layer)) tasks.push_back({name, compiler::FindLayer(name), 1});
  } else if (!a.conv.empty()) {
    compiler::ConvLayer l = ParseConvOption(a.conv, a.kind);
    l.name = fmt::format("conv{}", a.conv);
    tasks.push_back({l.name, l, 1});
  } else if (onnx) {
#ifdef DCOC_HAVE_MODEL
    // The tasks `dcoc model tasks` lists, each with the quantized model's own epilogue.
    for (const model::Task& t : model::ModelTasks(a.model, s, model::ImportOptions{a.batch}))
      tasks.push_back({t.name, t.layer, t.count});
    if (tasks.empty())
      throw UsageError(fmt::format("--model {}: no conv2d, depthwise or dense layer runs on the accelerator", a.model));
#else
    throw UsageError(fmt::format("--model {}: this dcoc was built without ONNX import (libonnx-dev)", a.model));
#endif
  } else {
    for (const compiler::ZooTask& t : compiler::BuiltinModelTasks(a.model))
      tasks.push_back({t.layer.name, t.layer, t.count});
  }
  const spec::Isa isa = spec::IsaFromName(a.isa);
  if (const std::vector<std::string> p = spec::VtaConfigProblems(s); isa == spec::Isa::kVta && !p.empty())
    throw UsageError(
        fmt::format("--isa vta: configuration {} has no stock VTA bitstream: {}", s.tag, fmt::join(p, "; ")));
  for (agents::tune::TuneTask& t : tasks) {
    if (!onnx) t.layer.epilogue = compiler::DefaultEpilogue(t.layer, s.out_bits);  // ONNX: the model's own
    t.layer.isa = isa;  // part of the task key: stock-VTA records never answer for VTA++ ones
  }
  return tasks;
}

int64_t ParseTrials(const std::string& text) {
  if (text == "all") return agents::tune::kAllTrials;
  try {
    size_t used = 0;
    const long long v = std::stoll(text, &used);
    if (used == text.size() && v > 0) return v;
  } catch (const std::exception&) {
  }
  throw UsageError(fmt::format("--trials {}: expected a positive number or \"all\"", text));
}

nlohmann::json ParseParams(const std::string& text, const std::string& what) {
  try {
    nlohmann::json j = nlohmann::json::parse(text);
    if (!j.is_object()) throw UsageError(fmt::format("{} {}: expected a JSON object", what, text));
    return j;
  } catch (const nlohmann::json::parse_error& e) {
    throw UsageError(fmt::format("{} {}: malformed JSON: {}", what, text, e.what()));
  }
}

measure::SessionOptions SessionFor(int jobs) {
  measure::SessionOptions so;
  so.jobs = jobs < 0 ? int(std::max(1u, std::thread::hardware_concurrency())) : jobs;
  return so;
}

std::string Duration(double s) {
  if (!std::isfinite(s) || s < 0) return "--:--";
  const long t = long(s + 0.5);
  return t >= 3600 ? fmt::format("{}:{:02}:{:02}", t / 3600, t / 60 % 60, t % 60)
                   : fmt::format("{}:{:02}", t / 60, t % 60);
}

// The tuner's best so far; before its first success (a cycle bound from the default schedule can stop
// every early trial) "none yet" rather than a zero that reads like a broken run.
std::string BestText(const agents::tune::TaskResult& t, double gops) {
  if (!t.best) return "none yet";
  return fmt::format("{:.2f} GOPS ({} cycles)", gops, t.best->cycles);
}

// Progress on a terminal: one line redrawn in place (stderr). Piped: a plain line when the best
// improves and every 5% (stdout). --json: one JSON object per event (stdout).
class Progress {
 public:
  Progress(bool json, const spec::Spec& s) : json_(json), tty_(::isatty(2)), s_(s), start_(Now()) {}
  ~Progress() { Clear(); }

  void On(const agents::tune::TuneEvent& e, const std::string& prefix = "") {
    using Kind = agents::tune::TuneEvent::Kind;
    const agents::tune::TaskResult& t = *e.task;
    const double best = t.BestGops(s_);
    if (json_) {
      nlohmann::ordered_json j;
      j["event"] = e.kind == Kind::kTaskStart ? "task_start" : e.kind == Kind::kTaskEnd ? "task_end" : "measurement";
      j["task"] = t.task.name;
      if (e.measurement) {
        j["status"] = measure::Name(e.measurement->status);
        j["cycles"] = e.measurement->cycles;
        j["memoized"] = e.measurement->memoized;
        j["schedule"] = compiler::ToJson(e.measurement->schedule);
      }
      j["done"] = e.done;
      j["total"] = e.total;
      j["best_cycles"] = t.best ? t.best->cycles : 0;
      j["best_gops"] = best;
      fmt::print("{}\n", j.dump());
      std::fflush(stdout);
      return;
    }
    if (e.kind == Kind::kTaskStart) {
      Clear();
      const uint64_t budget = t.budget == agents::tune::kAllTrials ? t.valid_points : uint64_t(t.budget);
      fmt::print("{}{} (x{}): {}, {} measurements\n", prefix, t.task.name, t.task.count, t.task.layer.Describe(),
                 budget);
      task_start_ = Now();
      if (e.done == 0) start_ = task_start_;  // a new run (bench tuners makes one per layer, tuner and seed)
      task_done_ = 0;
      last_best_ = 0;
      return;
    }
    if (e.kind == Kind::kTaskEnd) {
      Clear();
      fmt::print("{}{}: best {} cycles, {:.2f} GOPS after {} measurements ({} memoized, {} failed){}{}\n", prefix,
                 t.task.name, t.best ? t.best->cycles : 0, best, t.samples.size(), t.memoized, t.failed,
                 t.early_stopped ? ", stopped early" : "", t.exhausted ? ", every valid schedule measured" : "");
      std::fflush(stdout);
      return;
    }
    ++task_done_;
    const double elapsed = Now() - start_;
    const double rate = double(e.done) / std::max(elapsed, 1e-9) * 60;
    const double eta = rate > 0 ? double(e.total - e.done) / rate * 60 : -1;
    if (tty_) {
      const int width = 24;
      const int fill = e.total ? int(double(width) * double(e.done) / double(e.total)) : 0;
      const std::string line = fmt::format("{}[{}{}] {}/{}  {}  best {}  {:.1f}/min  ETA {}", prefix,
                                           std::string(size_t(fill), '='), std::string(size_t(width - fill), ' '),
                                           e.done, e.total, t.task.name, BestText(t, best), rate, Duration(eta));
      fmt::print(stderr, "\r{}\x1b[K", line);
      drawn_ = true;
    } else {
      const int64_t step = std::max<int64_t>(1, e.total / 20);
      if (best > last_best_ || e.done % step == 0 || e.done == e.total)
        fmt::print("{}{}/{} {} best {} {:.1f}/min ETA {}\n", prefix, e.done, e.total, t.task.name, BestText(t, best),
                   rate, Duration(eta));
      std::fflush(stdout);
    }
    last_best_ = best;
  }

  void Clear() {
    if (drawn_) fmt::print(stderr, "\r\x1b[K");
    drawn_ = false;
  }

 private:
  bool json_, tty_;
  const spec::Spec& s_;
  double start_, task_start_ = 0, last_best_ = 0;
  int64_t task_done_ = 0;
  bool drawn_ = false;
};

// --json: the result as the last JSON line.
void PrintResultLine(const nlohmann::ordered_json& j) {
  nlohmann::ordered_json line;
  line["event"] = "result";
  line.update(j);
  fmt::print("{}\n", line.dump());
}

// --tuner dcoc: the hardware configuration and every task's schedule together (agents/dcoc).
void CoTuneCommand(const TuneArgs& a) {
  const spec::Spec s = SpecFor(a.config);
  std::vector<agents::codesign::VtaTask> tasks;
  for (const agents::tune::TuneTask& t : TasksFor(a, s)) tasks.push_back({t.name, t.layer, t.count});
  spec::HwSpace space = spec::ParseHwSpace(a.hw_space);
  space.base = s.config;
  const agents::codesign::VtaProblem problem(std::move(tasks), std::move(space), boards::LoadBoard(a.board));
  if (!problem.HardwarePenalties(problem.BaseHardware()).empty())
    throw UsageError(fmt::format("--config {} does not fit board {} (see `dcoc rtl resources --board {}`)", a.config,
                                 a.board, a.board));
  agents::codesign::CoTuneOptions o;
  o.params = ParseParams(a.params, "--params");
  o.trials = ParseTrials(a.trials);
  if (o.trials == agents::tune::kAllTrials) throw UsageError("--tuner dcoc: --trials must be a number");
  o.seed = a.seed;
  o.backend = a.backend;
  if (!a.out_dir.empty()) {
    std::filesystem::create_directories(a.out_dir);
    o.checkpoint = (std::filesystem::path(a.out_dir) / "checkpoint.dcoc").string();
  }
  {
    // The parameters are checked before any worker starts.
    agents::TunerOptions to;
    to.params = o.params;
    agents::codesign::LoadCoTuner(problem, to);
  }
  std::unique_ptr<measure::Database> db;
  if (!a.db.empty()) db = std::make_unique<measure::Database>(a.db);
  // The bound is the driver's (relative to the run's own results), not the session's.
  o.cycle_bound = a.cycle_bound;
  measure::Session session(SessionFor(a.jobs), db.get());
  InterruptGuard guard;
  const double start = Now();
  const auto on_event = [&](const agents::codesign::CoTuneEvent& e) {
    const double best_s = e.best->found ? e.best->model_cycles / (s.config.clock_mhz * 1e6) : 0;
    if (a.json) {
      nlohmann::ordered_json j;
      j["event"] = e.measurement ? "measurement" : "round";
      j["config"] = e.config_tag;
      if (e.measurement) {
        j["task"] = problem.tasks()[e.task].name;  // the run's name (a memoized record keeps its first one)
        j["status"] = measure::Name(e.measurement->status);
        j["cycles"] = uint64_t(std::llround(e.measurement->Cost()));
        j["memoized"] = e.measurement->memoized;
      }
      j["done"] = e.done;
      j["total"] = e.total;
      j["best_model_cycles"] = e.best->found ? e.best->model_cycles : 0;
      fmt::print("{}\n", j.dump());
    } else if (!e.measurement) {
      std::string res;
      if (e.best->found) {
        const boards::Resources r = problem.ResourcesOf(e.best->hardware);
        res = fmt::format(", best {} ({:.0f} LUT, {:.0f} DSP, {:.1f} BRAM36): {:.0f} cycles, {:.1f} inferences/s",
                          spec::ConfigTag(*problem.Config(e.best->hardware)), r.lut, r.dsp, r.bram36,
                          e.best->model_cycles, 1 / best_s);
      }
      fmt::print("{}/{} [{}] measuring on {}{}\n", e.done, e.total, Duration(Now() - start), e.config_tag, res);
    }
    std::fflush(stdout);
  };
  const agents::codesign::CoTuneResult r = agents::codesign::CoTune(problem, o, session, on_event, &g_stop);
  nlohmann::ordered_json j = agents::codesign::ToJson(r, problem, o);
  const auto write = [](const std::filesystem::path& p, const nlohmann::ordered_json& v) {
    std::ofstream f(p);
    f << v.dump(2) << "\n";
    if (!f) throw Error(fmt::format("cannot write {}", p.string()));
  };
  if (!a.save.empty()) write(a.save, j);
  if (!a.out_dir.empty() && r.best.found) {
    std::filesystem::create_directories(a.out_dir);
    write(std::filesystem::path(a.out_dir) / "config.json", j["config"]);
    nlohmann::ordered_json table;  // `dcoc model run --schedules`: shape key -> schedule
    for (size_t t = 0; t < problem.NumTasks(); ++t) {
#ifdef DCOC_HAVE_MODEL
      const std::string key = model::ShapeKey(problem.tasks()[t].layer);
#else
      const std::string key = problem.tasks()[t].name;
#endif
      table[key] = j["tasks"][t]["schedule"];
    }
    write(std::filesystem::path(a.out_dir) / "schedules.json", table);
  }
  if (a.json) return PrintResultLine(j);
  if (!r.best.found) {
    fmt::print("no hardware point has a successful measurement of every task yet ({} measurements)\n", r.measured);
  } else {
    for (const auto& t : j["tasks"])
      fmt::print("{:<16} x{:<2} {:>10.0f} cycles {:>8.2f} GOPS  {}{}\n", t["name"].get<std::string>(),
                 t["count"].get<int>(), t["cycles"].get<double>(), t["gops"].get<double>(), t["schedule"].dump(),
                 t.value("default_schedule", false) ? "  (the default schedule: no trial beat it)" : "");
    fmt::print("hardware: {}  resources {}\n", j["config_tag"].get<std::string>(), j["resources"].dump());
    fmt::print("model: {:.0f} cycles ({:.3f} ms at {} MHz), {:.2f} GOPS, {:.1f} inferences/s\n",
               j["model"]["cycles"].get<double>(), j["model"]["seconds"].get<double>() * 1e3, s.config.clock_mhz,
               j["model"]["gops"].get<double>(), j["model"]["inferences_per_second"].get<double>());
  }
  const auto& st = r.stats;
  fmt::print(
      "{:.1f} s: measurement {:.1f} s (hardware builds {:.1f} s), learning {:.1f} s, search {:.1f} s; {} measurements "
      "({} memoized) on {} hardware points; drawn: {} hardware ({} infeasible), {} schedules ({} invalid){}\n",
      r.wall_seconds, r.measure_seconds, st.build_seconds, st.fit_seconds, st.search_seconds, r.measured, r.memoized,
      st.hardware_measured, st.hardware_sampled, st.hardware_infeasible, st.software_sampled, st.software_invalid,
      r.interrupted ? "; interrupted: re-run the same command with the same --db to continue" : "");
}

void Tune(const TuneArgs& a) {
  if (a.tuner == "dcoc") return CoTuneCommand(a);
  const spec::Spec s = SpecFor(a.config);
  const std::vector<agents::tune::TuneTask> tasks = TasksFor(a, s);
  agents::tune::TuneOptions o;
  o.tuner = a.tuner;
  o.params = ParseParams(a.params, "--params");
  o.trials = ParseTrials(a.trials);
  o.early_stopping = a.early_stopping;
  o.seed = a.seed;
  o.config = s.config;
  o.backend = a.backend;
  o.cycle_bound = a.cycle_bound;
  o.transfer = a.transfer;
  {
    // The tuner name and its parameters are checked before any worker starts.
    const compiler::ScheduleSpace space(tasks[0].layer, s);
    const agents::ScheduleSpaceAdapter adapter(space);
    agents::TunerOptions to;
    to.params = o.params;
    agents::CreateTuner(o.tuner, adapter, to);
  }
  std::unique_ptr<measure::Database> db;
  if (!a.db.empty()) db = std::make_unique<measure::Database>(a.db);
  measure::SessionOptions so = SessionFor(a.jobs);
  o.chunk = std::max(8, 8 * so.jobs);
  if ((so.executor = FarmExecutor(a.farm))) o.chunk = std::min(1024, std::max(8, 8 * FarmSlots(so.executor)));
  measure::Session session(so, db.get());
  InterruptGuard guard;
  Progress progress(a.json, s);
  const agents::tune::TuneResult r = agents::tune::Tune(
      tasks, o, session, db.get(), [&](const agents::tune::TuneEvent& e) { progress.On(e); }, &g_stop);
  progress.Clear();
  nlohmann::ordered_json j = agents::tune::ToJson(r, o);
  if (!a.save.empty()) {
    std::ofstream f(a.save);
    f << j.dump(2) << "\n";
    if (!f) throw Error(fmt::format("--save {}: cannot write the file", a.save));
  }
  if (a.json) return PrintResultLine(j);
  double measure_s = 0, fit_s = 0, search_s = 0;
  for (const agents::tune::TaskResult& t : r.tasks) {
    measure_s += t.measure_seconds, fit_s += t.fit_seconds, search_s += t.search_seconds;
    if (t.best)
      fmt::print("{:<16} x{:<2} {:>9} cycles {:>8.2f} GOPS  {}{}\n", t.task.name, t.task.count, t.best->cycles,
                 t.BestGops(s), compiler::ToJson(t.best->schedule).dump(),
                 t.best_is_default ? "  (the default schedule: no trial beat it)" : "");
    else
      fmt::print("{:<16} x{:<2} no successful measurement\n", t.task.name, t.task.count);
  }
  if (j.contains("model"))
    fmt::print("model: {} cycles ({:.3f} ms at {} MHz), {:.2f} GOPS{}\n", j["model"]["cycles"].get<uint64_t>(),
               j["model"]["seconds"].get<double>() * 1e3, s.config.clock_mhz, j["model"]["gops"].get<double>(),
               j["model"]["complete"].get<bool>() ? "" : " (tasks without a result left out)");
  fmt::print("{:.1f} s: measurement {:.1f} s, model fitting {:.1f} s, search {:.1f} s; {} memoized of {}{}\n",
             r.wall_seconds, measure_s, fit_s, search_s, session.counts().memoized,
             session.counts().memoized + session.counts().measured,
             r.interrupted ? "; interrupted: re-run the same command with the same --db to continue" : "");
  if (!db) fmt::print("(no --db: nothing was stored)\n");
}

void BenchTuners(const TuneArgs& a) {
  if (a.out.empty()) throw UsageError("bench tuners: -o DIR is required");
  const std::filesystem::path dir(a.out);
  const std::filesystem::path results_path = dir / "results.json", report_path = dir / "report.html";
  const auto write = [&](const nlohmann::ordered_json& res) {
    std::filesystem::create_directories(dir);
    const std::filesystem::path tmp = results_path.string() + ".tmp";
    {
      std::ofstream f(tmp);
      f << res.dump(1) << "\n";
      if (!f) throw Error(fmt::format("cannot write {}", tmp.string()));
    }
    std::filesystem::rename(tmp, results_path);
    std::ofstream h(report_path);
    h << agents::tune::ReportHtml(res);
    if (!h) throw Error(fmt::format("cannot write {}", report_path.string()));
  };
  nlohmann::ordered_json previous;
  if (std::filesystem::exists(results_path)) {
    std::ifstream f(results_path);
    try {
      previous = nlohmann::ordered_json::parse(f);
    } catch (const nlohmann::json::parse_error& e) {
      throw FormatError(fmt::format("{}: malformed JSON: {}", results_path.string(), e.what()));
    }
  }
  if (a.report_only) {
    if (previous.is_null()) throw UsageError(fmt::format("--report-only: {} does not exist", results_path.string()));
    nlohmann::ordered_json res = previous;
    res["summary"] = agents::tune::Summarize(res);
    write(res);
    fmt::print("wrote {}\n", report_path.string());
    return;
  }
  if (a.db.empty()) throw UsageError("bench tuners: --db F is required (the runs share its memoized measurements)");
  const spec::Spec s = SpecFor(a.config);
  agents::tune::BenchOptions o;
  for (const std::string& name : SplitList(a.layers)) {
    compiler::ConvLayer l = compiler::FindLayer(name);
    l.epilogue = compiler::DefaultEpilogue(l, s.out_bits);
    o.layers.push_back({name, l, 1});
  }
  o.tuners = SplitList(a.tuners);
  const std::vector<std::string> known = agents::TunerNames();
  for (const std::string& t : o.tuners)
    if (std::find(known.begin(), known.end(), t) == known.end())
      throw UsageError(fmt::format("--tuners: unknown tuner \"{}\" (known: {})", t, fmt::join(known, ", ")));
  for (const std::string& tp : a.tuner_params) {
    const size_t eq = tp.find('=');
    if (eq == std::string::npos) throw UsageError(fmt::format("--params {}: expected tuner=JSON", tp));
    o.params[tp.substr(0, eq)] = ParseParams(tp.substr(eq + 1), "--params");
  }
  o.trials = ParseTrials(a.trials);
  if (o.trials == agents::tune::kAllTrials) throw UsageError("bench tuners: --trials must be a number");
  o.seeds = a.seeds;
  o.config = s.config;
  o.backend = a.backend;
  o.cycle_bound = a.cycle_bound;
  const measure::SessionOptions so = SessionFor(a.jobs);
  o.chunk = std::max(8, 8 * so.jobs);
  o.workers = std::max(1, so.jobs);
  std::string cmd = "dcoc bench tuners";
  for (const auto& [k, v] : std::vector<std::pair<std::string, std::string>>{{"--layers", a.layers},
                                                                             {"--tuners", a.tuners},
                                                                             {"--trials", a.trials},
                                                                             {"--seeds", std::to_string(a.seeds)},
                                                                             {"--config", a.config},
                                                                             {"--backend", a.backend},
                                                                             {"--db", a.db},
                                                                             {"-o", a.out}})
    cmd += fmt::format(" {} {}", k, v);
  if (a.cycle_bound > 0) cmd += fmt::format(" --cycle-bound {}", a.cycle_bound);
  for (const std::string& tp : a.tuner_params) cmd += fmt::format(" --params '{}'", tp);
  o.command = cmd;
  measure::Database db(a.db);
  measure::Session session(so, &db);
  InterruptGuard guard;
  Progress progress(false, s);
  const nlohmann::ordered_json res = agents::tune::RunBench(
      o, session, db,
      [&](const agents::tune::BenchEvent& e) {
        progress.On(*e.event, fmt::format("[run {}/{} {} seed {}] ", e.run + 1, e.runs, e.tuner, e.seed));
      },
      &g_stop, previous, write);
  progress.Clear();
  write(res);
  for (const nlohmann::ordered_json& e : res["summary"]["per_tuner"])
    fmt::print("{:<10} fraction of the best known (geometric mean over {} layers): {:.3f}\n",
               e["tuner"].get<std::string>(), e["layers"].get<int>(), e["fraction_of_best_geomean"].get<double>());
  fmt::print("wrote {} and {}{}\n", results_path.string(), report_path.string(),
             res["interrupted"].get<bool>() ? " (interrupted: re-run the same command to continue)" : "");
}

void AddCommon(CLI::App* c, TuneArgs& a) {
  c->add_option("--config", a.config, "Preset, VTA tag or vta_config.json")->capture_default_str();
  c->add_option("--trials", a.trials, "Measurements (over all tasks; \"all\": every valid schedule)")
      ->capture_default_str();
  c->add_option("--jobs", a.jobs, "Measurement worker processes (default: the number of cores; 0: in this process)");
  c->add_option("--db", a.db,
                "Tuning database (SQLite): every measurement is stored; a re-run replays it and continues");
  c->add_option("--backend", a.backend, "verilator (cycles from the RTL) or fsim (the analytic estimate)")
      ->capture_default_str();
  c->add_option("--cycle-bound", a.cycle_bound,
                "Stop a run at this factor x the best cycles this run has measured for the layer (a lower bound is "
                "recorded; 0: off), so a database that knows faster schedules cannot leave the run without a result "
                "of its own. Before the run has one: x the default schedule's cycles (measured first, not a trial); "
                "--tuner dcoc: the round's first candidate of a layer on new hardware runs unbounded")
      ->capture_default_str();
}

}  // namespace

void RegisterTuneCommands(CLI::App& app) {
  static TuneArgs args;
  auto* tune = app.add_subcommand(
      "tune",
      "Tune the schedule of a layer, or of every task of a model, with a tuner measuring on a backend.\n"
      "Batch-synchronous: the tuner proposes a plan, the workers measure it, the tuner learns from the outcomes in\n"
      "proposal order, so a seed gives the same run whatever --jobs is. With --db every measurement is stored as it\n"
      "arrives; re-running the same command replays what was measured and continues (Ctrl-C stops cleanly).\n"
      "With --farm ADDR:PORT --key FILE the measurements go to a measurement farm (docs/farm.md) instead of local\n"
      "workers; nothing else changes.\n"
      "Tuners:\n" +
          agents::DescribeTuners() +
          "  dcoc       DCOC co-design (agents/README.md \"dcoc\"): hardware, mapping and scheduling actor-critic "
          "agents,\n"
          "             a centralized critic sharing the cost model's encoder, penalties, confidence sampling. "
          "Ablations\n"
          "             as --params: {\"confidence_sampling\": false} measures the best-predicted candidates instead,\n"
          "             {\"independent_critics\": true} gives each agent a critic of its own observation and action,\n"
          "             {\"software_only\": true} fixes the hardware at --config, {\"local_moves\": false} drops the\n"
          "             incumbent's one-knob neighbours from the hardware agent's actions. With --out DIR the\n"
          "             agents' state is checkpointed to DIR/checkpoint.dcoc after every round: re-running the\n"
          "             command resumes from it.\n");
  tune->add_option("--layer", args.layer, "Built-in layer(s) <model>.<layer>, comma-separated (see `dcoc layer list`)");
  tune->add_option("--conv", args.conv, "Layer shape N,C,H,W,K,R,S,stride,pad");
  tune->add_option("--kind", args.kind, "With --conv: conv2d, depthwise or dense")->capture_default_str();
  tune->add_option("--isa", args.isa,
                   "Instruction set: vta++ or vta (only what stock VTA bitstreams execute; the configuration must be "
                   "one VTA has)")
      ->capture_default_str();
  tune->add_option("--model", args.model,
                   "Every task of a built-in model (" + fmt::format("{}", fmt::join(compiler::BuiltinModels(), ", ")) +
                       ") or of an ONNX file (the tasks of `dcoc model tasks`) under one budget, split evenly");
  tune->add_option("--batch", args.batch, "With an ONNX file: the value of a symbolic batch dimension")
      ->capture_default_str();
  tune->add_option("--tuner", args.tuner,
                   fmt::format("One of: {} (schedules on --config), or dcoc (hardware configuration and "
                               "schedules together, on --board)",
                               fmt::join(agents::TunerNames(), ", ")))
      ->capture_default_str();
  tune->add_option("--board", args.board, "dcoc: the board whose resource caps the hardware must fit")
      ->capture_default_str();
  tune->add_option("--hw-space", args.hw_space,
                   "dcoc: hardware space over --config, KEY=lo-hi or KEY=a|b|c, comma-separated (default: LOG_BATCH "
                   "0-2, LOG_BLOCK_IN/OUT 3-6, LOG_INP/WGT/ACC_BUFF_SIZE 13-18, LOG_BUS_WIDTH 6-9)");
  tune->add_option("--out", args.out_dir,
                   "dcoc: write the chosen configuration (config.json, for --config) and schedules.json (for `dcoc "
                   "model run --schedules`) to this directory, and keep the run's checkpoint there (checkpoint.dcoc: "
                   "a re-run resumes from it)");
  tune->add_option("--params", args.params, "Tuner parameters as a JSON object, e.g. '{\"plan_size\": 32}'")
      ->capture_default_str();
  tune->add_option("--early-stopping", args.early_stopping,
                   "Stop a task after this many measurements without improvement (0: off)")
      ->capture_default_str();
  tune->add_option("--seed", args.seed, "Seed of the tuner and of the layer's operands")->capture_default_str();
  tune->add_flag("--transfer", args.transfer, "Seed autotvm/chameleon's cost model with other tasks' records in --db");
  tune->add_option("--save", args.save, "Also write the result (best schedules) as JSON to this file");
  tune->add_flag("--json", args.json, "JSON lines: one per event, then the result");
  AddCommon(tune, args);
  AddFarmOptions(tune, args.farm);
  tune->callback([] { Tune(args); });

  auto* bench = app.add_subcommand("bench", "Benchmarks");
  bench->require_subcommand(1);
  auto* tuners = bench->add_subcommand(
      "tuners",
      "Tuners side by side on the same layers at equal budgets, several seeds each, sharing the database's\n"
      "memoized measurements. Writes DIR/results.json and DIR/report.html (best-so-far GOPS against measurements,\n"
      "the fraction of the best known reached, measurements to reach it, time split). Re-running the same command\n"
      "continues an interrupted benchmark (finished runs are kept).");
  tuners->add_option("--layers", args.layers, "Built-in layers, comma-separated (resnet18.C2,resnet18.C3,...)");
  tuners->add_option("--tuners", args.tuners, "Tuners, comma-separated")->capture_default_str();
  tuners->add_option("--seeds", args.seeds, "Seeds per tuner and layer (1..N)")->capture_default_str();
  tuners->add_option("--params", args.tuner_params, "Parameters of one tuner: tuner='{JSON}' (repeatable)");
  tuners->add_option("-o,--out", args.out, "Output directory")->required();
  tuners->add_flag("--report-only", args.report_only, "Only rewrite report.html from DIR/results.json");
  AddCommon(tuners, args);
  tuners->callback([] { BenchTuners(args); });
  RegisterCodesignBench(*bench);
}

}  // namespace dcoc::cli
