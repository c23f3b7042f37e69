#include "agents/common/schedule_space.h"

namespace dcoc::agents {

ScheduleSpaceAdapter::ScheduleSpaceAdapter(const compiler::ScheduleSpace& space) : space_(space) {
  for (const compiler::SpaceKnob& k : space.knobs()) knobs_.push_back(KnobDesc{k.name, k.names});
}

}  // namespace dcoc::agents
