#include "host/model/passes.h"

#include <fmt/format.h>

#include <cmath>

#include "host/model/errors.h"

namespace dcoc::model {

namespace {

// Per-channel a = g / sqrt(v + eps), b = beta - a * m of a BatchNormalization node.
void BatchNormAffine(const Graph& g, const Node& bn, std::vector<float>& a, std::vector<float>& b) {
  const Tensor &gamma = g.Constant(bn.inputs[1]), &beta = g.Constant(bn.inputs[2]), &mean = g.Constant(bn.inputs[3]),
               &var = g.Constant(bn.inputs[4]);
  const size_t c = gamma.data.size();
  a.resize(c);
  b.resize(c);
  for (size_t i = 0; i < c; ++i) {
    const double denom = std::sqrt(double(var.data[i]) + double(bn.attrs.epsilon));
    if (!(denom > 0))
      throw ModelError(fmt::format("{}: variance {} + epsilon {} of channel {} is not positive", bn.Describe(),
                                   var.data[i], bn.attrs.epsilon, i));
    a[i] = float(double(gamma.data[i]) / denom);
    b[i] = float(double(beta.data[i]) - double(a[i]) * double(mean.data[i]));
  }
}

bool ParamsConstant(const Graph& g, const Node& bn) {
  for (size_t i = 1; i <= 4; ++i)
    if (!g.IsConstant(bn.inputs[i])) return false;
  return true;
}

int AddConstant(Graph& g, std::string name, Tensor t) {
  Value v;
  v.name = std::move(name);
  v.shape = t.shape;
  v.constant = std::move(t);
  g.values.push_back(std::move(v));
  return int(g.values.size()) - 1;
}

}  // namespace

PassStats FoldBatchNorm(Graph& g) {
  PassStats st;
  const auto consumers = g.Consumers();
  std::vector<bool> is_output(g.values.size(), false);
  for (int o : g.outputs) is_output[size_t(o)] = true;
  std::vector<bool> drop(g.nodes.size(), false);
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const Node& bn = g.nodes[i];
    if (bn.op != Op::kBatchNorm || !ParamsConstant(g, bn)) continue;
    const int x = bn.inputs[0];
    const int p = g.values[size_t(x)].producer;
    if (p < 0 || drop[size_t(p)] || is_output[size_t(x)] || consumers[size_t(x)].size() != 1) continue;
    Node& conv = g.nodes[size_t(p)];
    if (conv.op != Op::kConv || !g.IsConstant(conv.inputs[1]) ||
        (conv.inputs.size() > 2 && conv.inputs[2] >= 0 && !g.IsConstant(conv.inputs[2])))
      continue;
    std::vector<float> a, b;
    BatchNormAffine(g, bn, a, b);
    Tensor w = g.Constant(conv.inputs[1]);
    const int64_t k = w.shape[0], per = w.Size() / std::max<int64_t>(1, k);
    for (int64_t o = 0; o < k; ++o)
      for (int64_t j = 0; j < per; ++j) w.data[size_t(o * per + j)] *= a[size_t(o)];
    Tensor bias({k});
    const bool has_bias = conv.inputs.size() > 2 && conv.inputs[2] >= 0;
    for (int64_t o = 0; o < k; ++o) {
      const float b0 = has_bias ? g.Constant(conv.inputs[2]).data[size_t(o)] : 0.0f;
      bias.data[size_t(o)] = b0 * a[size_t(o)] + b[size_t(o)];
    }
    const int wv = AddConstant(g, conv.name + ".folded_weight", std::move(w));
    const int bv = AddConstant(g, conv.name + ".folded_bias", std::move(bias));
    conv.inputs.resize(3);
    conv.inputs[1] = wv;
    conv.inputs[2] = bv;
    // The Conv now writes the BatchNormalization's output.
    conv.name += "+" + bn.name;
    conv.outputs = bn.outputs;
    drop[i] = true;
    ++st.folded_batchnorms;
  }
  std::vector<Node> kept;
  for (size_t i = 0; i < g.nodes.size(); ++i)
    if (!drop[i]) kept.push_back(std::move(g.nodes[i]));
  g.nodes = std::move(kept);
  SortTopologically(g);
  Prune(g);
  return st;
}

PassStats BatchNormToConv(Graph& g) {
  PassStats st;
  for (Node& n : g.nodes) {
    if (n.op != Op::kBatchNorm || !ParamsConstant(g, n)) continue;
    const Shape& xs = g.values[size_t(n.inputs[0])].shape;
    if (xs.size() != 3 && xs.size() != 4) continue;
    std::vector<float> a, b;
    BatchNormAffine(g, n, a, b);
    const int64_t c = int64_t(a.size());
    Shape ws = {c, 1, 1};
    if (xs.size() == 4) ws.push_back(1);
    const int wv = AddConstant(g, n.name + ".scale", Tensor(ws, a));
    const int bv = AddConstant(g, n.name + ".shift", Tensor({c}, b));
    n.op = Op::kConv;
    n.inputs = {n.inputs[0], wv, bv};
    n.attrs = Attrs{};
    n.attrs.group = int(c);
    ++st.batchnorms_as_conv;
  }
  Prune(g);
  return st;
}

PassStats PrepareForQuantization(Graph& g) {
  PassStats a = FoldBatchNorm(g);
  const PassStats b = BatchNormToConv(g);
  a.batchnorms_as_conv = b.batchnorms_as_conv;
  return a;
}

}  // namespace dcoc::model
