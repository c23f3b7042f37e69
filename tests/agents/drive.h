// The batch-synchronous loop of `dcoc tune` over a synthetic space, and tuner construction for tests.
#pragma once

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "agents/common/tuner.h"
#include "tests/agents/synthetic_space.h"

namespace dcoc::agents::testing {

struct Trace {
  std::vector<Point> proposed;
  double best = 0;
  int found_at = -1;  // measurements until the optimum (cost `target`) was measured
};

// The batch-synchronous loop of `dcoc tune`: propose up to `batch`, measure, observe.
inline Trace Drive(Tuner& t, const SyntheticSpace& space, int budget, int batch = 8, double target = 100) {
  Trace run;
  while (int(run.proposed.size()) < budget) {
    const std::vector<Point> pts = t.Propose(std::min(batch, budget - int(run.proposed.size())));
    if (pts.empty()) break;
    std::vector<Result> results;
    for (const Point& p : pts) {
      results.push_back(space.Measure(p));
      run.proposed.push_back(p);
      const double c = results.back().cost;
      if (run.best == 0 || c < run.best) run.best = c;
      if (c <= target && run.found_at < 0) run.found_at = int(run.proposed.size());
    }
    t.Observe(results);
  }
  return run;
}

// chameleon's PPO search costs about 0.4 s of CPU per plan with its 128 walkers; the tests run it
// with 32 unless they say otherwise.
inline std::unique_ptr<Tuner> Make(const std::string& name, const Space& s, uint64_t seed, nlohmann::json params = {}) {
  TunerOptions o;
  o.seed = seed;
  if (!params.is_null()) o.params = std::move(params);
  if (name == "chameleon" && o.params.is_object() && !o.params.contains("walkers")) o.params["walkers"] = 32;
  return CreateTuner(name, s, o);
}

}  // namespace dcoc::agents::testing
