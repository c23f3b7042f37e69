// The co-design problem the DCOC agents search (issue 9): one hardware point shared by every task of a
// model, one software point (a schedule) per task on it. The agents see it only through this interface:
// the VTA++ problem (vta_problem.h: HwSpace knobs, the resource model against a board's caps, each
// task's ScheduleSpace and the compiler's checker) implements it, and the tests implement synthetic
// problems of known optimum.
//
// The software knobs have the same names on every (task, hardware) pair, but their value lists depend
// on both (a tile knob's values are the divisors of a blocked axis, whose length changes with BLOCK_IN).
// A software knob belongs either to the mapping agent (how the layer is tiled) or to the scheduling
// agent (virtual threads, loop order, ...).
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include "agents/common/tuner.h"

namespace dcoc::agents::codesign {

// A violated constraint, by name, and by how much (relative overshoot: 0.25 = 25% over a resource cap;
// 0 for constraints that are simply violated, such as a schedule that does not fit a buffer).
struct Penalty {
  std::string name;
  double amount = 0;
};

enum class Role { kMapping, kScheduling };

class Problem {
 public:
  virtual ~Problem() = default;

  // Hardware knobs; a hardware point is one value index per knob.
  virtual const std::vector<KnobDesc>& HardwareKnobs() const = 0;
  // The hardware point the search starts from (the board's or the preset's configuration).
  virtual Point BaseHardware() const = 0;
  // Feature vector of a hardware point (normalized, same size for every point).
  virtual size_t HardwareFeatureSize() const = 0;
  virtual void HardwareFeatures(const Point& hw, std::span<float> out) const = 0;
  // Why a hardware point cannot be built on the board (invalid configuration, resources over the caps);
  // empty when it can. Points with a penalty are never measured.
  virtual std::vector<Penalty> HardwarePenalties(const Point& hw) const = 0;
  // False when the point is not even a configuration (then it has no software spaces).
  virtual bool HardwareDefined(const Point& hw) const = 0;

  // Tasks: unique layers with how often the model runs each and their work (multiply-accumulates).
  virtual size_t NumTasks() const = 0;
  virtual std::string TaskName(size_t task) const = 0;
  virtual double TaskCount(size_t task) const = 0;
  virtual double TaskOps(size_t task) const = 0;
  virtual size_t TaskFeatureSize() const = 0;
  virtual void TaskFeatures(size_t task, std::span<float> out) const = 0;

  // Software knobs (names and roles; the same for every task and hardware point) and an upper bound on
  // each knob's value count over the whole hardware space (the width of the agents' action heads).
  virtual const std::vector<std::string>& SoftwareKnobNames() const = 0;
  virtual Role SoftwareKnobRole(size_t knob) const = 0;
  virtual int MaxSoftwareValues(size_t knob) const = 0;
  // The software space of a task on a defined hardware point (cached by the implementation; the
  // reference stays valid while the problem lives). Its Valid is the cheap checker.
  virtual const Space& SoftwareSpace(size_t task, const Point& hw) const = 0;
  // Every violated software constraint by name (empty: valid).
  virtual std::vector<Penalty> SoftwarePenalties(size_t task, const Point& hw, const Point& sw) const = 0;
  // Cheap features of any software point in range (valid or not): its knob values normalized.
  virtual size_t SoftwareFeatureSize() const = 0;
  virtual void SoftwareFeatures(size_t task, const Point& hw, const Point& sw, std::span<float> out) const = 0;
};

// One candidate the tuner proposes: a task's software point on a hardware point.
struct Candidate {
  Point hardware;
  size_t task = 0;
  Point software;
  bool operator==(const Candidate&) const = default;
};

// The outcome of measuring a candidate, reported in proposal order.
struct Outcome {
  Candidate candidate;
  bool ok = false;           // measured and bit-exact
  double cycles = 0;         // when ok
  bool lower_bound = false;  // stopped at a cycle bound: the true cycles are at least `cycles`
  double build_seconds = 0;  // build time of its hardware charged to it (once per build: 0 on the others)
};

}  // namespace dcoc::agents::codesign
