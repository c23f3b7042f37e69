// The layer sweep shared by the fast (reduced layers) and slow (full layers) suites: every built-in
// conv2d / depthwise / dense layer, several schedules each, on several configurations.
#pragma once

#include <algorithm>
#include <string>
#include <vector>

#include "tests/compiler/test_util.h"

namespace dcoc::compiler::testing {

inline const std::vector<std::string>& SweepConfigs() {
  static const std::vector<std::string> k = {"default", "1x8x8", "2x16x32", "4x32x8", "1x32x32", "1x64x64", "min"};
  return k;
}

inline int64_t TileVolume(const Schedule& s) {
  return int64_t(s.tile_b) * s.tile_h * s.tile_w * s.tile_ci * s.tile_co * std::max(1, s.tile_kh) *
         std::max(1, s.tile_kw);
}

// Named schedules of a layer: the default heuristic, the smallest tiles, the largest tiles, the largest
// with each threading option, and the largest with the other GEMM loop form (those that exist).
inline std::vector<std::pair<std::string, Schedule>> SweepSchedules(const ConvLayer& l, const spec::Spec& sp) {
  std::vector<std::pair<std::string, Schedule>> out;
  out.emplace_back("default", DefaultSchedule(l, sp));
  const std::vector<Schedule> valid = ScheduleSpace(l, sp).AllValid();
  auto pick = [&](std::string name, auto pred, bool largest) {
    const Schedule* best = nullptr;
    for (const Schedule& s : valid)
      if (pred(s) && (!best || (largest ? TileVolume(s) > TileVolume(*best) : TileVolume(s) < TileVolume(*best))))
        best = &s;
    if (best) out.emplace_back(std::move(name), *best);
  };
  pick(
      "smallest", [](const Schedule& s) { return s.h_nthread == 1 && s.oc_nthread == 1; }, false);
  pick(
      "largest", [](const Schedule& s) { return s.h_nthread == 1 && s.oc_nthread == 1; }, true);
  pick(
      "largest_h2", [](const Schedule& s) { return s.h_nthread == 2 && s.oc_nthread == 1; }, true);
  pick(
      "largest_oc2", [](const Schedule& s) { return s.oc_nthread == 2; }, true);
  pick(
      "smallest_h2_oc2", [](const Schedule& s) { return s.h_nthread == 2 && s.oc_nthread == 2; }, false);
  pick(
      "reduction_loop",
      [](const Schedule& s) { return s.gemm_loop == GemmLoop::kReduction && s.loop_order == LoopOrder::kSpatialOuter; },
      true);
  return out;
}

}  // namespace dcoc::compiler::testing
