// Drives a DCOC co-tuner on the synthetic problem, checking every proposal (tests only).
#pragma once

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <gtest/gtest.h>

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

// Drives the tuner for `budget` measurements in batches of `batch`, checking each proposal.
inline DriveResult Drive(const SynthProblem& problem, int budget, uint64_t seed, nlohmann::json params = {}, int batch = 16) {
  TunerOptions opts;
  opts.seed = seed;
  opts.params = params.is_null() ? nlohmann::json::object() : params;
  auto tuner = Create(problem, opts);
  DriveResult run;
  std::set<std::string> seen;
  while (int(run.proposals.size()) < budget) {
    const auto cs = tuner->Propose(std::min(batch, budget - int(run.proposals.size())));
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
    }
    tuner->Observe(outs);
  }
  run.best = tuner->Best();
  run.stats = tuner->Stats();
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
