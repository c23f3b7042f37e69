// The tuning driver behind `dcoc tune` and `dcoc bench tuners`: a tuner proposes schedules for a
// layer, a measurement session (host/measure) measures them, the tuner observes the outcomes.
//
// Batch-synchronous: the tuner proposes its natural batch (a plan, a generation; at most 1024 points),
// the batch is measured in chunks on the worker pool, and the tuner observes every outcome in
// proposal order. Tuners do not depend on how a batch is chunked, and the cycle bound is fixed per
// batch, so a seed gives the same run whatever --jobs is, and re-running a stopped command with the
// same database replays the memoized outcomes and continues where it stopped.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "host/compiler/conv.h"
#include "host/measure/database.h"
#include "host/measure/session.h"
#include "host/spec/hw_config.h"

namespace dcoc::agents::tune {

// One tuning task: a layer and how often the model runs it.
struct TuneTask {
  std::string name;  // "resnet18.C5", or the model's task name
  compiler::ConvLayer layer;
  int count = 1;
};

inline constexpr int64_t kAllTrials = std::numeric_limits<int64_t>::max();

struct TuneOptions {
  std::string tuner = "autotvm";
  nlohmann::json params = nlohmann::json::object();  // tuner parameters (agents::CreateTuner)
  int64_t trials = 0;          // measurements over all tasks, split evenly; kAllTrials: every valid point
  int64_t early_stopping = 0;  // per task: stop after this many measurements without a better one (0: off)
  uint64_t seed = 1;
  spec::HwConfig config;
  std::string backend = "verilator";
  // Stop runs at this factor x the best cycles this run had measured for the task when their batch began
  // (0: no bound; else >= 1). The compiler's default schedule is measured first (not a tuner's trial; memoized
  // when known) and is the reference until the run has a faster result of its own.
  double cycle_bound = 0;
  bool transfer = false;   // seed model-based tuners with other tasks' records in the database
  // Measurements per session call: Ctrl-C takes effect between chunks, and the workers idle at the end of
  // each chunk while the last measurements finish (so larger chunks measure faster).
  int chunk = 8;
};

// One measurement as a tuning run saw it.
struct Sample {
  uint64_t cycles = 0;  // ok: exact; cycle_bound: the lower bound; 0: failed
  measure::Status status = measure::Status::kOk;
  bool memoized = false;
};

struct TaskResult {
  TuneTask task;
  int64_t budget = 0;
  uint64_t valid_points = 0;  // counted only for kAllTrials
  std::vector<Sample> samples;
  // The fastest ok outcome (on an untimed backend, fsim, `cycles` holds the compiler's estimate), the
  // measured default schedule included (best_is_default: no trial beat it).
  std::optional<measure::Measurement> best;
  bool best_is_default = false;
  int64_t memoized = 0, failed = 0;
  double measure_seconds = 0, fit_seconds = 0, search_seconds = 0, wall_seconds = 0;
  // The measurements' own wall time, summed (for memoized ones, the original measurement's): what the
  // run would have cost alone on one worker.
  double cost_seconds = 0;
  bool exhausted = false, early_stopped = false, interrupted = false;

  // Throughput of the best schedule at the configuration's clock (0 when nothing succeeded).
  double BestGops(const spec::Spec& s) const;
};

struct TuneResult {
  std::vector<TaskResult> tasks;
  double wall_seconds = 0;
  bool interrupted = false;
};

// Progress: a task begins, a measurement arrives (in completion order within a chunk), a task ends.
struct TuneEvent {
  enum class Kind { kTaskStart, kMeasurement, kTaskEnd } kind;
  size_t task_index = 0;
  const TaskResult* task = nullptr;                   // the task's result so far
  const measure::Measurement* measurement = nullptr;  // kMeasurement
  int64_t done = 0, total = 0;                        // measurements over all tasks (total: sum of budgets, or of
                                                      // valid points with kAllTrials)
};

// Throughput in GOPS of `macs` multiply-accumulates in `cycles` at the configuration's clock.
double Gops(int64_t macs, uint64_t cycles, const spec::Spec& s);

// Budgets per task: `trials` split evenly, the remainder to the first tasks (kAllTrials: every one).
std::vector<int64_t> SplitBudget(int64_t trials, size_t tasks);

// Runs the tuner on each task in turn. `db` (may be null) supplies prior records for transfer.
// `stop` (may be null) is polled between chunks: once set, the run ends after the chunk in flight,
// keeping everything measured. Throws UsageError for a bad tuner, parameter or option.
TuneResult Tune(const std::vector<TuneTask>& tasks, const TuneOptions& opts, measure::Session& session,
                const measure::Database* db, const std::function<void(const TuneEvent&)>& on_event = {},
                const std::atomic<bool>* stop = nullptr);

// The best schedules as JSON: {"config", "backend", "tuner", "tasks": [{name, count, layer, trials,
// best: {schedule, cycles, gops}, ...}], "model": {cycles (count-weighted), gops}}.
nlohmann::ordered_json ToJson(const TuneResult& r, const TuneOptions& opts);

}  // namespace dcoc::agents::tune
