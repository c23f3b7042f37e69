#include "host/model/onnx_import.h"

#include <fmt/format.h>
#include <onnx/onnx_pb.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <map>
#include <set>

#include "host/model/errors.h"
#include "host/spec/program.h"

namespace dcoc::model {

namespace {

// Data types of TensorProto (onnx.proto's TensorProto.DataType).
std::string_view TypeName(int t) {
  static constexpr std::string_view kNames[] = {"UNDEFINED", "FLOAT",  "UINT8",     "INT8",       "UINT16",  "INT16",
                                                "INT32",     "INT64",  "STRING",    "BOOL",       "FLOAT16", "DOUBLE",
                                                "UINT32",    "UINT64", "COMPLEX64", "COMPLEX128", "BFLOAT16"};
  return t >= 0 && t < int(std::size(kNames)) ? kNames[t] : "unknown";
}

Tensor ToTensor(const onnx::TensorProto& t, std::string_view what) {
  if (t.data_location() == onnx::TensorProto_DataLocation_EXTERNAL)
    throw ModelError(
        fmt::format("{}: external tensor data is not supported (store the weights in the model file)", what));
  if (t.has_segment()) throw ModelError(fmt::format("{}: segmented tensors are not supported", what));
  Shape shape;
  for (int64_t d : t.dims()) shape.push_back(d);
  const int64_t n = NumElements(shape, what);
  Tensor out;
  out.shape = shape;
  out.data.resize(size_t(n));
  const int type = t.data_type();
  auto count = [&](int64_t have, std::string_view field) {
    if (have != n)
      throw ModelError(fmt::format("{}: dims {} need {} values, {} holds {}", what, ToString(shape), n, field, have));
  };
  const std::string& raw = t.raw_data();
  auto from_raw = [&](size_t elem, auto convert) {
    if (raw.size() != size_t(n) * elem)
      throw ModelError(fmt::format("{}: dims {} need {} bytes of {} data, raw_data holds {}", what, ToString(shape),
                                   size_t(n) * elem, TypeName(type), raw.size()));
    for (int64_t i = 0; i < n; ++i) out.data[size_t(i)] = convert(raw.data() + size_t(i) * elem);
  };
  auto check_int = [&](int64_t v) {
    if (std::llabs(v) > (int64_t(1) << 24))
      throw ModelError(fmt::format("{}: integer value {} is too large to be exact here (at most 2^24)", what, v));
    return float(v);
  };
  switch (type) {
    case onnx::TensorProto_DataType_FLOAT:
      if (!raw.empty() || t.float_data_size() == 0) {
        from_raw(4, [](const char* p) {
          float f;
          std::memcpy(&f, p, 4);
          return f;
        });
      } else {
        count(t.float_data_size(), "float_data");
        for (int64_t i = 0; i < n; ++i) out.data[size_t(i)] = t.float_data(int(i));
      }
      break;
    case onnx::TensorProto_DataType_DOUBLE:
      if (!raw.empty() || t.double_data_size() == 0) {
        from_raw(8, [](const char* p) {
          double d;
          std::memcpy(&d, p, 8);
          return float(d);
        });
      } else {
        count(t.double_data_size(), "double_data");
        for (int64_t i = 0; i < n; ++i) out.data[size_t(i)] = float(t.double_data(int(i)));
      }
      break;
    case onnx::TensorProto_DataType_INT64:
      if (!raw.empty() || t.int64_data_size() == 0) {
        from_raw(8, [&](const char* p) {
          int64_t v;
          std::memcpy(&v, p, 8);
          return check_int(v);
        });
      } else {
        count(t.int64_data_size(), "int64_data");
        for (int64_t i = 0; i < n; ++i) out.data[size_t(i)] = check_int(t.int64_data(int(i)));
      }
      break;
    case onnx::TensorProto_DataType_INT32:
      if (!raw.empty() || t.int32_data_size() == 0) {
        from_raw(4, [&](const char* p) {
          int32_t v;
          std::memcpy(&v, p, 4);
          return check_int(v);
        });
      } else {
        count(t.int32_data_size(), "int32_data");
        for (int64_t i = 0; i < n; ++i) out.data[size_t(i)] = check_int(t.int32_data(int(i)));
      }
      break;
    default:
      throw ModelError(fmt::format("{}: data type {} ({}) is not supported (FLOAT, DOUBLE, INT32, INT64)", what,
                                   TypeName(type), type));
  }
  return out;
}

// Weights must be finite (inputs and expected outputs of test data may hold infinities).
Tensor ToFiniteTensor(const onnx::TensorProto& t, std::string_view what) {
  Tensor out = ToTensor(t, what);
  for (float f : out.data)
    if (!std::isfinite(f)) throw ModelError(fmt::format("{}: holds a value that is not finite ({})", what, f));
  return out;
}

// The attributes of one node: typed getters; Finish() rejects any attribute nobody asked for.
class AttrReader {
 public:
  AttrReader(const onnx::NodeProto& n, std::string where) : where_(std::move(where)) {
    for (const onnx::AttributeProto& a : n.attribute()) {
      if (!attrs_.emplace(a.name(), &a).second)
        throw ModelError(fmt::format("{}: attribute {} is given twice", where_, a.name()));
    }
  }
  int64_t Int(const std::string& name, int64_t def) {
    const onnx::AttributeProto* a = Take(name, onnx::AttributeProto_AttributeType_INT, "an integer");
    return a ? a->i() : def;
  }
  float Float(const std::string& name, float def) {
    const onnx::AttributeProto* a = Take(name, onnx::AttributeProto_AttributeType_FLOAT, "a float");
    return a ? a->f() : def;
  }
  std::string String(const std::string& name, std::string def) {
    const onnx::AttributeProto* a = Take(name, onnx::AttributeProto_AttributeType_STRING, "a string");
    return a ? a->s() : def;
  }
  std::optional<std::vector<int64_t>> Ints(const std::string& name) {
    const onnx::AttributeProto* a = Take(name, onnx::AttributeProto_AttributeType_INTS, "a list of integers");
    if (!a) return std::nullopt;
    return std::vector<int64_t>(a->ints().begin(), a->ints().end());
  }
  const onnx::AttributeProto* Raw(const std::string& name) {
    auto it = attrs_.find(name);
    if (it == attrs_.end()) return nullptr;
    const onnx::AttributeProto* a = it->second;
    attrs_.erase(it);
    return a;
  }
  bool Has(const std::string& name) const { return attrs_.count(name) > 0; }
  void Finish() {
    if (!attrs_.empty()) throw ModelError(fmt::format("{}: unsupported attribute {}", where_, attrs_.begin()->first));
  }
  [[noreturn]] void Bad(const std::string& name, std::string_view value, std::string_view why) const {
    throw ModelError(fmt::format("{}: unsupported attribute {}={}: {}", where_, name, value, why));
  }

