// The built-in layer zoo: every conv2d, depthwise conv2d and dense layer of ResNet-18, VGG-16, AlexNet
// and MobileNetV1 (shapes from the project's workloads.json), named "<model>.<layer>" (resnet18.C5).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "host/compiler/conv.h"

namespace dcoc::compiler {

std::vector<ConvLayer> BuiltinLayers();
// Throws UsageError listing the known names.
ConvLayer FindLayer(std::string_view name);
// The zoo's models ("resnet18", "vgg16", "alexnet", "mobilenet_v1") and each one's layers with how
// often the model runs them (its tuning tasks). Throws UsageError listing the models for an unknown one.
struct ZooTask {
  ConvLayer layer;
  int count = 1;
};
std::vector<std::string> BuiltinModels();
std::vector<ZooTask> BuiltinModelTasks(std::string_view model);
// The requantization the zoo's layers use: bias, a shift near the accumulator's spread, clamp to int.
reference::Epilogue DefaultEpilogue(const ConvLayer& l, int out_bits);
// The same layer with its spatial size cut down (output at most about max_hw x max_hw; a dense layer
// keeps at most 16*max_hw^2 inputs and 8*max_hw^2 outputs), for fast tests.
// max_channels > 0 also caps C and K.
ConvLayer ReduceSpatially(const ConvLayer& l, int max_hw, int max_channels = 0);

}  // namespace dcoc::compiler
