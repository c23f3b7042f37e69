#include "host/model/onnx_writer.h"

#include <fmt/format.h>
#include <onnx/onnx_pb.h>

#include "host/model/errors.h"
#include "host/spec/program.h"

namespace dcoc::model {

struct OnnxWriter::Impl {
  onnx::ModelProto model;
};

OnnxWriter::OnnxWriter(std::string graph_name, int64_t opset) : impl_(std::make_unique<Impl>()) {
  onnx::ModelProto& m = impl_->model;
  m.set_ir_version(8);
  m.set_producer_name("dcoc");
  onnx::OperatorSetIdProto* o = m.add_opset_import();
  o->set_domain("");
  o->set_version(opset);
  m.mutable_graph()->set_name(std::move(graph_name));
}

OnnxWriter::~OnnxWriter() = default;
OnnxWriter::OnnxWriter(OnnxWriter&&) noexcept = default;
OnnxWriter& OnnxWriter::operator=(OnnxWriter&&) noexcept = default;

void OnnxWriter::Input(const std::string& name, const Shape& shape) {
  onnx::ValueInfoProto* v = impl_->model.mutable_graph()->add_input();
  v->set_name(name);
  onnx::TypeProto_Tensor* t = v->mutable_type()->mutable_tensor_type();
  t->set_elem_type(onnx::TensorProto_DataType_FLOAT);
  for (int64_t d : shape) {
    onnx::TensorShapeProto_Dimension* dim = t->mutable_shape()->add_dim();
    if (d < 0)
      dim->set_dim_param("N");
    else
      dim->set_dim_value(d);
  }
}

void OnnxWriter::Output(const std::string& name) {
  onnx::ValueInfoProto* v = impl_->model.mutable_graph()->add_output();
  v->set_name(name);
  v->mutable_type()->mutable_tensor_type()->set_elem_type(onnx::TensorProto_DataType_FLOAT);
}

void OnnxWriter::Initializer(const std::string& name, const Tensor& t) {
  onnx::TensorProto* p = impl_->model.mutable_graph()->add_initializer();
  p->set_name(name);
  p->set_data_type(onnx::TensorProto_DataType_FLOAT);
  for (int64_t d : t.shape) p->add_dims(d);
  p->set_raw_data(std::string(reinterpret_cast<const char*>(t.data.data()), t.data.size() * sizeof(float)));
}

void OnnxWriter::IntInitializer(const std::string& name, const std::vector<int64_t>& values) {
  onnx::TensorProto* p = impl_->model.mutable_graph()->add_initializer();
  p->set_name(name);
  p->set_data_type(onnx::TensorProto_DataType_INT64);
  p->add_dims(int64_t(values.size()));
  for (int64_t v : values) p->add_int64_data(v);
}

void OnnxWriter::Node(const std::string& op_type, const std::vector<std::string>& inputs,
                      const std::vector<std::string>& outputs, const std::string& name,
                      const std::vector<OnnxAttr>& attrs) {
  onnx::NodeProto* n = impl_->model.mutable_graph()->add_node();
  n->set_op_type(op_type);
  n->set_name(name);
  for (const std::string& i : inputs) n->add_input(i);
  for (const std::string& o : outputs) n->add_output(o);
  for (const OnnxAttr& a : attrs) {
    onnx::AttributeProto* p = n->add_attribute();
    p->set_name(a.name);
    if (const auto* i = std::get_if<int64_t>(&a.value)) {
      p->set_type(onnx::AttributeProto_AttributeType_INT);
      p->set_i(*i);
    } else if (const auto* f = std::get_if<float>(&a.value)) {
      p->set_type(onnx::AttributeProto_AttributeType_FLOAT);
      p->set_f(*f);
    } else if (const auto* s = std::get_if<std::string>(&a.value)) {
      p->set_type(onnx::AttributeProto_AttributeType_STRING);
      p->set_s(*s);
    } else if (const auto* is = std::get_if<std::vector<int64_t>>(&a.value)) {
      p->set_type(onnx::AttributeProto_AttributeType_INTS);
      for (int64_t v : *is) p->add_ints(v);
    } else if (const auto* fs = std::get_if<std::vector<float>>(&a.value)) {
      p->set_type(onnx::AttributeProto_AttributeType_FLOATS);
      for (float v : *fs) p->add_floats(v);
    }
  }
}

std::string OnnxWriter::Serialize() const {
  std::string out;
  if (!impl_->model.SerializeToString(&out)) throw ModelError("the ONNX model does not serialize (over 2 GB?)");
  return out;
}

void OnnxWriter::Save(const std::filesystem::path& path) const {
  const std::string bytes = Serialize();
  spec::WriteFile(path, std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()));
}

}  // namespace dcoc::model