 private:
  const onnx::AttributeProto* Take(const std::string& name, int type, std::string_view what) {
    auto it = attrs_.find(name);
    if (it == attrs_.end()) return nullptr;
    const onnx::AttributeProto* a = it->second;
    attrs_.erase(it);
    // Writers that leave `type` unset are tolerated when the matching field is the one filled.
    if (a->type() != type && a->type() != onnx::AttributeProto_AttributeType_UNDEFINED)
      throw ModelError(fmt::format("{}: attribute {} must be {}", where_, name, what));
    return a;
  }
  std::string where_;
  std::map<std::string, const onnx::AttributeProto*> attrs_;
};

int ToInt(int64_t v, std::string_view where, std::string_view what) {
  if (v < -(int64_t(1) << 20) || v > (int64_t(1) << 20))
    throw ModelError(fmt::format("{}: {} = {} is out of range", where, what, v));
  return int(v);
}

// kernel_shape / strides / pads / dilations of a 1-D or 2-D spatial op into Attrs; whether kernel_shape is given.
bool SpatialAttrs(AttrReader& r, Attrs& a, const std::string& where, bool need_kernel, bool allow_dilation_attr) {
  const std::string auto_pad = r.String("auto_pad", "NOTSET");
  if (auto_pad == "SAME_UPPER")
    a.auto_pad = AutoPad::kSameUpper;
  else if (auto_pad == "SAME_LOWER")
    a.auto_pad = AutoPad::kSameLower;
  else if (auto_pad != "NOTSET" && auto_pad != "VALID")
    r.Bad("auto_pad", auto_pad, "NOTSET, VALID, SAME_UPPER or SAME_LOWER");
  const auto kernel = r.Ints("kernel_shape");
  if (need_kernel && !kernel) throw ModelError(fmt::format("{}: attribute kernel_shape is required", where));
  const size_t rank = kernel ? kernel->size() : 0;
  if (kernel && (rank < 1 || rank > 2)) r.Bad("kernel_shape", ToString(*kernel), "dcoc supports 1-D and 2-D kernels");
  auto list = [&](const std::string& name, size_t n) -> std::optional<std::vector<int64_t>> {
    auto v = r.Ints(name);
    if (v && rank && v->size() != n)
      r.Bad(name, ToString(*v), fmt::format("needs {} values for a {}-D kernel", n, rank));
    return v;
  };
  if (kernel) {
    for (int64_t k : *kernel)
      if (k < 1) r.Bad("kernel_shape", ToString(*kernel), "dimensions must be at least 1");
    a.kernel_h = rank == 2 ? ToInt((*kernel)[0], where, "kernel height") : 1;
    a.kernel_w = ToInt(kernel->back(), where, "kernel width");
  }
  if (const auto s = list("strides", rank)) {
    for (int64_t x : *s)
      if (x < 1) r.Bad("strides", ToString(*s), "strides must be at least 1");
    if (!s->empty()) {
      a.stride_h = s->size() == 2 ? ToInt((*s)[0], where, "stride") : 1;
      a.stride_w = ToInt(s->back(), where, "stride");
    }
  }
  if (const auto p = list("pads", 2 * rank); p && a.auto_pad == AutoPad::kExplicit && auto_pad != "VALID") {
    for (int64_t x : *p)
      if (x < 0) r.Bad("pads", ToString(*p), "pads must not be negative");
    if (p->size() == 4) {
      a.pad_top = ToInt((*p)[0], where, "pad"), a.pad_left = ToInt((*p)[1], where, "pad");
      a.pad_bottom = ToInt((*p)[2], where, "pad"), a.pad_right = ToInt((*p)[3], where, "pad");
    } else if (p->size() == 2) {
      a.pad_left = ToInt((*p)[0], where, "pad"), a.pad_right = ToInt((*p)[1], where, "pad");
    }
  }
  if (allow_dilation_attr)
    if (const auto d = list("dilations", rank))
      for (int64_t x : *d)
        if (x != 1) r.Bad("dilations", ToString(*d), "dcoc supports dilation 1 only");
  return kernel.has_value();
}

class Importer {
 public:
  Importer(const onnx::ModelProto& m, std::string_view source, const ImportOptions& o)
      : m_(m), source_(source), opts_(o) {}

