// DCOC (Fayyazi, Kamal, Pedram, "Dynamic Co-Optimization Compiler", ASP-DAC 2025, arXiv 2407.08192):
// three actor-critic agents -- hardware, mapping, scheduling -- trained with one centralized critic
// (centralized training, decentralized execution), a learned cost model that shares the critic's
// encoder, rewards that are the predicted or measured throughput minus named constraint penalties, and
// confidence sampling of what gets measured. How this implementation works, and where it departs from
// the paper's description, is in agents/README.md ("dcoc").
//
// The ask/tell contract is tuner.h's, over a co-design Problem instead of one Space: Propose returns
// candidates (hardware point, task, schedule) never proposed before, each on a hardware point the board
// can hold and each a valid schedule (invalid candidates never reach a device); Observe gets every
// outcome in proposal order. Deterministic for a seed and independent of how the caller batches.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "agents/common/tuner.h"
#include "agents/dcoc/problem.h"

namespace dcoc::agents::codesign {

// The best whole-model design measured so far: a hardware point on which every task has an ok
// measurement, with the fastest schedule of each task there.
struct Design {
  bool found = false;
  Point hardware;
  double model_cycles = 0;          // sum over tasks of count x cycles
  std::vector<Point> schedules;     // per task
  std::vector<double> task_cycles;  // per task
};

struct CoTunerStats {
  int64_t rounds = 0;
  int64_t hardware_sampled = 0, hardware_infeasible = 0;  // hardware actions drawn; those with a penalty
  int64_t software_sampled = 0, software_invalid = 0;     // software actions drawn; those with a violation
  int64_t proposed = 0, measured = 0, failed = 0, lower_bounds = 0;
  int64_t hardware_measured = 0;             // distinct hardware points measured
  int64_t random_proposals = 0;              // the random share of confidence sampling
  std::map<std::string, int64_t> penalties;  // violations drawn, by constraint name
  double fit_seconds = 0, search_seconds = 0, build_seconds = 0;
  // Per round: the share of drawn hardware actions that had a penalty (the penalties' effect over time).
  std::vector<double> infeasible_share;
  double last_cost_loss = 0, last_critic_loss = 0;
};

class CoTuner {
 public:
  virtual ~CoTuner() = default;
  virtual std::vector<Candidate> Propose(int n) = 0;
  virtual void Observe(std::span<const Outcome> outcomes) = 0;
  virtual Design Best() const = 0;
  virtual const CoTunerStats& Stats() const = 0;

  // The whole learned state as bytes: the networks with their optimizer state, the random generator, the
  // measurements observed, the proposals made and still pending, the statistics. Restore, on a tuner
  // created for the same problem, parameters and seed, continues exactly as the saved tuner would have
  // (a checkpoint taken between Observe and Propose); a checkpoint of another problem, other parameters
  // or another seed is a UsageError naming what differs.
  virtual std::string Checkpoint() const = 0;
  virtual void Restore(const std::string& bytes) = 0;
};

// Parameters (TunerOptions::params; unknown or out-of-range ones are UsageErrors naming the known ones):
// plan_size (64) measurements per round; hardware_samples (8) hardware actions per round;
// software_samples (32) schedules drawn per task and hardware point; hidden (64); actor_lr (3e-3);
// critic_lr (3e-3); cost_heads (4); train_steps (150); minibatch (128); critic_coeff (1); ppo_epochs (8);
// ppo_clip (0.2); entropy (0.01); penalty (2) reward lost per violated constraint (log2 throughput units),
// scaled by 1 + overshoot; confidence_sampling (true); confidence_threshold (0.5); random_fraction (0.1);
// confidence_scale (0.5) cost-model spread (log2 units) at which its confidence is 1/e;
// build_margin (0.05) predicted gain a not-yet-measured hardware point must promise over the best measured
// one to be built; optimism (1) weight of the cost model's spread in the predicted throughput of a hardware point
// never measured; second_share (0.25) of each plan measured on the runner-up hardware point; random_hardware (0.2)
// chance per round (after the warm-up) of measuring a random new feasible hardware point; max_hardware (16) distinct
// hardware points measured at most; hardware_warmup (3) rounds after the first that measure the most promising new
// feasible point (optimistically ranked, no build margin); local_moves (true) adds the incumbent's one-knob
// neighbours to the hardware agent's actions each round; software_only (false) fixes the hardware at the base
// point; independent_critics (false) replaces the centralized critic with one critic per agent that sees only that
// agent's observation and action (ablation; agents/README.md).
std::unique_ptr<CoTuner> Create(const Problem& problem, const TunerOptions& opts);
std::string Describe();

}  // namespace dcoc::agents::codesign
