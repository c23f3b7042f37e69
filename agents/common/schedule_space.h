// A layer's schedule space (compiler::ScheduleSpace) as the tuners' Space: the knob table's knobs with
// their candidate values for the layer, validity by the compiler's checker, and the compiler's cost
// features (the same layout for every layer, so other tasks' records can seed a cost model).
#pragma once

#include "agents/common/tuner.h"
#include "host/compiler/space.h"

namespace dcoc::agents {

class ScheduleSpaceAdapter : public Space {
 public:
  explicit ScheduleSpaceAdapter(const compiler::ScheduleSpace& space);
  const std::vector<KnobDesc>& Knobs() const override { return knobs_; }
  bool Valid(const Point& p) const override { return space_.Valid(p); }
  size_t FeatureSize() const override { return compiler::ScheduleSpace::FeatureSize(); }
  void Features(const Point& p, std::span<float> out) const override { space_.Features(p, out); }

  const compiler::ScheduleSpace& schedules() const { return space_; }
  compiler::Schedule At(const Point& p) const { return space_.At(p); }
  Point PointOf(const compiler::Schedule& s) const { return space_.PointOf(s); }

 private:
  const compiler::ScheduleSpace& space_;
  std::vector<KnobDesc> knobs_;
};

}  // namespace dcoc::agents
