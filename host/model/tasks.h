// Partitioning into tasks: the unique offloadable layers of a quantized model with their occurrence
// counts, in the form the tuners take (compiler::ConvLayer, as `dcoc layer`/`dcoc tune --layer` use).
// Layers of the same shape (kind, N, C, H, W, K, R, S, strides, pads) are one task: one schedule serves
// them all. Element-wise and pooling ops have no schedule knobs; they are listed as fixed ops.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "host/compiler/conv.h"
#include "host/model/quantize.h"

namespace dcoc::model {

struct Task {
  std::string name;  // "<model>.<op>" (the op names its fused nodes, joined by "+")
  std::string key;   // ShapeKey of the layer
  compiler::ConvLayer layer;
  int count = 0;
  std::vector<std::string> nodes;  // every op of the model with this shape
};

// "conv2d 1,64,56,56,64,3,3 s1x1 p1x1": the shape identity of a layer (its name and epilogue excluded):
// what a schedule depends on. The task's layer (its first occurrence) carries an epilogue, and
// compiler::TaskKey of that layer is the key its tuning records have.
std::string ShapeKey(const compiler::ConvLayer& l);

// Tasks in order of first occurrence; `model_name` prefixes the task names.
std::vector<Task> ExtractTasks(const QModel& m, const std::string& model_name);

// {"name", "key", "task_key" (compiler::TaskKey), "kind", "conv": "N,C,H,W,K,R,S,stride,pad" (when
// square), "layer": compiler::ToJson(layer), "macs", "count", "nodes"}.
nlohmann::ordered_json ToJson(const Task& t);

}  // namespace dcoc::model
