#include "sim/verilator/assert_sink.h"

#include <cstdio>

namespace dcoc::sim::detail {

std::vector<AssertionFailure>*& AssertSink() {
  thread_local std::vector<AssertionFailure>* sink = nullptr;
  return sink;
}

}  // namespace dcoc::sim::detail

// The DPI import of rtl/sv/vta_assert.svh. Compiled once into the prebuilt models' library and once into
// every on-demand model's shared library (which binds its own copy).
extern "C" void vta_assert_failed(const char* name, const char* scope) {
  const char* n = name ? name : "?";
  const char* s = scope ? scope : "?";
  if (auto* sink = dcoc::sim::detail::AssertSink()) {
    sink->push_back({n, s});
  } else {
    std::fprintf(stderr, "RTL assertion %s failed in %s (outside a model evaluation)\n", n, s);
  }
}
