// `dcoc bench tuners`: tuners side by side at equal budgets on the same layers and seeds, sharing the
// tuning database's memoized measurements, and the report of what they reached.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "agents/tune/tuning.h"

namespace dcoc::agents::tune {

struct BenchOptions {
  std::vector<TuneTask> layers;
  std::vector<std::string> tuners;
  std::map<std::string, nlohmann::json> params;  // per tuner (optional)
  int64_t trials = 256;                          // per layer, per run
  int seeds = 3;                                 // seeds 1..seeds
  spec::HwConfig config;
  std::string backend = "verilator";
  double cycle_bound = 0;
  int chunk = 4;
  int workers = 1;  // measurement workers of the session (for the tuner's share of a run measured from scratch)
  std::vector<double> fractions = {0.9, 0.95, 0.99};  // of the best known throughput
  std::string command;                                // recorded in the results
};

// Progress of the benchmark: which run, and its events.
struct BenchEvent {
  size_t run = 0, runs = 0;
  std::string layer, tuner;
  uint64_t seed = 0;
  const TuneEvent* event = nullptr;
};

// Runs every (layer, tuner, seed) and returns results.json's document: the runs' best-so-far curves
// and time splits, each layer's best known schedule (the database's best, which includes ground
// truth when every valid schedule was measured) and a summary per layer and tuner. Runs already in
// `previous` (same layer, tuner, seed, trials) are reused, so an interrupted benchmark continues;
// `checkpoint` gets the document after every run (to write it as the benchmark goes).
nlohmann::ordered_json RunBench(const BenchOptions& opts, measure::Session& session, const measure::Database& db,
                                const std::function<void(const BenchEvent&)>& on_event = {},
                                const std::atomic<bool>* stop = nullptr,
                                const nlohmann::ordered_json& previous = nlohmann::ordered_json(),
                                const std::function<void(const nlohmann::ordered_json&)>& checkpoint = {});

// The summary block of a results document (recomputed from its runs and layers).
nlohmann::ordered_json Summarize(const nlohmann::ordered_json& results);

// A self-contained HTML page (inline SVG, no scripts) of a results document: one panel per layer with
// best-so-far GOPS against measurements (mean line and min-max band over seeds per tuner, the best
// known as a dashed line), and tables of final best, measurements to reach fractions of the best known,
// and the wall time split into measurement, model fitting and search.
std::string ReportHtml(const nlohmann::ordered_json& results);

}  // namespace dcoc::agents::tune
