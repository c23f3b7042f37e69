#include "agents/tune/tuning.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>

#include "agents/common/schedule_space.h"
#include "agents/common/tuner.h"
#include "host/common/error.h"
#include "host/compiler/space.h"

namespace dcoc::agents::tune {

namespace {

double Now() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }

// Other tasks' ok records on the same configuration and backend, as cost-model features (AutoTVM's
// transfer learning). At most `limit` records, newest tasks first as the database lists them.
std::vector<PriorRecord> PriorRecords(const measure::Database& db, const compiler::ConvLayer& layer,
                                      const TuneOptions& opts, const spec::Spec& s, size_t limit = 20000) {
  measure::RecordQuery q;
  q.config_hash = measure::ConfigHashHex(opts.config);
  q.backend = opts.backend;
  q.ok_only = true;
  const std::string self = compiler::TaskKey(layer);
  std::map<std::string, std::unique_ptr<compiler::ScheduleSpace>> spaces;
  std::vector<PriorRecord> out;
  db.ForEachRecord(q, [&](const measure::Measurement& m) {
    if (out.size() >= limit || m.task == self || m.cycles == 0) return;
    auto it = spaces.find(m.task);
    if (it == spaces.end()) {
      std::unique_ptr<compiler::ScheduleSpace> sp;
      try {
        sp = std::make_unique<compiler::ScheduleSpace>(db.Layer(m.task), s);
      } catch (const Error&) {
      }
      it = spaces.emplace(m.task, std::move(sp)).first;
    }
    if (!it->second) return;
    PriorRecord r;
    r.features.assign(compiler::ScheduleSpace::FeatureSize(), 0.0f);
    try {
      it->second->Features(it->second->PointOf(m.schedule), r.features);
    } catch (const Error&) {
      return;  // a schedule outside this build's space (an imported log): not comparable
    }
    r.throughput = double(it->second->layer().Macs()) / double(m.cycles);
    out.push_back(std::move(r));
  });
  return out;
}

// The cycles of an ok measurement: exact on a timed backend, the compiler's estimate on an untimed
// one (fsim); 0 for anything else.
uint64_t OkCycles(const measure::Measurement& m) { return m.ok() ? uint64_t(std::llround(m.Cost())) : 0; }

// Keeps the fastest ok measurement, with `cycles` filled in from the estimate on untimed backends.
void KeepBest(std::optional<measure::Measurement>& best, const measure::Measurement& m) {
  const uint64_t c = OkCycles(m);
  if (c == 0 || (best && c >= best->cycles)) return;
  best = m;
  best->cycles = c;
}

Sample SampleOf(const measure::Measurement& m) {
  Sample s;
  s.status = m.status;
  s.memoized = m.memoized;
  s.cycles = m.status == measure::Status::kCycleBound ? m.cycles : OkCycles(m);
  return s;
}

Result ResultOf(const Point& p, const measure::Measurement& m) {
  Result r;
  r.point = p;
  if (m.status == measure::Status::kOk || m.status == measure::Status::kCycleBound) {
    r.ok = m.Cost() > 0;
    r.cost = m.Cost();
    r.lower_bound = m.status == measure::Status::kCycleBound;
  }
  return r;
}

// A cycle bound needs a reference: without one, the first batch would run unbounded (random schedules
// of a layer run up to 30x the best). The compiler's default schedule (the estimate's best) is measured
// first (memoized when the database has it); it is stored like any measurement but is not one of the
// tuner's trials. It is a candidate for the result, though: a run never returns a schedule slower than the
// default it measured. Empty if it failed.
std::optional<measure::Measurement> MeasureDefault(const compiler::ConvLayer& layer, const TuneOptions& opts,
                                                   const spec::Spec& s, measure::Session& session) {
  measure::Request r;
  r.layer = layer;
  r.config = opts.config;
  r.backend = opts.backend;
  r.seed = opts.seed;
  r.schedule = compiler::DefaultSchedule(layer, s);
  std::optional<measure::Measurement> best;
  KeepBest(best, session.Measure({r})[0]);
  return best;
}

}  // namespace

double Gops(int64_t macs, uint64_t cycles, const spec::Spec& s) {
  if (cycles == 0) return 0;
  return 2.0 * double(macs) / (double(cycles) / s.ClockHz()) / 1e9;
}

double TaskResult::BestGops(const spec::Spec& s) const { return best ? Gops(task.layer.Macs(), best->cycles, s) : 0.0; }

std::vector<int64_t> SplitBudget(int64_t trials, size_t tasks) {
  std::vector<int64_t> b(tasks, trials);
  if (trials == kAllTrials || tasks == 0) return b;
  for (size_t i = 0; i < tasks; ++i) b[i] = trials / int64_t(tasks) + (int64_t(i) < trials % int64_t(tasks));
  return b;
}