  Graph Run() {
    ReadOpset();
    if (!m_.has_graph()) throw ModelError(fmt::format("{}: the model has no graph", source_));
    const onnx::GraphProto& gp = m_.graph();
    g_.name = gp.name();
    g_.opset = opset_;
    for (const onnx::TensorProto& t : gp.initializer()) {
      const std::string what = fmt::format("{}: initializer {}", source_, t.name());
      if (t.name().empty()) throw ModelError(fmt::format("{}: an initializer has no name", source_));
      if (ids_.count(t.name())) throw ModelError(fmt::format("{}: initializer {} is given twice", source_, t.name()));
      Tensor v = ToFiniteTensor(t, what);
      const int id = NewValue(t.name());
      g_.values[size_t(id)].shape = v.shape;
      g_.values[size_t(id)].constant = std::move(v);
    }
    if (gp.sparse_initializer_size() > 0)
      throw ModelError(fmt::format("{}: sparse initializers are not supported", source_));
    for (const onnx::ValueInfoProto& vi : gp.input()) {
      if (ids_.count(vi.name())) {
        if (g_.IsConstant(ids_[vi.name()])) continue;  // an initializer listed as an input (older exporters)
        throw ModelError(fmt::format("{}: graph input {} is given twice", source_, vi.name()));
      }
      const int id = NewValue(vi.name());
      g_.values[size_t(id)].shape = InputShape(vi);
      g_.inputs.push_back(id);
    }
    if (g_.inputs.empty()) throw ModelError(fmt::format("{}: the graph has no (non-constant) input", source_));
    // Every node output first, so inputs may refer to nodes later in the file (sorted below).
    for (int i = 0; i < gp.node_size(); ++i) {
      const onnx::NodeProto& np = gp.node(i);
      const std::string name = np.name().empty() ? fmt::format("{}_{}", np.op_type(), i) : np.name();
      for (const std::string& o : np.output()) {
        if (o.empty()) continue;
        if (ids_.count(o))
          throw ModelError(
              fmt::format("{}: node {} ({}): output {} is already defined (a graph input, an "
                          "initializer or another node's output)",
                          source_, name, np.op_type(), o));
        NewValue(o);
      }
    }
    for (int i = 0; i < gp.node_size(); ++i) AddNode(gp.node(i), i);
    if (gp.output_size() == 0) throw ModelError(fmt::format("{}: the graph has no output", source_));
    for (const onnx::ValueInfoProto& vi : gp.output()) {
      auto it = ids_.find(vi.name());
      if (it == ids_.end())
        throw ModelError(fmt::format("{}: graph output {} is produced by no node", source_, vi.name()));
      g_.outputs.push_back(it->second);
    }
    SortTopologically(g_);
    InferShapes(g_);
    Prune(g_);
    return std::move(g_);
  }

