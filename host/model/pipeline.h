// The steps from an ONNX file to a quantized model on a device, shared by `dcoc model`, the tests and
// the tools: import + graph passes, inputs (files or seeded random), schedules for the tasks (the
// default heuristic or a schedules file), totals of a run, and the top classes of a classifier.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "host/compiler/schedule.h"
#include "host/model/executor.h"
#include "host/model/graph.h"
#include "host/model/onnx_import.h"
#include "host/model/passes.h"
#include "host/model/tasks.h"

namespace dcoc::model {

struct PreparedModel {
  std::string name;  // the file name without extension
  Graph graph;       // imported, BatchNorm folded
  int64_t nodes_imported = 0;
  PassStats passes;
};
PreparedModel PrepareModel(const std::filesystem::path& onnx, const ImportOptions& opts = {});

// The tuning tasks of an ONNX model for `dcoc tune --model file.onnx`: prepared, calibrated on one seeded
// random input (the epilogues' shifts do not change which schedules are valid or fast), quantized for
// `s`, partitioned. Task names are "<file stem>.<op>" (an op names its fused nodes, joined by "+").
std::vector<Task> ModelTasks(const std::filesystem::path& onnx, const spec::Spec& s, const ImportOptions& opts = {},
                             uint64_t seed = 1);

// Seeded random inputs of the graph's input shapes (standard normal).
std::vector<Tensor> RandomInputs(const Graph& g, uint64_t seed);
// An input tensor from a file: a serialized TensorProto (.pb, ONNX's test-data format) or raw
// little-endian float32 of exactly the input's size. Throws UsageError naming the size it needs.
Tensor LoadInput(const std::filesystem::path& path, const Shape& shape);

// Schedules chosen for tasks: a JSON object {"<task name or shape key>": {schedule}, ...} (the names
// and keys `dcoc model tasks` prints). Layers without an entry get the compiler's default.
class ScheduleTable {
 public:
  ScheduleTable() = default;
  static ScheduleTable Load(const std::filesystem::path& path);
  // The schedule for a layer: by its task's name or its shape key; nullopt when absent.
  std::optional<compiler::Schedule> Find(const compiler::ConvLayer& l, const std::vector<Task>& tasks) const;
  size_t size() const { return entries_.size(); }
  // Adds (or replaces) the schedule for a task name or shape key.
  void Set(const std::string& key, const compiler::Schedule& s) { entries_[key] = s; }
  // Every entry must name a task of the model (a typo would silently fall back to the default).
  void CheckCovers(const std::vector<Task>& tasks) const;

 private:
  std::map<std::string, compiler::Schedule> entries_;
  std::string source_;
};
// The executor's schedule function for a table: the table's schedule (checked: an invalid one is a
// ModelError naming the task and the violated constraint) or the default heuristic (a layer with no valid
// schedule then runs on the CPU, and the run says so).
ScheduleFn MakeScheduleFn(const ScheduleTable& table, const std::vector<Task>& tasks, const spec::Spec& s);

// Totals over the records of one run.
struct RunTotals {
  uint64_t cycles = 0;       // every op on the device
  uint64_t conv_cycles = 0;  // conv/dense ops
  double ideal_cycles = 0;   // MACs / (BATCH x BLOCK_IN x BLOCK_OUT) of the conv/dense ops
  int64_t macs = 0;
  int on_device = 0, on_cpu = 0;  // ops (layout-only ops count as CPU)
  int64_t outputs_checked = 0, mismatches = 0;
  int ops_mismatched = 0;
  double compile_seconds = 0;
};
RunTotals Totals(std::span<const OpRecord> records);

// The k largest entries of row `row` of a [N, classes] output: (class, value), largest first.
std::vector<std::pair<int, float>> TopK(const Tensor& t, int64_t row, int k);

}  // namespace dcoc::model