TuneResult Tune(const std::vector<TuneTask>& tasks, const TuneOptions& opts, measure::Session& session,
                const measure::Database* db, const std::function<void(const TuneEvent&)>& on_event,
                const std::atomic<bool>* stop) {
  if (tasks.empty()) throw UsageError("nothing to tune: no task");
  if (opts.trials <= 0) throw UsageError(fmt::format("--trials {}: must be at least 1 (or \"all\")", opts.trials));
  if (opts.early_stopping < 0)
    throw UsageError(fmt::format("--early-stopping {}: must be 0 (off) or positive", opts.early_stopping));
  if (opts.cycle_bound != 0 && opts.cycle_bound < 1)
    throw UsageError(fmt::format("--cycle-bound {}: must be 0 (no bound) or at least 1", opts.cycle_bound));
  if (opts.chunk < 1) throw UsageError(fmt::format("chunk {}: must be at least 1", opts.chunk));
  const spec::Spec s = spec::Spec::Create(opts.config);
  const double t_start = Now();
  TuneResult result;
  const std::vector<int64_t> budgets = SplitBudget(opts.trials, tasks.size());

  // Spaces first: a bad layer fails before anything is measured, and --trials all knows its total.
  std::vector<std::unique_ptr<compiler::ScheduleSpace>> spaces;
  for (const TuneTask& t : tasks) spaces.push_back(std::make_unique<compiler::ScheduleSpace>(t.layer, s));
  int64_t total = 0;
  for (size_t i = 0; i < tasks.size(); ++i) {
    TaskResult tr;
    tr.task = tasks[i];
    tr.budget = budgets[i];
    if (budgets[i] == kAllTrials) {
      tr.valid_points = spaces[i]->CountValid();
      total += int64_t(tr.valid_points);
    } else {
      total += budgets[i];
    }
    result.tasks.push_back(std::move(tr));
  }
  int64_t done = 0;
  const auto emit = [&](TuneEvent::Kind kind, size_t i, const measure::Measurement* m) {
    if (on_event) on_event(TuneEvent{kind, i, &result.tasks[i], m, done, total});
  };

  for (size_t i = 0; i < tasks.size() && !result.interrupted; ++i) {
    TaskResult& tr = result.tasks[i];
    const double t_task = Now();
    const ScheduleSpaceAdapter space(*spaces[i]);
    TunerOptions to;
    to.seed = opts.seed;
    to.params = opts.params;
    if (opts.transfer && db) to.prior = PriorRecords(*db, tasks[i].layer, opts, s);
    const std::unique_ptr<Tuner> tuner = CreateTuner(opts.tuner, space, to);
    emit(TuneEvent::Kind::kTaskStart, i, nullptr);
    const int64_t budget = tr.budget == kAllTrials ? int64_t(tr.valid_points) : tr.budget;
    const std::optional<measure::Measurement> default_schedule =
        opts.cycle_bound > 0 ? MeasureDefault(tasks[i].layer, opts, s, session) : std::nullopt;
    const uint64_t default_cycles = default_schedule ? OkCycles(*default_schedule) : 0;
    int64_t since_best = 0;
    std::optional<measure::Measurement> best_in_order;
    while (int64_t(tr.samples.size()) < budget) {
      const int64_t left = budget - int64_t(tr.samples.size());
      const std::vector<Point> points = tuner->Propose(int(std::min<int64_t>(left, 1024)));
      if (points.empty()) {
        tr.exhausted = true;
        break;
      }
      std::vector<measure::Request> requests;
      for (const Point& p : points) {
        measure::Request r;
        r.layer = tasks[i].layer;
        r.config = opts.config;
        r.backend = opts.backend;
        r.schedule = space.At(p);
        r.seed = opts.seed;
        requests.push_back(std::move(r));
      }
      // One bound for the whole batch: f x the best this run had measured when the batch began (the
      // default schedule's cycles until then). The run's own, not the database's: faster schedules other
      // runs stored would stop every attempt early and could leave the task without a result.
      uint64_t reference = default_cycles;
      if (best_in_order && (reference == 0 || best_in_order->cycles < reference)) reference = best_in_order->cycles;
      if (opts.cycle_bound > 0 && reference > 0)
        for (measure::Request& r : requests) r.max_cycles = uint64_t(std::ceil(opts.cycle_bound * double(reference)));
      std::vector<measure::Measurement> measured;
      for (size_t c = 0; c < requests.size(); c += size_t(opts.chunk)) {
        if (stop && stop->load()) break;
        const size_t end = std::min(requests.size(), c + size_t(opts.chunk));
        std::vector<measure::Request> chunk(requests.begin() + ptrdiff_t(c), requests.begin() + ptrdiff_t(end));
        const double t0 = Now();
        std::vector<measure::Measurement> ms = session.Measure(std::move(chunk), [&](const measure::Progress& p) {
          ++done;
          const measure::Measurement& m = *p.measurement;
          KeepBest(tr.best, m);
          emit(TuneEvent::Kind::kMeasurement, i, p.measurement);
        });
        tr.measure_seconds += Now() - t0;
        for (measure::Measurement& m : ms) {
          tr.samples.push_back(SampleOf(m));
          tr.memoized += m.memoized;
          tr.cost_seconds += m.wall.total;
          tr.failed += !m.ok() && m.status != measure::Status::kCycleBound;
          // Best and early stopping in proposal order (completion order depends on the workers).
          if (OkCycles(m) > 0 && (!best_in_order || OkCycles(m) < best_in_order->cycles)) {
            KeepBest(best_in_order, m);
            since_best = 0;
          } else {
            ++since_best;
          }
          measured.push_back(std::move(m));
          if (opts.early_stopping > 0 && since_best >= opts.early_stopping) {
            tr.early_stopped = true;  // what the chunk measured beyond this point is in the database only
            break;
          }
        }
        if (tr.early_stopped) break;
      }
      if (tr.early_stopped) break;
      if (measured.size() < points.size()) {  // stopped between chunks
        tr.interrupted = result.interrupted = true;
        break;
      }
      std::vector<Result> outcomes;
      for (size_t k = 0; k < points.size(); ++k) outcomes.push_back(ResultOf(points[k], measured[k]));
      tuner->Observe(outcomes);
    }
    tr.best = best_in_order;
    if (default_schedule && (!tr.best || default_cycles < tr.best->cycles)) {
      tr.best = default_schedule;
      tr.best_is_default = true;
    }
    const TunerTiming timing = tuner->Timing();
    tr.fit_seconds = timing.fit_seconds;
    tr.search_seconds = timing.search_seconds;
    tr.wall_seconds = Now() - t_task;
    // With --trials all the total counted every valid point; an early stop leaves the rest undone.
    emit(TuneEvent::Kind::kTaskEnd, i, nullptr);
  }
  result.wall_seconds = Now() - t_start;
  return result;
}

