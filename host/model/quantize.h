// Post-training int8 quantization, VTA's way: every value v is an integer q with v = q * 2^-frac
// (symmetric, power-of-two scale), so requantization is the accelerator's arithmetic shift.
//   activations  one exponent per tensor, from calibration (largest magnitude seen on sample inputs);
//                values an op passes through unchanged (MaxPool, Relu, Flatten, Concat) and both inputs
//                of an Add share one exponent (the smaller), so no op needs to rescale its inputs
//   weights      per tensor, or per output channel (each channel its own exponent: its own shift)
//   bias         int32 at the accumulator's scale 2^-(frac_in + frac_w), plus 2^(shift-1): the shift
//                then rounds to nearest instead of truncating
//   epilogue     shift = frac_in + frac_w - frac_out, then the clamp: the output range, [0, max] for a
//                fused ReLU, [0, round(6 * 2^frac_out)] for ReLU6 (Clip)
// The result is a QModel: a list of ops over quantized values. Conv/Gemm/MatMul (+ activation), Add
// (+ activation), Relu/Clip, MaxPool and AveragePool/GlobalAveragePool run on the accelerator;
// Flatten/Reshape/Concat move data on the host; everything else (Softmax; a grouped Conv; asymmetric
// padding; AveragePool that excludes its padding; broadcasting Add) is a float op on the CPU, and the
// reason is recorded.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "host/compiler/conv.h"
#include "host/compiler/eltwise.h"
#include "host/model/graph.h"
#include "host/model/tensor.h"
#include "host/reference/reference.h"
#include "host/spec/hw_config.h"

namespace dcoc::model {

// The largest magnitude of every value of a graph over sample inputs (indexed by value id).
struct Calibration {
  std::vector<float> max_abs;
  int samples = 0;
};
// Runs the float executor on each sample (one tensor per graph input).
Calibration Calibrate(const Graph& g, std::span<const std::vector<Tensor>> samples);

enum class WeightGranularity : uint8_t { kPerTensor, kPerChannel };

struct QuantOptions {
  WeightGranularity weights = WeightGranularity::kPerTensor;
};

struct QValue {
  std::string name;
  Shape shape;
  int frac = 0;           // value = q * 2^-frac
  bool is_float = false;  // a float tensor (a float op's output that is a graph output)
};

enum class QKind : uint8_t {
  kConv,     // conv2d / depthwise / dense with its epilogue (accelerator)
  kAdd,      // residual add with its epilogue (accelerator ALU)
  kClamp,    // standalone ReLU / Clip (accelerator ALU)
  kMaxPool,  // (accelerator ALU)
  kAvgPool,  // AveragePool / GlobalAveragePool as (sum * mul) >> shift (accelerator ALU)
  kReshape,  // Flatten / Reshape (host: the data does not change)
  kConcat,   // channel or any-axis concatenation (host)
  kFloat,    // float op on the CPU: dequantize, run the float node, quantize
};
std::string_view Name(QKind k);

struct QOp {
  QKind kind = QKind::kFloat;
  std::string name;         // the graph node(s) it implements, e.g. "conv1+bn1+relu1"
  std::vector<int> inputs;  // QValue ids
  int output = -1;          // QValue id
  // kConv: the layer (shape, epilogue) and its operands.
  compiler::ConvLayer conv;
  reference::Tensor weights;  // int8, OIHW ([C,1,R,S] depthwise, [K,F,1,1] dense)
  std::vector<int32_t> bias;  // int32, one per output channel (conv.epilogue has the shifts)
  // kAdd, kClamp: the epilogue after the add (no bias).
  reference::Epilogue epilogue;
  // kMaxPool, kAvgPool.
  compiler::PoolLayer pool;
  // kConcat: the axis; kFloat: the node, its constant inputs (by input position) and why it is here.
  Node node;
  std::vector<std::optional<Tensor>> constants;
  std::string cpu_reason;

  bool Offloaded() const { return kind <= QKind::kAvgPool; }
  int64_t Macs() const;
  std::string Describe() const;
};

struct QModel {
  std::string name;
  std::vector<QValue> values;
  std::vector<QOp> ops;
  std::vector<int> inputs, outputs;
  QuantOptions options;
  int bits = 8;  // activation and weight width
};

// Quantizes a float graph (after PrepareForQuantization) with calibration `c` for configuration `s`.
QModel Quantize(const Graph& g, const Calibration& c, const spec::Spec& s, const QuantOptions& opts = {});

// The NCHW view of a rank 1-4 shape the integer operators use: [F] -> 1,F,1,1; [N,F] -> N,F,1,1;
// [N,C,L] -> N,C,1,L. A zero-filled tensor of that size; throws ModelError (naming `what`) for other ranks.
reference::Tensor NchwView(const Shape& s, std::string_view what);

// The exponent that maps |v| <= max_abs onto [-qmax, qmax]: floor(log2(qmax / max_abs)).
int Exponent(double max_abs, int qmax);
// round(v * 2^frac) clamped to [lo, hi].
int32_t QuantizeValue(float v, int frac, int32_t lo, int32_t hi);

}  // namespace dcoc::model
