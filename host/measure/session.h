// A measurement session: what a tuner (dcoc tune, layer search, the benchmarks) measures through.
// Each batch is answered from the tuning database where it can (memoized points are reported again
// without simulating, and still count as measurements), the rest is measured by the worker pool (or
// in this process with jobs = 0), and every new measurement is committed as it arrives.
//
// Resume: tuners are deterministic for a seed and observe results in proposal order, so re-running a
// stopped command with the same database replays the same proposals, which the database answers,
// and then continues where the run stopped.
//
// Cycle bound: with cycle_bound_factor f > 0, a batch's runs stop at f x the best cycles known for the
// task (database and this session, as they stood when the batch began, so a batch's bound does not
// depend on the order results arrive in) and are recorded as lower bounds.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <span>
#include <vector>

#include "host/measure/database.h"
#include "host/measure/executor.h"
#include "host/measure/measurement.h"
#include "host/measure/measurer.h"
#include "host/measure/worker_pool.h"

namespace dcoc::measure {

struct SessionOptions {
  int jobs = 0;  // worker processes (0: in this process, no isolation)
  WorkerPoolOptions pool;
  // When set, requests go here instead of a pool of `jobs` local workers (the measurement farm).
  std::shared_ptr<Executor> executor;
  double cycle_bound_factor = 0;  // 0: no bound
};

// Progress of a batch: called after each result (memoized ones first, in request order).
struct Progress {
  size_t index = 0;  // request index in the batch
  const Measurement* measurement = nullptr;
  size_t done = 0, total = 0;
};

class Session {
 public:
  // db may be null (nothing stored, nothing memoized).
  Session(SessionOptions opts, Database* db);
  ~Session();

  // Measures a batch; returns the measurements in request order. The requests' max_cycles is
  // replaced by the session's bound when cycle_bound_factor > 0.
  std::vector<Measurement> Measure(std::vector<Request> batch, const std::function<void(const Progress&)>& progress = {});

  // Counts over the session.
  struct Counts {
    int64_t measured = 0, memoized = 0, failed = 0;
    double wall_seconds = 0;     // inside Measure
    double simulate_seconds = 0; // sum of the workers' simulate time
  };
  const Counts& counts() const { return counts_; }
  // The best cycles known for a task on a configuration and backend (database and session); 0: none.
  uint64_t BestCycles(const Request& r) const;

 private:
  SessionOptions opts_;
  Database* db_;
  std::shared_ptr<Executor> executor_;
  std::unique_ptr<Measurer> local_;
  std::map<std::string, uint64_t> best_;  // memo task|config|backend -> best ok cycles this session
  Counts counts_;
};

}  // namespace dcoc::measure