 private:
  void ReadOpset() {
    bool found = false;
    for (const onnx::OperatorSetIdProto& o : m_.opset_import()) {
      if (o.domain().empty() || o.domain() == "ai.onnx") {
        opset_ = o.version();
        found = true;
      }
    }
    if (!found)
      throw ModelError(
          fmt::format("{}: no opset of the default ONNX domain is imported (truncated or not an ONNX "
                      "model?)",
                      source_));
    if (opset_ < kMinOpset || opset_ > kMaxOpset)
      throw ModelError(fmt::format("{}: opset {} is not supported (dcoc imports opsets {} to {})", source_, opset_,
                                   kMinOpset, kMaxOpset));
  }

  int NewValue(const std::string& name) {
    if (g_.values.size() >= size_t(1) << 24) throw ModelError(fmt::format("{}: too many values", source_));
    const int id = int(g_.values.size());
    g_.values.push_back(Value{name, {}, std::nullopt, -1});
    ids_[name] = id;
    return id;
  }

  Shape InputShape(const onnx::ValueInfoProto& vi) {
    const std::string what = fmt::format("{}: graph input {}", source_, vi.name());
    if (!vi.has_type() || !vi.type().has_tensor_type())
      throw ModelError(fmt::format("{}: not a tensor (dcoc needs a float tensor of known shape)", what));
    const auto& tt = vi.type().tensor_type();
    if (tt.elem_type() != onnx::TensorProto_DataType_FLOAT && tt.elem_type() != onnx::TensorProto_DataType_DOUBLE)
      throw ModelError(fmt::format("{}: element type {} is not supported (FLOAT, or DOUBLE computed as FLOAT)", what,
                                   TypeName(tt.elem_type())));
    if (!tt.has_shape()) throw ModelError(fmt::format("{}: has no shape", what));
    Shape s;
    for (int i = 0; i < tt.shape().dim_size(); ++i) {
      const auto& d = tt.shape().dim(i);
      if (d.has_dim_value() && d.dim_value() >= 1) {
        s.push_back(d.dim_value());
      } else if (i == 0 && !d.has_dim_value()) {
        s.push_back(opts_.batch);  // symbolic batch
      } else {
        throw ModelError(
            fmt::format("{}: dimension {} is {} (dcoc needs static shapes; only the batch may be "
                        "symbolic)",
                        what, i, d.has_dim_value() ? std::to_string(d.dim_value()) : d.dim_param()));
      }
    }
    (void)NumElements(s, what);
    return s;
  }

