// ONNX import through the ONNX project's own protobuf definitions (libonnx-dev): ModelProto -> Graph.
// Opsets 9-17 of the default domain (and 6-8, see kMinOpset). Everything the file says is checked: truncated or corrupt
// protobuf, unsupported opsets, domains, ops and attribute values, missing initializers, tensors whose
// data does not match their dims, shape mismatches between operands, cycles. Each is a ModelError that
// names the node (or the tensor, or the input) and the value; nothing crashes or allocates without bound.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string_view>

#include "host/model/graph.h"
#include "host/model/tensor.h"

namespace dcoc::model {

struct ImportOptions {
  int64_t batch = 1;  // the value of a symbolic first input dimension (the batch)
};

// `source` names the bytes in messages (usually the file name).
Graph ImportOnnx(std::span<const uint8_t> bytes, std::string_view source, const ImportOptions& opts = {});
Graph LoadOnnx(const std::filesystem::path& path, const ImportOptions& opts = {});

// A serialized TensorProto (the input_N.pb / output_N.pb files of ONNX's test data) as a float tensor.
Tensor ParseTensorProto(std::span<const uint8_t> bytes, std::string_view source);
Tensor LoadTensorProto(const std::filesystem::path& path);

// The range of opsets the importer accepts: 9-17, and 6-8 for the ops above with their legacy attributes
// (Add/Gemm broadcast, BatchNormalization/Dropout is_test, AveragePool without count_include_pad), as
// ONNX's own PyTorch-converted test data uses them.
inline constexpr int64_t kMinOpset = 6, kMaxOpset = 17;

}  // namespace dcoc::model
