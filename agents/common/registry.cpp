// The explicit tuner registry. Built into dcoc::agents (agents/CMakeLists.txt), which links every tuner
// library or knows the module's path; tuners that need XGBoost or LibTorch are listed only when the
// build has them. A new tuner is one Entry here (see agents/README.md, "Adding a tuner").
#include <fmt/format.h>
#include <unistd.h>

#include <filesystem>
#include <functional>

#include "agents/baseline/baseline.h"
#include "agents/common/tuner.h"
#include "host/common/error.h"
#include "host/common/shell.h"
#ifdef DCOC_HAVE_XGBOOST
#include "agents/autotvm/autotvm.h"
#endif

namespace dcoc::agents {

namespace {

// A tuner built as a module (agents/CMakeLists.txt: dcoc_add_tuner_module), for tuners whose
// dependencies (LibTorch: ~230 shared libraries, half a second of CPU to load) should not load with
// every dcoc command and measurement worker. libdcoc_<name>.so is looked up beside the executable first
// (a copied dcoc takes its modules along), else where the build put it (`built`). It exports `Tuner*
// dcoc_create_<name>(const Space*, const TunerOptions*, std::string* error)`, which returns null with
// the message in `error` (no exception crosses the library boundary).
[[maybe_unused]] std::function<std::unique_ptr<Tuner>(const Space&, const TunerOptions&)> ModuleTuner(
    std::string name, std::filesystem::path built) {
  return [name = std::move(name), built = std::move(built)](const Space& space, const TunerOptions& opts) {
    std::filesystem::path lib = built;
    char self[4096];
    const ssize_t n = ::readlink("/proc/self/exe", self, sizeof self - 1);
    if (n > 0) {
      const auto beside = std::filesystem::path(std::string(self, size_t(n))).parent_path() / built.filename();
      if (std::filesystem::exists(beside)) lib = beside;
    }
    using Create = Tuner* (*)(const Space*, const TunerOptions*, std::string*);
    const std::string symbol = "dcoc_create_" + name;
    const auto create = reinterpret_cast<Create>(LoadSymbol(lib, symbol.c_str()));
    std::string error;
    std::unique_ptr<Tuner> t(create(&space, &opts, &error));
    if (!t) throw UsageError(error);
    return t;
  };
}

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
#ifdef DCOC_MODULE_CHAMELEON
      {"chameleon",
       "CHAMELEON: XGBoost regression model + PPO walkers + adaptive sampling (plan_size 64, walkers 128, "
       "max_steps 500, ppo_lr 1e-3, ppo_entropy 0.3, sampling_step 8, sampling_threshold 2.5)",
       ModuleTuner("chameleon", DCOC_MODULE_CHAMELEON)},
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
#ifndef DCOC_MODULE_CHAMELEON
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
