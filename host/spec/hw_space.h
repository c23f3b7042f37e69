// A hardware design space: values for some integer keys of HwConfig, everything else from a base
// configuration. Its points are the product of the value lists; those that fail validation or cannot
// be encoded are skipped and counted. The hardware agent's search space and `dcoc rtl sweep` use it.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "host/spec/hw_config.h"

namespace dcoc::spec {

struct HwSpace {
  HwConfig base;
  std::vector<std::pair<std::string, std::vector<int>>> values;  // key (as in JSON) -> its values

  // DESIGN.md's hardware knobs: LOG_BATCH 0-2, LOG_BLOCK_IN 3-6, LOG_BLOCK_OUT 3-6, LOG_INP/WGT/ACC_BUFF_SIZE
  // 13-18, LOG_BUS_WIDTH 6-9; int8 operands, int32 accumulators, VTA's micro-op buffer and queue depth.
  static HwSpace Default();

  // Sets a key's values; throws ConfigError for an unknown key or a value out of its range.
  void Set(std::string_view key, std::vector<int> v);
  uint64_t Size() const;  // points, valid or not
  // Calls fn on every valid, encodable point in lexicographic order of the keys as listed; returns the
  // number of points skipped. fn may return false to stop.
  uint64_t ForEach(const std::function<bool(const Spec&)>& fn) const;
};

// "KEY=lo-hi,KEY=a|b|c,..." (ranges inclusive; keys as in JSON), applied on top of `space`. Throws
// ConfigError naming the key or the malformed item.
HwSpace ParseHwSpace(std::string_view text, HwSpace space = HwSpace::Default());

}  // namespace dcoc::spec
