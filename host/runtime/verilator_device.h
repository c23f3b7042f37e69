// The verilated VTA++ RTL as a Device (sim/verilator's harness: AXI DRAM model, watchdog, FST).
#pragma once

#include "host/runtime/registry.h"

namespace dcoc::runtime {

// Adds "verilator": cycle-accurate, the RTL's counters. Only in builds with the verilated models.
void AddVerilatorBackend(Registry& r);

}  // namespace dcoc::runtime
