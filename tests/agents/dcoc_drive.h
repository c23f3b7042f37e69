// Drives a DCOC co-tuner on the synthetic problem, checking every proposal (tests only).
#pragma once

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <gtest/gtest.h>

#include <memory>
#include <set>
#include <string>

#include "agents/dcoc/dcoc.h"
#include "tests/agents/dcoc_synthetic.h"

namespace dcoc::agents::codesign::testing {

struct DriveResult {
  std::vector<Candidate> proposals;
  Design best;
  CoTunerStats stats;
};

// Drives `tuner` for `budget` more measurements in batches of `batch`, checking each proposal; appends to
// `run.proposals` and refreshes `run.best` and `run.stats`.
inline void Continue(const SynthProblem& problem, CoTuner& tuner, int budget, DriveResult& run, int batch = 16) {
  std::set<std::string> seen;
  for (const Candidate& c : run.proposals)
    seen.insert(fmt::format("{}/{}/{}", fmt::join(c.hardware, ","), c.task, fmt::join(c.software, ",")));
  for (int done = 0; done < budget;) {
    const auto cs = tuner.Propose(std::min(batch, budget - done));
    if (cs.empty()) break;
    std::vector<Outcome> outs;
    for (const Candidate& c : cs) {
      // Invalid candidates never reach a device: the hardware fits the board, the schedule is valid,
      // and nothing is proposed twice.
      EXPECT_TRUE(problem.HardwarePenalties(c.hardware).empty());
      EXPECT_TRUE(problem.SoftwareSpace(c.task, c.hardware).Valid(c.software));
      const std::string key = fmt::format("{}/{}/{}", fmt::join(c.hardware, ","), c.task, fmt::join(c.software, ","));
      EXPECT_TRUE(seen.insert(key).second) << key;
      outs.push_back({c, true, problem.Cycles(c.task, c.hardware, c.software), false, 0});
      run.proposals.push_back(c);
      ++done;
    }
    tuner.Observe(outs);
  }
  run.best = tuner.Best();
  run.stats = tuner.Stats();
}

inline std::unique_ptr<CoTuner> CreateTuner(const SynthProblem& problem, uint64_t seed, const nlohmann::json& params) {
  TunerOptions opts;
  opts.seed = seed;
  opts.params = params.is_null() ? nlohmann::json::object() : params;
  return Create(problem, opts);
}

// Drives a new tuner for `budget` measurements in batches of `batch`, checking each proposal.
inline DriveResult Drive(const SynthProblem& problem, int budget, uint64_t seed, nlohmann::json params = {},
                         int batch = 16) {
  auto tuner = CreateTuner(problem, seed, params);
  DriveResult run;
  Continue(problem, *tuner, budget, run, batch);
  return run;
}

// Proposals as text (readable in test failures).
inline std::vector<std::string> Keys(const std::vector<Candidate>& cs) {
  std::vector<std::string> out;
  for (const Candidate& c : cs)
    out.push_back(fmt::format("{}/{}/{}", fmt::join(c.hardware, ","), c.task, fmt::join(c.software, ",")));
  return out;
}

}  // namespace dcoc::agents::codesign::testing
