// Where the RTL's assertion failures go. rtl/sv/vta_assert.svh calls the DPI function
// vta_assert_failed(name, scope) when an assertion fails; VtaModelImpl points this thread's sink at its
// own list before it evaluates, so a failure lands in the model being evaluated.
#pragma once

#include <vector>

#include "sim/verilator/vta_pins.h"

namespace dcoc::sim::detail {

// This thread's sink (nullptr before any model evaluated: failures are then printed to stderr).
std::vector<AssertionFailure>*& AssertSink();

}  // namespace dcoc::sim::detail
