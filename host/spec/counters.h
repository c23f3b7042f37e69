// The performance counters, one table for every backend: the RTL's 64-bit counter registers (in
// register order) and the exact counts the functional simulator reports. A counter that both report
// means the same thing on both and is equal on every run of the same program (the differential tests
// compare them all); the RTL alone has the timing counters (busy and stall cycles), fsim alone a few
// breakdowns the RTL does not count. Device::Run reports counters under these names, nothing else.
#pragma once

#include <span>
#include <string_view>
#include <vector>

namespace dcoc::spec {

struct CounterInfo {
  std::string_view name;         // the one name: runtime counters, SV localparam CNT_<NAME>, docs
  std::string_view module;       // fetch, load, compute, store, core
  std::string_view description;
  bool rtl;                      // an RTL counter register (its index: position among RtlCounters())
  bool fsim;                     // reported by fsim
};

// Every counter: the RTL's first, in register order, then fsim's own.
const std::vector<CounterInfo>& Counters();
// The RTL's counter registers; counter i is at kCounterBase + 8 * i (host/spec/regmap.h).
std::span<const CounterInfo> RtlCounters();
// Throws UsageError naming the unknown counter.
const CounterInfo& FindCounter(std::string_view name);
// Index of an RTL counter register; throws UsageError for an unknown name or an fsim-only counter.
int RtlCounterIndex(std::string_view name);

}  // namespace dcoc::spec
