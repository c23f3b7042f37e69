// The model graph dcoc works on: values (activations and constants, each with a static shape) and nodes
// in topological order, with every attribute validated and resolved at import (onnx_import.h).
//
// Supported operators (ONNX opsets 9-17): Conv (groups, dilation 1, 1-D or 2-D), Gemm, MatMul,
// BatchNormalization, Relu, Clip, Add, MaxPool, AveragePool, GlobalAveragePool, Flatten, Reshape,
// Concat, Softmax, Identity, Dropout; Constant nodes become constant values.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "host/model/tensor.h"

namespace dcoc::model {

enum class Op : uint8_t {
  kConv,
  kGemm,
  kMatMul,
  kBatchNorm,
  kRelu,
  kClip,
  kAdd,
  kMaxPool,
  kAveragePool,
  kGlobalAveragePool,
  kFlatten,
  kReshape,
  kConcat,
  kSoftmax,
  kIdentity,  // Identity and Dropout (inference)
};
std::string_view Name(Op op);

struct Value {
  std::string name;
  Shape shape;
  std::optional<Tensor> constant;  // initializers and Constant outputs
  int producer = -1;               // node index, -1 for graph inputs and constants
};

enum class AutoPad : uint8_t { kExplicit, kSameUpper, kSameLower };

// Attributes of every supported op, resolved (defaults applied, constant inputs folded in).
struct Attrs {
  // Conv, MaxPool, AveragePool: spatial attributes as 2-D (a 1-D op has height 1).
  int kernel_h = 1, kernel_w = 1, stride_h = 1, stride_w = 1;
  int pad_top = 0, pad_left = 0, pad_bottom = 0, pad_right = 0;
  AutoPad auto_pad = AutoPad::kExplicit;  // SAME_*: pads computed from the input shape (InferShapes)
  int group = 1;                          // Conv
  bool count_include_pad = false;         // AveragePool
  int broadcast_axis = -1;                // Add (opset 6): B is aligned with A from this axis on
  float alpha = 1, beta = 1;              // Gemm
  bool trans_a = false, trans_b = false;
  float epsilon = 1e-5f;    // BatchNormalization
  int axis = 1;             // Flatten, Concat, Softmax (normalized to [0, rank))
  bool softmax_2d = false;  // Softmax before opset 13: over the flattened dimensions from `axis` on
  // Clip (and Relu: min 0). Bounds given as non-constant inputs stay inputs 1 and 2 of the node.
  float clip_min = -std::numeric_limits<float>::infinity();
  float clip_max = std::numeric_limits<float>::infinity();
  Shape reshape;           // Reshape: the target (0 copies the input's dimension, -1 is inferred)
  bool allowzero = false;  // Reshape (opset 14): 0 means a zero dimension
};

struct Node {
  std::string name;     // the file's node name, or "<op_type>_<index>" when it has none
  std::string op_type;  // as written in the file
  Op op = Op::kIdentity;
  std::vector<int> inputs;   // value ids; -1 for an absent optional input
  std::vector<int> outputs;  // value ids (only the outputs dcoc uses)
  Attrs attrs;
  // "node conv1 (Conv)" for messages.
  std::string Describe() const;
};

struct Graph {
  std::string name;
  int64_t opset = 0;
  std::vector<Value> values;
  std::vector<Node> nodes;  // topological order
  std::vector<int> inputs, outputs;

  int Find(std::string_view value_name) const;  // -1 when absent
  const Tensor& Constant(int value) const;      // throws ModelError when not a constant
  bool IsConstant(int value) const { return value >= 0 && values[size_t(value)].constant.has_value(); }
  // Nodes that read each value (value id -> node indices).
  std::vector<std::vector<int>> Consumers() const;
  int64_t Parameters() const;  // elements of all constants
};

// An Add's second operand as numpy broadcasting sees it: with opset 6's broadcast axis, B padded with
// trailing ones so it lines up with A from that axis.
Shape LegacyAligned(const Node& n, const Shape& a, const Shape& b);

// Computes every activation's shape from the graph inputs, node by node, checking operand shapes and
// attributes against each op's definition. Throws ModelError naming the node.
void InferShapes(Graph& g);

// Orders the nodes topologically (stable). Throws ModelError naming a node on a cycle.
void SortTopologically(Graph& g);

// Removes nodes and values nothing needs for the graph outputs, and Identity/Dropout nodes.
void Prune(Graph& g);

}  // namespace dcoc::model