  // The constant behind an input of a node (folded into its attributes).
  const Tensor& ConstInput(const onnx::NodeProto& np, const std::string& where, int i, std::string_view what) {
    const int id = ids_.count(np.input(i)) ? ids_[np.input(i)] : -1;
    if (!g_.IsConstant(id))
      throw ModelError(
          fmt::format("{}: input {} ({}) must be a constant (an initializer or a Constant node)", where, i, what));
    return *g_.values[size_t(id)].constant;
  }

  void AddNode(const onnx::NodeProto& np, int index) {
    Node n;
    n.name = np.name().empty() ? fmt::format("{}_{}", np.op_type(), index) : np.name();
    n.op_type = np.op_type();
    const std::string where = fmt::format("{}: {}", source_, n.Describe());
    if (!np.domain().empty() && np.domain() != "ai.onnx")
      throw ModelError(
          fmt::format("{}: domain {} is not supported (only the default ONNX domain)", where, np.domain()));
    AttrReader r(np, where);
    Attrs& a = n.attrs;
    const std::string& t = np.op_type();
    // Inputs the op folds into its attributes are not kept as node inputs.
    int kept_inputs = np.input_size();
    auto expect_inputs = [&](int lo, int hi) {
      if (np.input_size() < lo || np.input_size() > hi)
        throw ModelError(lo == hi ? fmt::format("{}: needs {} input(s), has {}", where, lo, np.input_size())
                                  : fmt::format("{}: needs {} to {} inputs, has {}", where, lo, hi, np.input_size()));
    };
    int outputs = 1;
    if (t == "Constant") {
      AddConstant(np, r, where);
      return;
    } else if (t == "Conv") {
      n.op = Op::kConv;
      expect_inputs(2, 3);
      const bool kernel_given = SpatialAttrs(r, a, where, false, true);
      a.group = ToInt(r.Int("group", 1), where, "group");
      // kernel_shape is optional: without it the weights' dimensions are the kernel.
      const int w = ids_.count(np.input(1)) ? ids_[np.input(1)] : -1;
      if (!kernel_given && w >= 0 && g_.values[size_t(w)].constant) {
        const Shape& ws = g_.values[size_t(w)].constant->shape;
        if (ws.size() == 3 || ws.size() == 4) {
          a.kernel_h = ws.size() == 4 ? ToInt(ws[2], where, "kernel height") : 1;
          a.kernel_w = ToInt(ws.back(), where, "kernel width");
        }
      }
    } else if (t == "MaxPool") {
      n.op = Op::kMaxPool;
      expect_inputs(1, 1);
      SpatialAttrs(r, a, where, true, true);
      if (const int64_t c = r.Int("ceil_mode", 0); c != 0) r.Bad("ceil_mode", std::to_string(c), "only 0 (floor)");
      if (const int64_t s = r.Int("storage_order", 0); s != 0)
        r.Bad("storage_order", std::to_string(s), "only 0 (row major)");
      if (np.output_size() > 1 && !np.output(1).empty())
        throw ModelError(fmt::format("{}: the Indices output is not supported", where));
    } else if (t == "AveragePool") {
      n.op = Op::kAveragePool;
      expect_inputs(1, 1);
      SpatialAttrs(r, a, where, true, opset_ >= 19);
      if (const int64_t c = r.Int("ceil_mode", 0); c != 0) r.Bad("ceil_mode", std::to_string(c), "only 0 (floor)");
      if (opset_ >= 7) a.count_include_pad = r.Int("count_include_pad", 0) != 0;
    } else if (t == "GlobalAveragePool") {
      n.op = Op::kGlobalAveragePool;
      expect_inputs(1, 1);
    } else if (t == "BatchNormalization") {
      n.op = Op::kBatchNorm;
      expect_inputs(5, 5);
      a.epsilon = r.Float("epsilon", 1e-5f);
      if (!(a.epsilon >= 0) || !std::isfinite(a.epsilon))
        r.Bad("epsilon", fmt::format("{}", a.epsilon), "must be a finite non-negative number");
      (void)r.Float("momentum", 0.9f);
      if (const int64_t s = r.Int("spatial", 1); s != 1) r.Bad("spatial", std::to_string(s), "only 1");
      if (opset_ < 7 && r.Int("is_test", 0) == 0)
        throw ModelError(fmt::format("{}: is_test = 0 (training) is not supported", where));
      if (const int64_t tm = r.Int("training_mode", 0); tm != 0)
        r.Bad("training_mode", std::to_string(tm), "dcoc runs inference only");
      for (int i = 1; i < np.output_size(); ++i)
        if (!np.output(i).empty()) throw ModelError(fmt::format("{}: training outputs are not supported", where));
    } else if (t == "Gemm") {
      n.op = Op::kGemm;
      expect_inputs(2, 3);
      a.alpha = r.Float("alpha", 1.0f);
      a.beta = r.Float("beta", 1.0f);
      a.trans_a = r.Int("transA", 0) != 0;
      a.trans_b = r.Int("transB", 0) != 0;
      if (opset_ < 7 && LegacyBroadcast(r) > 0)
        throw ModelError(fmt::format("{}: unsupported attribute axis (C aligned with an axis)", where));
      if (!std::isfinite(a.alpha) || !std::isfinite(a.beta))
        r.Bad("alpha/beta", fmt::format("{}/{}", a.alpha, a.beta), "must be finite");
    } else if (t == "MatMul") {
      n.op = Op::kMatMul;
      expect_inputs(2, 2);
    } else if (t == "Relu") {
      n.op = Op::kRelu;
      expect_inputs(1, 1);
      a.clip_min = 0;
    } else if (t == "Clip") {
      n.op = Op::kClip;
      if (opset_ < 11) {
        expect_inputs(1, 1);
        a.clip_min = r.Float("min", a.clip_min);
        a.clip_max = r.Float("max", a.clip_max);
      } else {
        expect_inputs(1, 3);
        // Constant bounds fold into the attributes; bounds computed at run time stay inputs.
        auto constant = [&](int i) {
          return np.input_size() <= i || np.input(i).empty() ||
                 (ids_.count(np.input(i)) && g_.IsConstant(ids_[np.input(i)]));
        };
        if (constant(1) && constant(2)) {
          if (np.input_size() > 1 && !np.input(1).empty())
            a.clip_min = Scalar(ConstInput(np, where, 1, "min"), where, "min");
          if (np.input_size() > 2 && !np.input(2).empty())
            a.clip_max = Scalar(ConstInput(np, where, 2, "max"), where, "max");
          kept_inputs = 1;
        }
      }
      if (std::isnan(a.clip_min) || std::isnan(a.clip_max) || a.clip_min > a.clip_max)
        throw ModelError(fmt::format("{}: min {} is greater than max {}", where, a.clip_min, a.clip_max));
    } else if (t == "Add") {
      n.op = Op::kAdd;
      expect_inputs(2, 2);
      if (opset_ < 7) a.broadcast_axis = LegacyBroadcast(r);
    } else if (t == "Flatten") {
      n.op = Op::kFlatten;
      expect_inputs(1, 1);
      a.axis = ToInt(r.Int("axis", 1), where, "axis");
    } else if (t == "Reshape") {
      n.op = Op::kReshape;
      expect_inputs(2, 2);
      a.allowzero = r.Int("allowzero", 0) != 0;
      const Tensor& s = ConstInput(np, where, 1, "shape");
      if (s.Rank() != 1)
        throw ModelError(fmt::format("{}: the shape input must be 1-D, is {}", where, ToString(s.shape)));
      if (s.Size() > 8)
        throw ModelError(fmt::format("{}: a target of rank {} is not supported (at most 8)", where, s.Size()));
      for (float v : s.data) {
        if (v != std::floor(v)) throw ModelError(fmt::format("{}: shape value {} is not an integer", where, v));
        a.reshape.push_back(int64_t(v));
      }
      kept_inputs = 1;
    } else if (t == "Concat") {
      n.op = Op::kConcat;
      if (np.input_size() < 1) throw ModelError(fmt::format("{}: needs at least one input", where));
      if (!r.Has("axis")) throw ModelError(fmt::format("{}: attribute axis is required", where));
      a.axis = ToInt(r.Int("axis", 1), where, "axis");
    } else if (t == "Softmax") {
      n.op = Op::kSoftmax;
      expect_inputs(1, 1);
      a.axis = ToInt(r.Int("axis", opset_ < 13 ? 1 : -1), where, "axis");
      a.softmax_2d = opset_ < 13;
    } else if (t == "Identity") {
      n.op = Op::kIdentity;
      expect_inputs(1, 1);
    } else if (t == "Dropout") {
      n.op = Op::kIdentity;
      expect_inputs(1, 3);
      (void)r.Float("ratio", 0.5f);
      (void)r.Int("seed", 0);
      if (opset_ < 7) (void)r.Int("is_test", 1);
      if (np.input_size() > 2 && !np.input(2).empty()) {
        const Tensor& tm = ConstInput(np, where, 2, "training_mode");
        if (tm.Size() != 1 || tm.data[0] != 0)
          throw ModelError(fmt::format("{}: training_mode must be false (dcoc runs inference only)", where));
      }
      kept_inputs = 1;
      for (int i = 1; i < np.output_size(); ++i)
        if (!np.output(i).empty()) throw ModelError(fmt::format("{}: the mask output is not supported", where));
    } else {
      throw ModelError(
          fmt::format("{}: op {} is not supported (dcoc imports Conv, Gemm, MatMul, "
                      "BatchNormalization, Relu, Clip, Add, MaxPool, AveragePool, GlobalAveragePool, "
                      "Flatten, Reshape, Concat, Softmax, Identity, Dropout, Constant)",
                      where, t));
    }
    r.Finish();
    for (int i = 0; i < kept_inputs; ++i) {
      const std::string& in = np.input(i);
      if (in.empty()) {
        n.inputs.push_back(-1);
        continue;
      }
      auto it = ids_.find(in);
      if (it == ids_.end())
        throw ModelError(
            fmt::format("{}: input {} is neither a graph input, an initializer nor a node's output "
                        "(missing initializer?)",
                        where, in));
      n.inputs.push_back(it->second);
    }
    if (np.output_size() < outputs || np.output(0).empty()) throw ModelError(fmt::format("{}: has no output", where));
    n.outputs.push_back(ids_[np.output(0)]);
    g_.nodes.push_back(std::move(n));
  }

