// A small ONNX model writer (ModelProto through libonnx-dev's protobuf classes): graph inputs,
// initializers, nodes with attributes, outputs. The Fashion-MNIST trainer exports its network with it,
// and the tests build well-formed and deliberately malformed models with it. It writes what it is told:
// checking is the importer's job.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "host/model/tensor.h"

namespace dcoc::model {

struct OnnxAttr {
  std::string name;
  std::variant<int64_t, float, std::string, std::vector<int64_t>, std::vector<float>> value;
};

class OnnxWriter {
 public:
  explicit OnnxWriter(std::string graph_name, int64_t opset = 13);
  ~OnnxWriter();
  OnnxWriter(OnnxWriter&&) noexcept;
  OnnxWriter& operator=(OnnxWriter&&) noexcept;

  // A float graph input; a dimension of -1 is symbolic ("N").
  void Input(const std::string& name, const Shape& shape);
  void Output(const std::string& name);
  void Initializer(const std::string& name, const Tensor& t);
  // An INT64 initializer (Reshape shapes, ...).
  void IntInitializer(const std::string& name, const std::vector<int64_t>& values);
  void Node(const std::string& op_type, const std::vector<std::string>& inputs, const std::vector<std::string>& outputs,
            const std::string& name = "", const std::vector<OnnxAttr>& attrs = {});

  std::string Serialize() const;
  void Save(const std::filesystem::path& path) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace dcoc::model
