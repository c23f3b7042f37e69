// Small ONNX models for the model tests, written with OnnxWriter, and random tensors.
#pragma once

#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "host/model/onnx_writer.h"
#include "host/model/tensor.h"

namespace dcoc::model::testing {

inline Tensor RandomTensor(const Shape& s, uint64_t seed, float scale = 1.0f) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> d(0.0f, scale);
  Tensor t(s);
  for (float& v : t.data) v = d(rng);
  return t;
}

inline Tensor Positive(const Shape& s, uint64_t seed) {
  Tensor t = RandomTensor(s, seed, 0.2f);
  for (float& v : t.data) v = 1.0f + std::abs(v);
  return t;
}

inline std::vector<uint8_t> Bytes(const OnnxWriter& w) {
  const std::string s = w.Serialize();
  return std::vector<uint8_t>(s.begin(), s.end());
}

// Conv + BatchNormalization + ReLU, a residual block (Conv, BN, Add, ReLU), MaxPool, a depthwise Conv
// with ReLU6 (Clip), a standalone BatchNormalization, GlobalAveragePool, Flatten, Gemm, Softmax: every
// kind of op the quantizer maps, on a 1 x 3 x 16 x 16 input (batch symbolic when `symbolic_batch`).
inline OnnxWriter SmallCnn(uint64_t seed = 1, int64_t opset = 13, bool symbolic_batch = false) {
  OnnxWriter w("small_cnn", opset);
  w.Input("x", {symbolic_batch ? -1 : 1, 3, 16, 16});
  auto conv = [&](const std::string& name, const std::string& in, const std::string& out, int64_t c, int64_t k,
                  int64_t r, int64_t stride, int64_t pad, int64_t group = 1) {
    w.Initializer(name + ".w", RandomTensor({k, c / group, r, r}, seed++, 0.3f));
    w.Initializer(name + ".b", RandomTensor({k}, seed++, 0.1f));
    w.Node("Conv", {in, name + ".w", name + ".b"}, {out}, name,
           {{"kernel_shape", std::vector<int64_t>{r, r}},
            {"strides", std::vector<int64_t>{stride, stride}},
            {"pads", std::vector<int64_t>{pad, pad, pad, pad}},
            {"group", group}});
  };
  auto bn = [&](const std::string& name, const std::string& in, const std::string& out, int64_t c) {
    w.Initializer(name + ".g", Positive({c}, seed++));
    w.Initializer(name + ".beta", RandomTensor({c}, seed++, 0.1f));
    w.Initializer(name + ".m", RandomTensor({c}, seed++, 0.1f));
    w.Initializer(name + ".v", Positive({c}, seed++));
    w.Node("BatchNormalization", {in, name + ".g", name + ".beta", name + ".m", name + ".v"}, {out}, name,
           {{"epsilon", 1e-5f}});
  };
  conv("conv1", "x", "c1", 3, 16, 3, 1, 1);
  bn("bn1", "c1", "b1", 16);
  w.Node("Relu", {"b1"}, {"r1"}, "relu1");
  w.Node("MaxPool", {"r1"}, {"p1"}, "pool1",
         {{"kernel_shape", std::vector<int64_t>{2, 2}}, {"strides", std::vector<int64_t>{2, 2}}});
  conv("conv2", "p1", "c2", 16, 16, 3, 1, 1);
  bn("bn2", "c2", "b2", 16);
  w.Node("Add", {"b2", "p1"}, {"s2"}, "add2");
  w.Node("Relu", {"s2"}, {"r2"}, "relu2");
  conv("dw3", "r2", "c3", 16, 16, 3, 2, 1, 16);
  w.Initializer("six", Tensor({}, {6.0f}));
  w.Initializer("zero", Tensor({}, {0.0f}));
  w.Node("Clip", {"c3", "zero", "six"}, {"r3"}, "relu6");
  bn("bn4", "r3", "b4", 16);
  w.Node("GlobalAveragePool", {"b4"}, {"g4"}, "gap");
  w.Node("Flatten", {"g4"}, {"f4"}, "flatten", {{"axis", int64_t(1)}});
  w.Initializer("fc.w", RandomTensor({10, 16}, seed++, 0.3f));
  w.Initializer("fc.b", RandomTensor({10}, seed++, 0.1f));
  w.Node("Gemm", {"f4", "fc.w", "fc.b"}, {"logits"}, "fc", {{"transB", int64_t(1)}});
  w.Node("Softmax", {"logits"}, {"prob"}, "softmax", {{"axis", int64_t(1)}});
  w.Output("prob");
  return w;
}

// The directory of ONNX's test data (libonnx-testdata), or "" when the package is missing.
inline std::filesystem::path OnnxTestData() {
  const std::filesystem::path p = "/usr/share/libonnx-testdata/data";
  return std::filesystem::is_directory(p) ? p : std::filesystem::path();
}

}  // namespace dcoc::model::testing
