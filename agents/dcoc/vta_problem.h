// The VTA++ co-design problem for DCOC: a model's tasks on one board.
//
// Hardware: the keys of a spec::HwSpace (DESIGN.md's hardware knobs by default). A point becomes a
// configuration by setting those keys on the space's base; how the GEMM's products are built is then
// chosen for the board (boards::ChooseGemmMac with the resource model: as configured, packed, mixed,
// LUTs), and the point is feasible when that choice fits the board's caps. Penalties: "invalid_config"
// (the keys do not make a valid, encodable configuration) and one per resource over its cap, named after
// it ("dsp", "bram36", ...) with the overshoot (used / limit - 1).
// Software: each task's compiler::ScheduleSpace on the resolved configuration; tile knobs belong to the
// mapping agent, the rest (virtual threads, gemm_loop, loop_order, gather) to the scheduling agent;
// penalties are the checker's violations by name.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "agents/common/schedule_space.h"
#include "agents/dcoc/problem.h"
#include "boards/board.h"
#include "boards/gemm_choice.h"
#include "boards/resource_model.h"
#include "host/compiler/conv.h"
#include "host/spec/hw_space.h"

namespace dcoc::agents::codesign {

struct VtaTask {
  std::string name;
  compiler::ConvLayer layer;
  int count = 1;
};

class VtaProblem : public Problem {
 public:
  // `space.base` is the starting configuration (it must be a point of the space: each key's base value
  // among its values). Throws UsageError otherwise, or when there are no tasks.
  VtaProblem(std::vector<VtaTask> tasks, spec::HwSpace space, boards::Board board);
  ~VtaProblem() override;

  // The configuration a hardware point is built as (GEMM implementation chosen for the board); nullopt
  // when the point is not a valid configuration.
  std::optional<spec::HwConfig> Config(const Point& hw) const;
  const boards::Board& board() const { return board_; }
  const std::vector<VtaTask>& tasks() const { return tasks_; }
  // The resources and fit of a defined point.
  boards::Resources ResourcesOf(const Point& hw) const;
  compiler::Schedule ScheduleAt(size_t task, const Point& hw, const Point& sw) const;

  const std::vector<KnobDesc>& HardwareKnobs() const override { return hw_knobs_; }
  Point BaseHardware() const override { return base_; }
  size_t HardwareFeatureSize() const override;
  void HardwareFeatures(const Point& hw, std::span<float> out) const override;
  std::vector<Penalty> HardwarePenalties(const Point& hw) const override;
  bool HardwareDefined(const Point& hw) const override { return Config(hw).has_value(); }

  size_t NumTasks() const override { return tasks_.size(); }
  std::string TaskName(size_t task) const override { return tasks_[task].name; }
  double TaskCount(size_t task) const override { return tasks_[task].count; }
  double TaskOps(size_t task) const override { return double(tasks_[task].layer.Macs()); }
  size_t TaskFeatureSize() const override;
  void TaskFeatures(size_t task, std::span<float> out) const override;

  const std::vector<std::string>& SoftwareKnobNames() const override { return sw_names_; }
  Role SoftwareKnobRole(size_t knob) const override;
  int MaxSoftwareValues(size_t knob) const override { return max_values_[knob]; }
  const Space& SoftwareSpace(size_t task, const Point& hw) const override;
  std::vector<Penalty> SoftwarePenalties(size_t task, const Point& hw, const Point& sw) const override;
  size_t SoftwareFeatureSize() const override { return 2 * sw_names_.size(); }
  void SoftwareFeatures(size_t task, const Point& hw, const Point& sw, std::span<float> out) const override;

 private:
  struct HwEntry {
    std::optional<spec::HwConfig> config;
    std::optional<spec::Spec> spec;
    boards::Resources resources;
    boards::Fit fit;
    std::vector<std::unique_ptr<compiler::ScheduleSpace>> spaces;  // per task, made on first use
    std::vector<std::unique_ptr<ScheduleSpaceAdapter>> adapters;
  };
  HwEntry& Entry(const Point& hw) const;

  std::vector<VtaTask> tasks_;
  spec::HwSpace space_;
  boards::Board board_;
  const boards::ResourceModel* model_ = nullptr;
  std::vector<KnobDesc> hw_knobs_;
  Point base_;
  std::vector<std::string> sw_names_;
  std::vector<int> max_values_;
  mutable std::mutex mu_;
  mutable std::map<Point, std::unique_ptr<HwEntry>> entries_;
};

}  // namespace dcoc::agents::codesign
