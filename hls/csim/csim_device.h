// The HLS kernel in C simulation as a Device (backend "hls-csim"): the kernel of hls/kernel compiled
// with g++ for the configuration, run on the device memory. Untimed and exact.
#pragma once

#include "host/runtime/registry.h"

namespace dcoc::hls {

// Adds "hls-csim" to `r`.
void AddHlsCsimBackend(runtime::Registry& r);

}  // namespace dcoc::hls
