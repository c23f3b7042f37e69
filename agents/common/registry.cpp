// The explicit tuner registry. Built into dcoc::agents (agents/CMakeLists.txt), which links every
// tuner library; tuners that need XGBoost or LibTorch are listed only when the build has them.
#include <fmt/format.h>

#include <functional>

#include "agents/baseline/baseline.h"
#include "agents/common/tuner.h"
#include "host/common/error.h"
#ifdef DCOC_HAVE_XGBOOST
#include "agents/autotvm/autotvm.h"
#endif
#ifdef DCOC_HAVE_TORCH
#include "agents/chameleon/chameleon.h"
#endif

namespace dcoc::agents {

namespace {

struct Entry {
  const char* name;
  const char* about;
  std::function<std::unique_ptr<Tuner>(const Space&, const TunerOptions&)> create;
};

const std::vector<Entry>& Registry() {
  static const std::vector<Entry> entries = {
      {"random", "uniformly random valid points, each once", baseline::CreateRandom},
      {"grid", "every valid point in index order", baseline::CreateGrid},
      {"ga", "AutoTVM's genetic algorithm (pop_size 50, elite_num 3, mutation_prob 0.1)", baseline::CreateGa},
#ifdef DCOC_HAVE_XGBOOST
      {"autotvm",
       "AutoTVM's XGBTuner: XGBoost rank model + simulated annealing (plan_size 64, sa_chains 128, sa_steps 500, "
       "sa_early_stop 50, random_fraction 0.05, diversity_filter_ratio 0, min_prior_records 500)",
       autotvm::Create},
#endif
#ifdef DCOC_HAVE_TORCH
      {"chameleon",
       "CHAMELEON: XGBoost regression model + PPO walkers + adaptive sampling (plan_size 64, walkers 128, "
       "max_steps 500, ppo_lr 1e-3, ppo_entropy 0.3, sampling_step 8, sampling_threshold 2.5)",
       chameleon::Create},
#endif
  };
  return entries;
}

}  // namespace

std::unique_ptr<Tuner> CreateTuner(std::string_view name, const Space& space, const TunerOptions& opts) {
  for (const Entry& e : Registry())
    if (name == e.name) return e.create(space, opts);
#ifndef DCOC_HAVE_XGBOOST
  if (name == "autotvm" || name == "chameleon")
    throw UsageError(
        fmt::format("tuner {} needs XGBoost, which this build does not have (install libxgboost-dev)", name));
#endif
#ifndef DCOC_HAVE_TORCH
  if (name == "chameleon")
    throw UsageError(
        "tuner chameleon needs LibTorch, which this build does not have (install libtorch-dev and "
        "configure with -DDCOC_WITH_TORCH=ON)");
#endif
  throw UsageError(fmt::format("unknown tuner \"{}\" (known: {})", name, fmt::join(TunerNames(), ", ")));
}

std::vector<std::string> TunerNames() {
  std::vector<std::string> names;
  for (const Entry& e : Registry()) names.push_back(e.name);
  return names;
}

std::string DescribeTuners() {
  std::string out;
  for (const Entry& e : Registry()) out += fmt::format("  {:<10} {}\n", e.name, e.about);
  return out;
}

}  // namespace dcoc::agents
