// The verilated VTA++ RTL as a Device (sim/verilator's harness: AXI DRAM model, watchdog, FST).
#pragma once

#include "host/runtime/registry.h"

namespace dcoc::runtime {

// Adds "verilator": cycle-accurate, the RTL's counters. Only in builds with the verilated models.
void AddVerilatorBackend(Registry& r);
// Adds "verilator-driver": the same RTL run through DriverDevice, the register-level path of the XRT
// backend (used by the tests, so that sequence runs against the RTL in CI).
void AddVerilatorDriverBackend(Registry& r);

}  // namespace dcoc::runtime
