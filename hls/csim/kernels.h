// Finds the C-simulation kernel of a configuration: compiled into dcoc (DCOC_HLS_PREBUILT), or built
// on demand from the embedded kernel sources with the configuration's generated header, and cached.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "hls/csim/csim_abi.h"
#include "host/spec/hw_config.h"

namespace dcoc::hls {

struct PrebuiltKernel {
  std::string preset;
  std::string tag;
  const DcocHlsKernel* (*entry)();
};
const std::vector<PrebuiltKernel>& PrebuiltKernels();

struct KernelOptions {
  std::filesystem::path cache_dir;  // empty: dcoc's cache directory (host/common/cache.h)
  bool allow_build = true;          // compile a missing kernel (a few seconds)
};

// The kernel for `s`; throws ConfigError when it is neither prebuilt nor cached and building is off,
// Error with the compiler's output when a build fails.
const DcocHlsKernel* FindKernel(const spec::Spec& s, const KernelOptions& opts = {});
// Where the on-demand kernel of `s` lives (exists or not).
std::filesystem::path KernelCachePath(const spec::Spec& s, const KernelOptions& opts = {});

}  // namespace dcoc::hls
