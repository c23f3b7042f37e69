#include "host/model/graph.h"

#include <fmt/format.h>

#include <algorithm>
#include <queue>

#include "host/model/errors.h"

namespace dcoc::model {

std::string_view Name(Op op) {
  switch (op) {
    case Op::kConv:
      return "Conv";
    case Op::kGemm:
      return "Gemm";
    case Op::kMatMul:
      return "MatMul";
    case Op::kBatchNorm:
      return "BatchNormalization";
    case Op::kRelu:
      return "Relu";
    case Op::kClip:
      return "Clip";
    case Op::kAdd:
      return "Add";
    case Op::kMaxPool:
      return "MaxPool";
    case Op::kAveragePool:
      return "AveragePool";
    case Op::kGlobalAveragePool:
      return "GlobalAveragePool";
    case Op::kFlatten:
      return "Flatten";
    case Op::kReshape:
      return "Reshape";
    case Op::kConcat:
      return "Concat";
    case Op::kSoftmax:
      return "Softmax";
    case Op::kIdentity:
      return "Identity";
  }
  return "?";
}

std::string Node::Describe() const { return fmt::format("node {} ({})", name, op_type); }

int Graph::Find(std::string_view value_name) const {
  for (size_t i = 0; i < values.size(); ++i)
    if (values[i].name == value_name) return int(i);
  return -1;
}

const Tensor& Graph::Constant(int value) const {
  if (!IsConstant(value))
    throw ModelError(fmt::format("value {} is not a constant", value >= 0 ? values[size_t(value)].name : "<absent>"));
  return *values[size_t(value)].constant;
}

std::vector<std::vector<int>> Graph::Consumers() const {
  std::vector<std::vector<int>> c(values.size());
  for (size_t n = 0; n < nodes.size(); ++n)
    for (int v : nodes[n].inputs)
      if (v >= 0 && (c[size_t(v)].empty() || c[size_t(v)].back() != int(n))) c[size_t(v)].push_back(int(n));
  return c;
}

int64_t Graph::Parameters() const {
  int64_t n = 0;
  for (const Value& v : values)
    if (v.constant) n += v.constant->Size();
  return n;
}

// ---------------------------------------------------------------------------------------------------
// Shapes

namespace {

[[noreturn]] void Fail(const Node& n, std::string_view msg) {
  throw ModelError(fmt::format("{}: {}", n.Describe(), msg));
}

Shape Broadcast(const Node& n, const Shape& a, const Shape& b) {
  const size_t r = std::max(a.size(), b.size());
  Shape out(r);
  for (size_t i = 0; i < r; ++i) {
    const int64_t da = i + a.size() >= r ? a[i + a.size() - r] : 1;
    const int64_t db = i + b.size() >= r ? b[i + b.size() - r] : 1;
    if (da != db && da != 1 && db != 1)
      Fail(n, fmt::format("shapes {} and {} do not broadcast (dimension {}: {} vs {})", ToString(a), ToString(b), i, da,
                          db));
    out[i] = da == 1 ? db : da;
  }
  return out;
}

}  // namespace

Shape LegacyAligned(const Node& n, const Shape& a, const Shape& b) {
  const int axis = n.attrs.broadcast_axis;
  if (axis < 0) return b;
  if (axis + b.size() > a.size())
    Fail(n, fmt::format("B {} does not fit A {} from axis {}", ToString(b), ToString(a), axis));
  Shape out = b;
  out.resize(a.size() - size_t(axis), 1);
  return out;
}

namespace {

int64_t OutDim(const Node& n, int64_t in, int k, int stride, int pad0, int pad1, std::string_view what) {
  const int64_t padded = in + pad0 + pad1;
  if (padded < k)
    Fail(n, fmt::format("the {} kernel {} is larger than the padded input {} ({} + pads {} and {})", what, k, padded,
                        in, pad0, pad1));
  return (padded - k) / stride + 1;
}

// SAME_UPPER / SAME_LOWER: the pads that make the output ceil(in / stride) long.
void ResolveSamePads(Node& n, const Shape& x) {
  Attrs& a = n.attrs;
  if (a.auto_pad == AutoPad::kExplicit) return;
  auto pads = [&](int64_t in, int k, int stride, int& begin, int& end) {
    const int64_t out = (in + stride - 1) / stride;
    const int64_t total = std::max<int64_t>((out - 1) * stride + k - in, 0);
    const int64_t small = total / 2, large = total - small;
    begin = int(a.auto_pad == AutoPad::kSameUpper ? small : large);
    end = int(a.auto_pad == AutoPad::kSameUpper ? large : small);
  };
  if (x.size() == 4) pads(x[2], a.kernel_h, a.stride_h, a.pad_top, a.pad_bottom);
  pads(x.back(), a.kernel_w, a.stride_w, a.pad_left, a.pad_right);
  a.auto_pad = AutoPad::kExplicit;
}

// Shape of a spatial op's output; `channels` replaces dimension 1.
Shape SpatialOut(Node& n, const Shape& x, int64_t channels) {
  ResolveSamePads(n, x);
  const Attrs& a = n.attrs;
  Shape out = x;
  out[1] = channels;
  if (x.size() == 4) {
    out[2] = OutDim(n, x[2], a.kernel_h, a.stride_h, a.pad_top, a.pad_bottom, "height");
    out[3] = OutDim(n, x[3], a.kernel_w, a.stride_w, a.pad_left, a.pad_right, "width");
  } else {
    out[2] = OutDim(n, x[2], a.kernel_w, a.stride_w, a.pad_left, a.pad_right, "length");
  }
  return out;
}

void NeedRank(const Node& n, const Shape& s, std::string_view what, size_t lo, size_t hi) {
  if (s.size() < lo || s.size() > hi)
    Fail(n, lo == hi ? fmt::format("{} must have rank {}, has shape {}", what, lo, ToString(s))
                     : fmt::format("{} must have rank {} to {}, has shape {}", what, lo, hi, ToString(s)));
}

// Normalizes a possibly negative axis of a rank-`rank` tensor into [0, rank + extra).
void NormalizeAxis(Node& n, size_t rank, int extra) {
  int& axis = n.attrs.axis;
  const int r = int(rank);
  if (axis < -r || axis >= r + extra)
    Fail(n, fmt::format("axis {} is out of range [{}, {}] for rank {}", axis, -r, r + extra - 1, r));
  if (axis < 0) axis += r;
}

}  // namespace

void InferShapes(Graph& g) {
  auto shape = [&](int v) -> const Shape& { return g.values[size_t(v)].shape; };
  for (Node& n : g.nodes) {
    auto in = [&](size_t i) -> const Shape& {
      if (i >= n.inputs.size() || n.inputs[i] < 0) Fail(n, fmt::format("input {} is missing", i));
      return shape(n.inputs[i]);
    };
    auto has = [&](size_t i) { return i < n.inputs.size() && n.inputs[i] >= 0; };
    const Attrs& a = n.attrs;
    Shape out;
    switch (n.op) {
      case Op::kConv: {
        const Shape& x = in(0);
        const Shape& w = in(1);
        NeedRank(n, x, "the input", 3, 4);
        if (w.size() != x.size())
          Fail(n, fmt::format("weights {} and input {} differ in rank", ToString(w), ToString(x)));
        if (a.group < 1 || x[1] % a.group != 0 || w[0] % a.group != 0)
          Fail(n, fmt::format("group = {} must divide the input channels {} and the output channels {}", a.group, x[1],
                              w[0]));
        if (w[1] * a.group != x[1])
          Fail(n, fmt::format("weights {} expect {} input channels per group, the input {} has {} in {} groups",
                              ToString(w), w[1], ToString(x), x[1], a.group));
        const int64_t kh = x.size() == 4 ? w[2] : 1, kw = w.back();
        if (kh != a.kernel_h || kw != a.kernel_w)
          Fail(n, fmt::format("kernel_shape {}x{} differs from the weights {}", a.kernel_h, a.kernel_w, ToString(w)));
        if (has(2) && in(2) != Shape{w[0]}) Fail(n, fmt::format("bias {} must have shape [{}]", ToString(in(2)), w[0]));
        out = SpatialOut(n, x, w[0]);
        break;
      }
      case Op::kMaxPool:
      case Op::kAveragePool:
        NeedRank(n, in(0), "the input", 3, 4);
        out = SpatialOut(n, in(0), in(0)[1]);
        break;
      case Op::kGlobalAveragePool:
        NeedRank(n, in(0), "the input", 3, 4);
        out = in(0);
        for (size_t i = 2; i < out.size(); ++i) out[i] = 1;
        break;
      case Op::kBatchNorm: {
        const Shape& x = in(0);
        NeedRank(n, x, "the input", 2, 4);
        for (size_t i = 1; i <= 4; ++i)
          if (in(i) != Shape{x[1]})
            Fail(n, fmt::format("parameter {} has shape {}, the input's {} channels need [{}]", i, ToString(in(i)),
                                x[1], x[1]));
        out = x;
        break;
      }
      case Op::kGemm: {
        const Shape& A = in(0);
        const Shape& B = in(1);
        NeedRank(n, A, "A", 2, 2);
        NeedRank(n, B, "B", 2, 2);
        const int64_t m = a.trans_a ? A[1] : A[0], k = a.trans_a ? A[0] : A[1];
        const int64_t kb = a.trans_b ? B[1] : B[0], nn = a.trans_b ? B[0] : B[1];
        if (k != kb)
          Fail(n, fmt::format("A {} and B {} do not multiply (transA={}, transB={})", ToString(A), ToString(B),
                              int(a.trans_a), int(a.trans_b)));
        out = {m, nn};
        if (has(2) && Broadcast(n, in(2), out) != out)
          Fail(n, fmt::format("C {} does not broadcast to the output {}", ToString(in(2)), ToString(out)));
        break;
      }
      case Op::kMatMul: {
        const Shape& A = in(0);
        const Shape& B = in(1);
        NeedRank(n, A, "A", 2, 4);
        NeedRank(n, B, "B", 2, 4);
        if (B.size() != 2 && B.size() != A.size())
          Fail(n, fmt::format("B {} must have rank 2 or the rank of A {}", ToString(B), ToString(A)));
        if (A.back() != B[B.size() - 2])
          Fail(n, fmt::format("A {} and B {} do not multiply", ToString(A), ToString(B)));
        if (B.size() > 2 && !std::equal(A.begin(), A.end() - 2, B.begin()))
          Fail(n, fmt::format("batched A {} and B {} must have equal batch dimensions", ToString(A), ToString(B)));
        out = A;
        out.back() = B.back();
        break;
      }
      case Op::kAdd:
        out = Broadcast(n, in(0), LegacyAligned(n, in(0), in(1)));
        break;
      case Op::kClip:
        for (size_t i = 1; i < n.inputs.size(); ++i)
          if (has(i) && NumElements(in(i), n.Describe()) != 1)
            Fail(n, fmt::format("bound {} must be a scalar, has shape {}", i, ToString(in(i))));
        out = in(0);
        break;
      case Op::kRelu:
      case Op::kIdentity:
        out = in(0);
        break;
      case Op::kSoftmax:
        if (in(0).empty()) Fail(n, "the input must have rank 1 or more");
        NormalizeAxis(n, in(0).size(), 0);
        out = in(0);
        break;
      case Op::kFlatten: {
        const Shape& x = in(0);
        NormalizeAxis(n, x.size(), 1);
        int64_t outer = 1, inner = 1;
        for (size_t i = 0; i < x.size(); ++i) (int(i) < a.axis ? outer : inner) *= x[i];
        out = {outer, inner};
        break;
      }
      case Op::kReshape: {
        const Shape& x = in(0);
        const int64_t total = NumElements(x, n.Describe());
        out = a.reshape;
        int infer = -1;
        int64_t known = 1;
        for (size_t i = 0; i < out.size(); ++i) {
          if (out[i] == 0 && !a.allowzero) {
            if (i >= x.size())
              Fail(n,
                   fmt::format("shape {} copies dimension {} the input {} lacks", ToString(a.reshape), i, ToString(x)));
            out[i] = x[i];
          }
          if (out[i] == -1) {
            if (infer >= 0) Fail(n, fmt::format("shape {} has more than one -1", ToString(a.reshape)));
            infer = int(i);
          } else if (out[i] < 0) {
            Fail(n, fmt::format("shape {} has a negative dimension", ToString(a.reshape)));
          } else {
            known *= out[i];
            if (known > kMaxElements) Fail(n, fmt::format("shape {} is too large", ToString(a.reshape)));
          }
        }
        if (infer >= 0) {
          if (known == 0 || total % known != 0)
            Fail(n, fmt::format("cannot infer the -1 of shape {} for the {} elements of {}", ToString(a.reshape), total,
                                ToString(x)));
          out[size_t(infer)] = total / known;
        } else if (known != total) {
          Fail(n, fmt::format("shape {} holds {} elements, the input {} has {}", ToString(a.reshape), known,
                              ToString(x), total));
        }
        break;
      }
      case Op::kConcat: {
        out = in(0);
        NormalizeAxis(n, out.size(), 0);
        for (size_t i = 1; i < n.inputs.size(); ++i) {
          const Shape& y = in(i);
          bool ok = y.size() == out.size();
          for (size_t d = 0; ok && d < y.size(); ++d) ok = int(d) == a.axis || y[d] == out[d];
          if (!ok)
            Fail(n,
                 fmt::format("input {} {} does not match {} outside axis {}", i, ToString(y), ToString(in(0)), a.axis));
          out[size_t(a.axis)] += y[size_t(a.axis)];
        }
        break;
      }
    }
    (void)NumElements(out, n.Describe());
    for (int o : n.outputs) g.values[size_t(o)].shape = out;
  }
}

// ---------------------------------------------------------------------------------------------------
// Order and pruning

void SortTopologically(Graph& g) {
  const size_t n = g.nodes.size();
  std::vector<int> producer(g.values.size(), -1);
  for (size_t i = 0; i < n; ++i)
    for (int o : g.nodes[i].outputs) producer[size_t(o)] = int(i);
  std::vector<int> pending(n, 0);
  std::vector<std::vector<int>> users(n);
  for (size_t i = 0; i < n; ++i)
    for (int v : g.nodes[i].inputs)
      if (v >= 0 && producer[size_t(v)] >= 0) {
        ++pending[i];
        users[size_t(producer[size_t(v)])].push_back(int(i));
      }
  // Kahn's algorithm, smallest index first (keeps the file's order when it is already topological).
  std::priority_queue<int, std::vector<int>, std::greater<>> ready;
  for (size_t i = 0; i < n; ++i)
    if (pending[i] == 0) ready.push(int(i));
  std::vector<int> order;
  while (!ready.empty()) {
    const int i = ready.top();
    ready.pop();
    order.push_back(i);
    for (int u : users[size_t(i)])
      if (--pending[size_t(u)] == 0) ready.push(u);
  }
  if (order.size() != n) {
    for (size_t i = 0; i < n; ++i)
      if (pending[i] > 0)
        throw ModelError(fmt::format("the graph has a cycle: {} depends on its own output", g.nodes[i].Describe()));
  }
  std::vector<Node> sorted;
  sorted.reserve(n);
  for (int i : order) sorted.push_back(std::move(g.nodes[size_t(i)]));
  g.nodes = std::move(sorted);
  for (Value& v : g.values) v.producer = -1;
  for (size_t i = 0; i < n; ++i)
    for (int o : g.nodes[i].outputs) g.values[size_t(o)].producer = int(i);
}

void Prune(Graph& g) {
  // Identity / Dropout: readers of the output read the input instead.
  std::vector<int> alias(g.values.size());
  for (size_t v = 0; v < alias.size(); ++v) alias[v] = int(v);
  auto resolve = [&](int v) {
    while (v >= 0 && alias[size_t(v)] != v) v = alias[size_t(v)];
    return v;
  };
  std::vector<bool> is_output(g.values.size(), false);
  for (int o : g.outputs) is_output[size_t(o)] = true;
  for (const Node& n : g.nodes)
    if (n.op == Op::kIdentity && !is_output[size_t(n.outputs[0])]) alias[size_t(n.outputs[0])] = n.inputs[0];
  for (Node& n : g.nodes)
    for (int& v : n.inputs) v = resolve(v);
  // Keep what the outputs need.
  std::vector<bool> needed(g.values.size(), false), keep(g.nodes.size(), false);
  for (int o : g.outputs) needed[size_t(o)] = true;
  for (size_t i = g.nodes.size(); i-- > 0;) {
    const Node& n = g.nodes[i];
    if (n.op == Op::kIdentity && !is_output[size_t(n.outputs[0])]) continue;
    bool used = false;
    for (int o : n.outputs) used = used || needed[size_t(o)];
    if (!used) continue;
    keep[i] = true;
    for (int v : n.inputs)
      if (v >= 0) needed[size_t(v)] = true;
  }
  for (int v : g.inputs) needed[size_t(v)] = true;
  // Renumber values and nodes.
  std::vector<int> remap(g.values.size(), -1);
  std::vector<Value> values;
  for (size_t v = 0; v < g.values.size(); ++v)
    if (needed[v]) {
      remap[v] = int(values.size());
      values.push_back(std::move(g.values[v]));
    }
  std::vector<Node> nodes;
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    if (!keep[i]) continue;
    Node n = std::move(g.nodes[i]);
    for (int& v : n.inputs) v = v >= 0 ? remap[size_t(v)] : -1;
    std::erase_if(n.outputs, [&](int v) { return remap[size_t(v)] < 0; });
    for (int& v : n.outputs) v = remap[size_t(v)];
    nodes.push_back(std::move(n));
  }
  for (int& v : g.inputs) v = remap[size_t(v)];
  for (int& v : g.outputs) v = remap[size_t(v)];
  g.values = std::move(values);
  g.nodes = std::move(nodes);
  for (Value& v : g.values) v.producer = -1;
  for (size_t i = 0; i < g.nodes.size(); ++i)
    for (int o : g.nodes[i].outputs) g.values[size_t(o)].producer = int(i);
}

}  // namespace dcoc::model
