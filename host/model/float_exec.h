// The float CPU executor: runs an imported graph node by node with plain loops (the operator
// definitions of ONNX), for accuracy baselines, calibration and checking against ONNX's test data.
#pragma once

#include <functional>
#include <span>
#include <vector>

#include "host/model/graph.h"
#include "host/model/tensor.h"

namespace dcoc::model {

// Called with every value a node computes (value id, tensor), in execution order.
using Observer = std::function<void(int, const Tensor&)>;

// `inputs` in the order of g.inputs, each of the input's shape. Returns the graph outputs. Intermediate
// tensors are released as soon as their last reader has run (memory follows the live activations).
std::vector<Tensor> RunFloat(const Graph& g, std::span<const Tensor> inputs, const Observer& observe = {});

// One node on the CPU, given its input tensors (nullptr for absent optional inputs).
Tensor EvalNode(const Node& n, std::span<const Tensor* const> in);

}  // namespace dcoc::model