nlohmann::ordered_json ToJson(const TuneResult& r, const TuneOptions& opts) {
  const spec::Spec s = spec::Spec::Create(opts.config);
  nlohmann::ordered_json j;
  j["config"] = s.tag;
  j["backend"] = opts.backend;
  j["tuner"] = opts.tuner;
  j["seed"] = opts.seed;
  j["interrupted"] = r.interrupted;
  j["wall_seconds"] = r.wall_seconds;
  j["tasks"] = nlohmann::ordered_json::array();
  uint64_t model_cycles = 0;
  int64_t model_macs = 0;
  bool complete = true;
  for (const TaskResult& t : r.tasks) {
    nlohmann::ordered_json tj;
    tj["name"] = t.task.name;
    tj["count"] = t.task.count;
    tj["layer"] = t.task.layer.Describe();
    tj["task_key"] = compiler::TaskKey(t.task.layer);
    tj["trials"] = t.samples.size();
    tj["memoized"] = t.memoized;
    tj["failed"] = t.failed;
    tj["exhausted"] = t.exhausted;
    tj["early_stopped"] = t.early_stopped;
    tj["measure_seconds"] = t.measure_seconds;
    tj["fit_seconds"] = t.fit_seconds;
    tj["search_seconds"] = t.search_seconds;
    tj["wall_seconds"] = t.wall_seconds;
    tj["cost_seconds"] = t.cost_seconds;
    if (t.best) {
      tj["best"] = {
          {"schedule", compiler::ToJson(t.best->schedule)}, {"cycles", t.best->cycles}, {"gops", t.BestGops(s)}};
      if (t.best_is_default) tj["best"]["default_schedule"] = true;  // no trial beat the measured default
      model_cycles += t.best->cycles * uint64_t(t.task.count);
      model_macs += t.task.layer.Macs() * t.task.count;
    } else {
      tj["best"] = nullptr;
      complete = false;
    }
    j["tasks"].push_back(std::move(tj));
  }
  if (r.tasks.size() > 1) {
    j["model"] = {{"complete", complete},
                  {"cycles", model_cycles},
                  {"seconds", double(model_cycles) / s.ClockHz()},
                  {"gops", Gops(model_macs, model_cycles, s)}};
  }
  return j;
}

}  // namespace dcoc::agents::tune
