// The backends this build has, in a registry made on request (nothing global): fsim always; verilator,
// systemc, hls-csim and xrt when they were built. main() makes one and passes it down.
#pragma once

#include "host/runtime/registry.h"

namespace dcoc::runtime {

Registry BuiltinBackends();

}  // namespace dcoc::runtime
