#include "host/compiler/workloads.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "host/common/error.h"

namespace dcoc::compiler {

namespace {
struct Row {
  const char* model;
  const char* name;
  ConvKind kind;
  int n, c, h, w, k, r, s, stride, pad;
};
// Transcribed from the project's workloads.json (public layer shapes, batch 1, NCHW).
const Row kRows[] = {
    {"resnet18", "C1", ConvKind::kConv2d, 1, 3, 224, 224, 64, 7, 7, 2, 3},
    {"resnet18", "C2", ConvKind::kConv2d, 1, 64, 56, 56, 64, 3, 3, 1, 1},
    {"resnet18", "C3", ConvKind::kConv2d, 1, 64, 56, 56, 128, 3, 3, 2, 1},
    {"resnet18", "C4", ConvKind::kConv2d, 1, 64, 56, 56, 128, 1, 1, 2, 0},
    {"resnet18", "C5", ConvKind::kConv2d, 1, 128, 28, 28, 128, 3, 3, 1, 1},
    {"resnet18", "C6", ConvKind::kConv2d, 1, 128, 28, 28, 256, 3, 3, 2, 1},
    {"resnet18", "C7", ConvKind::kConv2d, 1, 128, 28, 28, 256, 1, 1, 2, 0},
    {"resnet18", "C8", ConvKind::kConv2d, 1, 256, 14, 14, 256, 3, 3, 1, 1},
    {"resnet18", "C9", ConvKind::kConv2d, 1, 256, 14, 14, 512, 3, 3, 2, 1},
    {"resnet18", "C10", ConvKind::kConv2d, 1, 256, 14, 14, 512, 1, 1, 2, 0},
    {"resnet18", "C11", ConvKind::kConv2d, 1, 512, 7, 7, 512, 3, 3, 1, 1},
    {"resnet18", "FC", ConvKind::kDense, 1, 512, 1, 1, 1000, 1, 1, 1, 0},
    {"vgg16", "C1", ConvKind::kConv2d, 1, 3, 224, 224, 64, 3, 3, 1, 1},
    {"vgg16", "C2", ConvKind::kConv2d, 1, 64, 224, 224, 64, 3, 3, 1, 1},
    {"vgg16", "C3", ConvKind::kConv2d, 1, 64, 112, 112, 128, 3, 3, 1, 1},
    {"vgg16", "C4", ConvKind::kConv2d, 1, 128, 112, 112, 128, 3, 3, 1, 1},
    {"vgg16", "C5", ConvKind::kConv2d, 1, 128, 56, 56, 256, 3, 3, 1, 1},
    {"vgg16", "C6", ConvKind::kConv2d, 1, 256, 56, 56, 256, 3, 3, 1, 1},
    {"vgg16", "C7", ConvKind::kConv2d, 1, 256, 28, 28, 512, 3, 3, 1, 1},
    {"vgg16", "C8", ConvKind::kConv2d, 1, 512, 28, 28, 512, 3, 3, 1, 1},
    {"vgg16", "C9", ConvKind::kConv2d, 1, 512, 14, 14, 512, 3, 3, 1, 1},
    {"vgg16", "FC1", ConvKind::kDense, 1, 25088, 1, 1, 4096, 1, 1, 1, 0},
    {"vgg16", "FC2", ConvKind::kDense, 1, 4096, 1, 1, 4096, 1, 1, 1, 0},
    {"vgg16", "FC3", ConvKind::kDense, 1, 4096, 1, 1, 1000, 1, 1, 1, 0},
    {"alexnet", "C1", ConvKind::kConv2d, 1, 3, 224, 224, 64, 11, 11, 4, 2},
    {"alexnet", "C2", ConvKind::kConv2d, 1, 64, 27, 27, 192, 5, 5, 1, 2},
    {"alexnet", "C3", ConvKind::kConv2d, 1, 192, 13, 13, 384, 3, 3, 1, 1},
    {"alexnet", "C4", ConvKind::kConv2d, 1, 384, 13, 13, 256, 3, 3, 1, 1},
    {"alexnet", "C5", ConvKind::kConv2d, 1, 256, 13, 13, 256, 3, 3, 1, 1},
    {"alexnet", "FC1", ConvKind::kDense, 1, 9216, 1, 1, 4096, 1, 1, 1, 0},
    {"alexnet", "FC2", ConvKind::kDense, 1, 4096, 1, 1, 4096, 1, 1, 1, 0},
    {"alexnet", "FC3", ConvKind::kDense, 1, 4096, 1, 1, 1000, 1, 1, 1, 0},
    {"mobilenet_v1", "C1", ConvKind::kConv2d, 1, 3, 224, 224, 32, 3, 3, 2, 1},
    {"mobilenet_v1", "DW1", ConvKind::kDepthwise, 1, 32, 112, 112, 32, 3, 3, 1, 1},
    {"mobilenet_v1", "PW1", ConvKind::kConv2d, 1, 32, 112, 112, 64, 1, 1, 1, 0},
    {"mobilenet_v1", "DW2", ConvKind::kDepthwise, 1, 64, 112, 112, 64, 3, 3, 2, 1},
    {"mobilenet_v1", "PW2", ConvKind::kConv2d, 1, 64, 56, 56, 128, 1, 1, 1, 0},
    {"mobilenet_v1", "DW3", ConvKind::kDepthwise, 1, 128, 56, 56, 128, 3, 3, 1, 1},
    {"mobilenet_v1", "PW3", ConvKind::kConv2d, 1, 128, 56, 56, 128, 1, 1, 1, 0},
    {"mobilenet_v1", "DW4", ConvKind::kDepthwise, 1, 128, 56, 56, 128, 3, 3, 2, 1},
    {"mobilenet_v1", "PW4", ConvKind::kConv2d, 1, 128, 28, 28, 256, 1, 1, 1, 0},
    {"mobilenet_v1", "DW5", ConvKind::kDepthwise, 1, 256, 28, 28, 256, 3, 3, 1, 1},
    {"mobilenet_v1", "PW5", ConvKind::kConv2d, 1, 256, 28, 28, 256, 1, 1, 1, 0},
    {"mobilenet_v1", "DW6", ConvKind::kDepthwise, 1, 256, 28, 28, 256, 3, 3, 2, 1},
    {"mobilenet_v1", "PW6", ConvKind::kConv2d, 1, 256, 14, 14, 512, 1, 1, 1, 0},
    {"mobilenet_v1", "DW7", ConvKind::kDepthwise, 1, 512, 14, 14, 512, 3, 3, 1, 1},
    {"mobilenet_v1", "PW7", ConvKind::kConv2d, 1, 512, 14, 14, 512, 1, 1, 1, 0},
    {"mobilenet_v1", "DW8", ConvKind::kDepthwise, 1, 512, 14, 14, 512, 3, 3, 2, 1},
    {"mobilenet_v1", "PW8", ConvKind::kConv2d, 1, 512, 7, 7, 1024, 1, 1, 1, 0},
    {"mobilenet_v1", "DW9", ConvKind::kDepthwise, 1, 1024, 7, 7, 1024, 3, 3, 1, 1},
    {"mobilenet_v1", "PW9", ConvKind::kConv2d, 1, 1024, 7, 7, 1024, 1, 1, 1, 0},
    {"mobilenet_v1", "FC", ConvKind::kDense, 1, 1024, 1, 1, 1000, 1, 1, 1, 0},
};

// How often each model runs a zoo layer of that shape (layers not listed run once): ResNet-18's basic
// blocks repeat their 3x3 convolutions, VGG-16 repeats its 256- and 512-channel layers, MobileNetV1
// runs five identical depthwise/pointwise pairs at 14x14.
struct Count {
  const char* name;
  int count;
};
const Count kCounts[] = {
    {"resnet18.C2", 4}, {"resnet18.C5", 3}, {"resnet18.C8", 3},      {"resnet18.C11", 3},     {"vgg16.C6", 2},
    {"vgg16.C8", 2},    {"vgg16.C9", 3},    {"mobilenet_v1.DW7", 5}, {"mobilenet_v1.PW7", 5},
};

int Log2Ceil(double v) {
  int l = 0;
  while (double(int64_t(1) << l) < v) ++l;
  return l;
}
}  // namespace

reference::Epilogue DefaultEpilogue(const ConvLayer& l, int out_bits) {
  // Requantize by about the accumulator's spread: products of two full-range int8 values summed over
  // the reduction have a standard deviation near 2^(2*out_bits-3) * sqrt(reduction).
  const int64_t red = l.kind == ConvKind::kDepthwise ? int64_t(l.r) * l.s : int64_t(l.c) * l.r * l.s;
  const int shift = 2 * out_bits - 3 + Log2Ceil(std::sqrt(double(red))) - (out_bits - 2);
  return reference::Epilogue::Requant(shift, false, out_bits, true);
}

std::vector<ConvLayer> BuiltinLayers() {
  std::vector<ConvLayer> out;
  for (const Row& r : kRows) {
    ConvLayer l;
    l.name = fmt::format("{}.{}", r.model, r.name);
    l.kind = r.kind;
    l.n = r.n;
    l.c = r.c;
    l.h = r.h;
    l.w = r.w;
    l.k = r.k;
    l.r = r.r;
    l.s = r.s;
    l.stride_h = l.stride_w = r.stride;
    l.pad_h = l.pad_w = r.pad;
    l.epilogue = DefaultEpilogue(l, 8);
    out.push_back(l);
  }
  return out;
}

ConvLayer FindLayer(std::string_view name) {
  std::string names;
  for (const ConvLayer& l : BuiltinLayers()) {
    if (l.name == name) return l;
    names += (names.empty() ? "" : ", ") + l.name;
  }
  throw UsageError(fmt::format("unknown layer \"{}\" (known: {})", name, names));
}

std::vector<std::string> BuiltinModels() {
  std::vector<std::string> out;
  for (const Row& r : kRows)
    if (std::find(out.begin(), out.end(), r.model) == out.end()) out.push_back(r.model);
  return out;
}

std::vector<ZooTask> BuiltinModelTasks(std::string_view model) {
  std::vector<ZooTask> out;
  for (const ConvLayer& l : BuiltinLayers()) {
    if (l.name.substr(0, l.name.find('.')) != model) continue;
    int count = 1;
    for (const Count& c : kCounts)
      if (l.name == c.name) count = c.count;
    out.push_back(ZooTask{l, count});
  }
  if (out.empty())
    throw UsageError(fmt::format("unknown model \"{}\" (built-in: {})", model, fmt::join(BuiltinModels(), ", ")));
  return out;
}

ConvLayer ReduceSpatially(const ConvLayer& l, int max_hw, int max_channels) {
  ConvLayer r = l;
  if (l.kind == ConvKind::kDense) {
    // A dense layer has no spatial extent: cut its channels instead (weights dominate its size).
    r.c = std::min(l.c, 16 * max_hw * max_hw);
    r.k = std::min(l.k, 8 * max_hw * max_hw);
    r.epilogue = DefaultEpilogue(r, 8);
    r.name = l.name + "/reduced";
    return r;
  }
  // Keep the kernel, stride and padding; cut the image so the output is at most about max_hw wide.
  auto cut = [&](int in, int k, int stride, int pad) {
    const int need = (max_hw - 1) * stride + k - 2 * pad;
    return std::max(std::min(in, need), std::max(1, k - 2 * pad));
  };
  r.h = cut(l.h, l.r, l.stride_h, l.pad_h);
  r.w = cut(l.w, l.s, l.stride_w, l.pad_w);
  if (max_channels > 0) {
    r.c = std::min(r.c, max_channels);
    r.k = r.kind == ConvKind::kDepthwise ? r.c : std::min(r.k, max_channels);
    r.epilogue = DefaultEpilogue(r, 8);
  }
  r.name = l.name + "/reduced";
  return r;
}

}  // namespace dcoc::compiler
