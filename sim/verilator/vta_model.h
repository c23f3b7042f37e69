// A verilated vta_top behind a configuration-independent interface. Each configuration is its own
// verilated class (port widths differ); VtaModelImpl<V> adapts one, and the registry finds the model
// for a configuration: prebuilt into dcoc::vmodels, or built on demand and cached.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "host/spec/hw_config.h"
#include "sim/verilator/vta_pins.h"

namespace dcoc::sim {

using ModelFactory = std::unique_ptr<VtaModel> (*)();

struct PrebuiltModel {
  std::string preset;  // preset name it was built from
  std::string tag;     // configuration tag it implements
  bool assertions;     // verilated with the RTL assertions (--assert)
  ModelFactory make;
};
// Models compiled into this binary (empty when built without Verilator).
const std::vector<PrebuiltModel>& PrebuiltModels();

struct ModelOptions {
  // Where on-demand models are built and cached (by configuration tag, configuration hash and RTL
  // sources hash). Empty: $DCOC_CACHE_DIR, else $XDG_CACHE_HOME/dcoc, else ~/.cache/dcoc.
  std::filesystem::path cache_dir;
  bool allow_build = true;  // build a missing model on demand (a minute or two per configuration)
  int build_jobs = 2;
  int threads = 1;          // Verilator --threads for on-demand models (prebuilt models use 1)
  // Check the RTL assertions (a model verilated with them, assertions on). Off: a model verilated
  // without them when one is prebuilt or cached (the release and benchmark models, about 10% faster),
  // else the checking model with its assertions switched off. The default is on unless the
  // environment sets DCOC_RTL_ASSERTIONS=0.
  bool assertions = DefaultAssertions();
  static bool DefaultAssertions();
};

// The model for a configuration: prebuilt when available (and threads == 1), else loaded from the
// cache, else built into the cache (allow_build), else ConfigError naming the configuration. The model
// comes with its assertions switched as opts.assertions says.
std::unique_ptr<VtaModel> CreateVtaModel(const spec::Spec& s, const ModelOptions& opts = {});

// True when CreateVtaModel(s, opts) can return at once (a prebuilt model, or one in the cache).
bool HaveVtaModel(const spec::Spec& s, const ModelOptions& opts = {});
// Builds the on-demand model of `s` into the cache unless it is prebuilt or cached already (does not
// load it). Safe against concurrent builds of the same model by other processes.
void BuildVtaModel(const spec::Spec& s, const ModelOptions& opts = {});

// Tags of the configurations whose model CreateVtaModel(spec, opts) can return at once: prebuilt, or
// built on demand into the cache by this build (same RTL sources, flags and wrapper), sorted.
std::vector<std::string> ReadyModelTags(const ModelOptions& opts = {});

// Where the on-demand model for `s` lives (exists or not), and a human-readable cache key.
std::filesystem::path ModelCachePath(const spec::Spec& s, const ModelOptions& opts = {});

}  // namespace dcoc::sim
