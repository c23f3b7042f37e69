// The co-design tuning driver behind `dcoc tune --tuner dcoc`: the DCOC agents propose (hardware point,
// task, schedule) candidates for a VtaProblem, a measurement session (host/measure) measures them on
// the configuration each hardware point is built as, and the agents observe the outcomes in proposal
// order. Like agents/tune's driver it is batch-synchronous (a round's plan is measured as one batch),
// so a seed gives the same run whatever --jobs is, and re-running a stopped command with the same
// database replays the memoized measurements and continues.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "agents/dcoc/dcoc.h"
#include "agents/dcoc/vta_problem.h"
#include "host/measure/session.h"

namespace dcoc::agents::codesign {

// Loads libdcoc_dcoc.so (beside the executable, else where the build put it) and creates the co-tuner.
// Throws UsageError for bad parameters, or when this build has no LibTorch.
std::unique_ptr<CoTuner> LoadCoTuner(const Problem& problem, const TunerOptions& opts);

struct CoTuneOptions {
  nlohmann::json params = nlohmann::json::object();
  uint64_t seed = 1;
  int64_t trials = 0;  // measurements over all tasks and hardware points
  std::string backend = "verilator";
  // Cycle bound factor f (0: none; else at least 1; the session's own factor must be 0). A run of a
  // (hardware, task) stops at f x the fastest exact cycles THIS run has measured there, so every
  // improvement on the run's own design is measured exactly, whatever the database holds. Until the run
  // has an exact result of a (hardware, task), a batch's first candidate of it (the tuner's first choice)
  // runs without a bound and the others stop at f x the fewer of the best the database knows there and the
  // run's best of the task on any hardware (none: no bound; a new hardware point's random schedules ran up
  // to 20x the good ones' cycles unbounded). A
  // database that knows faster schedules than the run finds therefore never leaves the run without a
  // whole-model design of its own (a bound taken from the database alone turned every attempt into a
  // lower bound there).
  double cycle_bound = 0;
  // Checkpoint file (empty: none). Written after every round's measurements are observed (atomically:
  // a temporary file renamed over it); when it exists at the start, the run resumes from it: the agents'
  // networks, optimizer state, generator and history come back as they were, and the run continues with
  // the next round (whatever a killed round had measured comes back memoized from the database). A
  // checkpoint of another run (problem, board, backend, parameters, seed) is a UsageError.
  std::string checkpoint;
};

struct CoTuneEvent {
  const measure::Measurement* measurement = nullptr;  // null: a round's plan is about to be measured
  std::string config_tag;                             // the hardware being measured
  size_t task = 0;  // the measured task's index in the problem (a memoized record may carry another name)
  int64_t done = 0, total = 0;
  const Design* best = nullptr;  // the best whole-model design so far (best->found may be false)
};

struct CoTuneResult {
  Design best;
  std::optional<spec::HwConfig> config;                        // the best design's configuration
  std::vector<std::optional<measure::Measurement>> task_best;  // on that configuration, per task
  // Per task on that configuration: the default schedule's cycles where they beat the design's (with a cycle
  // bound, the run measures the defaults; the result never returns a schedule slower than one it measured),
  // else 0. The result's schedule and cycles of such a task are the default's.
  std::vector<uint64_t> default_faster;
  CoTunerStats stats;
  int64_t measured = 0, memoized = 0;
  double wall_seconds = 0, measure_seconds = 0;
  bool interrupted = false, exhausted = false;
  int64_t resumed = 0;            // measurements restored from the checkpoint
  double checkpoint_seconds = 0;  // writing and reading it
  // The default schedules measured as the bound's reference (not trials; their time is in measure_seconds),
  // and the model builds they paid for (a new hardware point's first measurement is its default's).
  int64_t default_probes = 0;
  double probe_build_seconds = 0;
};

CoTuneResult CoTune(const VtaProblem& problem, const CoTuneOptions& opts, measure::Session& session,
                    const std::function<void(const CoTuneEvent&)>& on_event = {},
                    const std::atomic<bool>* stop = nullptr);

// {"tuner": "dcoc", "board", "backend", "config" (VTA-style JSON), "config_tag", "resources", "fit",
//  "tasks": [{name, count, layer, schedule, cycles, gops, default_schedule (when the default is kept)}], "model": {cycles, seconds, gops,
//  inferences_per_second}, "stats": {...}}. `layer run --schedule` reads a task's schedule.
nlohmann::ordered_json ToJson(const CoTuneResult& r, const VtaProblem& problem, const CoTuneOptions& opts);

}  // namespace dcoc::agents::codesign
