// The schedule checker: every constraint a schedule must meet for a layer on a configuration
// (divisibility, virtual threads, buffer capacity per thread, micro-op capacity, instruction fields,
// dependency-queue depth). A violated constraint is data for a tuner (a penalty), never a crash.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "host/compiler/layer.h"
#include "host/compiler/schedule.h"
#include "host/spec/hw_config.h"

namespace dcoc::compiler {

// One violated constraint: a stable name (for tuners' penalty statistics) and a message with numbers.
struct Violation {
  std::string name;
  std::string message;
};
// Every violated constraint of `sched` for `layer` on `spec` (empty: valid).
std::vector<Violation> Check(const ConvLayer& layer, const Schedule& sched, const spec::Spec& spec);
// Check(...).empty(), without building messages: stops at the first violation (tuners call it in loops).
bool Valid(const ConvLayer& layer, const Schedule& sched, const spec::Spec& spec);
// The first violation only (nullopt: valid); cheaper than Check when one reason is enough.
std::optional<Violation> FirstViolation(const ConvLayer& layer, const Schedule& sched, const spec::Spec& spec);

// The same schedule with the defaults spelled out (tile_kh 0 -> R, tile_kw 0 -> S), so equal programs
// have equal schedules (the tuning database keys records by it).
Schedule Normalize(const ConvLayer& layer, Schedule s);

}  // namespace dcoc::compiler