  // Opset 6's broadcast/axis attributes of Add and Gemm: without an axis, broadcasting B along the
  // trailing dimensions is numpy's rule (what opset 7 made the only one); with one, B lines up with A
  // from that axis (Attrs::broadcast_axis). Returns the axis, or -1.
  static int LegacyBroadcast(AttrReader& r) {
    const bool broadcast = r.Int("broadcast", 0) != 0;
    const int64_t axis = r.Int("axis", -1);
    if (axis < -1 || axis > 8) r.Bad("axis", std::to_string(axis), "must be a dimension of A");
    return broadcast ? int(axis) : -1;
  }

  static float Scalar(const Tensor& t, const std::string& where, std::string_view what) {
    if (t.Size() != 1)
      throw ModelError(fmt::format("{}: {} must be a scalar, has shape {}", where, what, ToString(t.shape)));
    return t.data[0];
  }

  void AddConstant(const onnx::NodeProto& np, AttrReader& r, const std::string& where) {
    if (np.output_size() != 1 || np.output(0).empty() || np.input_size() != 0)
      throw ModelError(fmt::format("{}: needs no input and one output", where));
    Tensor v;
    if (const onnx::AttributeProto* a = r.Raw("value")) {
      if (!a->has_t()) throw ModelError(fmt::format("{}: attribute value must be a tensor", where));
      v = ToFiniteTensor(a->t(), where);
    } else if (const onnx::AttributeProto* f = r.Raw("value_float")) {
      v = Tensor({}, {f->f()});
    } else if (const onnx::AttributeProto* fs = r.Raw("value_floats")) {
      v = Tensor({int64_t(fs->floats_size())}, std::vector<float>(fs->floats().begin(), fs->floats().end()));
    } else if (const onnx::AttributeProto* i = r.Raw("value_int")) {
      v = Tensor({}, {float(i->i())});
    } else if (const onnx::AttributeProto* is = r.Raw("value_ints")) {
      std::vector<float> d;
      for (int64_t x : is->ints()) d.push_back(float(x));
      v = Tensor({int64_t(d.size())}, std::move(d));
    } else {
      throw ModelError(fmt::format("{}: needs a value, value_float(s) or value_int(s) attribute", where));
    }
    r.Finish();
    const int id = ids_[np.output(0)];
    g_.values[size_t(id)].shape = v.shape;
    g_.values[size_t(id)].constant = std::move(v);
  }

  const onnx::ModelProto& m_;
  std::string source_;
  ImportOptions opts_;
  int64_t opset_ = 0;
  Graph g_;
  std::map<std::string, int> ids_;
};

}  // namespace

Graph ImportOnnx(std::span<const uint8_t> bytes, std::string_view source, const ImportOptions& opts) {
  if (opts.batch < 1 || opts.batch > 65536)
    throw UsageError(fmt::format("batch {} is out of range [1, 65536]", opts.batch));
  onnx::ModelProto m;
  if (bytes.empty()) throw ModelError(fmt::format("{}: empty file (not an ONNX model)", source));
  if (bytes.size() > size_t(INT32_MAX) || !m.ParseFromArray(bytes.data(), int(bytes.size())))
    throw ModelError(
        fmt::format("{}: not a valid ONNX model: the protobuf does not parse ({} bytes; truncated or "
                    "corrupt?)",
                    source, bytes.size()));
  return Importer(m, source, opts).Run();
}

Graph LoadOnnx(const std::filesystem::path& path, const ImportOptions& opts) {
  if (!std::filesystem::is_regular_file(path)) throw UsageError(fmt::format("{}: no such model file", path.string()));
  if (opts.batch < 1 || opts.batch > 65536)
    throw UsageError(fmt::format("batch {} is out of range [1, 65536]", opts.batch));
  // Parsed straight from the file: the bytes are never held next to the parsed model and the graph.
  std::ifstream in(path, std::ios::binary);
  onnx::ModelProto m;
  const std::string source = path.filename().string();
  if (std::filesystem::file_size(path) == 0)
    throw ModelError(fmt::format("{}: empty file (not an ONNX model)", source));
  if (!in || !m.ParseFromIstream(&in))
    throw ModelError(
        fmt::format("{}: not a valid ONNX model: the protobuf does not parse ({} bytes; truncated or "
                    "corrupt?)",
                    source, std::filesystem::file_size(path)));
  return Importer(m, source, opts).Run();
}

Tensor ParseTensorProto(std::span<const uint8_t> bytes, std::string_view source) {
  onnx::TensorProto t;
  if (bytes.size() > size_t(INT32_MAX) || !t.ParseFromArray(bytes.data(), int(bytes.size())))
    throw ModelError(fmt::format("{}: not a valid TensorProto (truncated or corrupt?)", source));
  return ToTensor(t, fmt::format("{}: tensor {}", source, t.name()));
}

Tensor LoadTensorProto(const std::filesystem::path& path) {
  if (!std::filesystem::is_regular_file(path)) throw UsageError(fmt::format("{}: no such tensor file", path.string()));
  return ParseTensorProto(spec::ReadFile(path), path.string());
}

}  // namespace dcoc::model
