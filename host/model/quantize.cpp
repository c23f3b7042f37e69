#include "host/model/quantize.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <numeric>

#include "host/model/errors.h"
#include "host/model/float_exec.h"

namespace dcoc::model {

std::string_view Name(QKind k) {
  switch (k) {
    case QKind::kConv:
      return "conv";
    case QKind::kAdd:
      return "add";
    case QKind::kClamp:
      return "clamp";
    case QKind::kMaxPool:
      return "maxpool";
    case QKind::kAvgPool:
      return "avgpool";
    case QKind::kReshape:
      return "reshape";
    case QKind::kConcat:
      return "concat";
    case QKind::kFloat:
      return "float";
  }
  return "?";
}

int64_t QOp::Macs() const {
  if (kind == QKind::kConv) return conv.Macs();
  return 0;
}

std::string QOp::Describe() const {
  switch (kind) {
    case QKind::kConv:
      return conv.Describe();
    case QKind::kMaxPool:
    case QKind::kAvgPool:
      return pool.Describe();
    case QKind::kFloat:
      return fmt::format("{} on the CPU in float ({})", node.op_type, cpu_reason);
    default:
      return fmt::format("{} {}", Name(kind), name);
  }
}

int Exponent(double max_abs, int qmax) {
  if (!(max_abs > 0) || !std::isfinite(max_abs)) return 0;
  const int e = int(std::floor(std::log2(double(qmax) / max_abs)));
  return std::clamp(e, -24, 24);
}

int32_t QuantizeValue(float v, int frac, int32_t lo, int32_t hi) {
  const double q = std::nearbyint(std::ldexp(double(v), frac));
  return int32_t(std::clamp(q, double(lo), double(hi)));
}

reference::Tensor NchwView(const Shape& s, std::string_view what) {
  switch (s.size()) {
    case 1:
      return reference::Tensor(1, int(s[0]), 1, 1);
    case 2:
      return reference::Tensor(int(s[0]), int(s[1]), 1, 1);
    case 3:
      return reference::Tensor(int(s[0]), int(s[1]), 1, int(s[2]));
    case 4:
      return reference::Tensor(int(s[0]), int(s[1]), int(s[2]), int(s[3]));
    default:
      throw ModelError(fmt::format("{}: shape {} has no NCHW view (rank 1 to 4)", what, ToString(s)));
  }
}

Calibration Calibrate(const Graph& g, std::span<const std::vector<Tensor>> samples) {
  Calibration c;
  c.max_abs.assign(g.values.size(), 0.0f);
  auto note = [&](int v, const Tensor& t) {
    float m = c.max_abs[size_t(v)];
    for (float x : t.data) m = std::max(m, std::fabs(x));
    c.max_abs[size_t(v)] = m;
  };
  for (const std::vector<Tensor>& in : samples) {
    for (size_t i = 0; i < in.size() && i < g.inputs.size(); ++i) note(g.inputs[i], in[i]);
    (void)RunFloat(g, in, note);
    ++c.samples;
  }
  for (size_t v = 0; v < g.values.size(); ++v)
    if (g.values[v].constant) note(int(v), *g.values[v].constant);
  return c;
}

namespace {

// Disjoint sets of graph values that must share one exponent.
class Groups {
 public:
  explicit Groups(size_t n) : parent_(n) { std::iota(parent_.begin(), parent_.end(), 0); }
  int Find(int v) {
    while (parent_[size_t(v)] != v) v = parent_[size_t(v)] = parent_[size_t(parent_[size_t(v)])];
    return v;
  }
  void Join(int a, int b) { parent_[size_t(Find(a))] = Find(b); }

 private:
  std::vector<int> parent_;
};

class Quantizer {
 public:
  Quantizer(const Graph& g, const Calibration& c, const spec::Spec& s, const QuantOptions& o)
      : g_(g),
        cal_(c),
        sp_(s),
        opts_(o),
        groups_(g.values.size()),
        consumers_(g.Consumers()),
        is_output_(g.values.size(), false) {
    for (int v : g_.outputs) is_output_[size_t(v)] = true;
    qmax_ = (1 << (sp_.inp_bits - 1)) - 1;
    qmin_ = -qmax_ - 1;
  }

  QModel Run() {
    if (cal_.max_abs.size() != g_.values.size())
      throw UsageError("the calibration does not belong to this graph (value counts differ)");
    if (sp_.inp_bits != sp_.wgt_bits || sp_.inp_bits != sp_.out_bits)
      throw UsageError(
          fmt::format("quantization needs equal input, weight and output widths (configuration {} has "
                      "{}, {}, {})",
                      sp_.tag, sp_.inp_bits, sp_.wgt_bits, sp_.out_bits));
    Plan();
    for (const Pending& p : pending_) {
      switch (p.kind) {
        case QKind::kAdd:
          groups_.Join(g_.nodes[size_t(p.node)].inputs[0], g_.nodes[size_t(p.node)].inputs[1]);
          break;
        case QKind::kClamp:
        case QKind::kMaxPool:
        case QKind::kReshape:
          groups_.Join(g_.nodes[size_t(p.node)].inputs[0], p.out);
          break;
        case QKind::kConcat:
          for (int v : g_.nodes[size_t(p.node)].inputs) groups_.Join(v, p.out);
          break;
        default:
          break;
      }
    }
    // A group's exponent: the smallest (coarsest) its members need.
    std::vector<int> gexp(g_.values.size(), 1 << 20);
    for (size_t v = 0; v < g_.values.size(); ++v)
      if (!g_.values[v].constant) {
        const int r = groups_.Find(int(v));
        gexp[size_t(r)] = std::min(gexp[size_t(r)], Exponent(cal_.max_abs[v], qmax_));
      }
    frac_.assign(g_.values.size(), 0);
    for (size_t v = 0; v < g_.values.size(); ++v) frac_[v] = gexp[size_t(groups_.Find(int(v)))];

    m_.name = g_.name;
    m_.options = opts_;
    m_.bits = sp_.inp_bits;
    qid_.assign(g_.values.size(), -1);
    for (int v : g_.inputs) m_.inputs.push_back(NewValue(v, false));
    for (const Pending& p : pending_) Emit(p);
    for (int v : g_.outputs) {
      if (qid_[size_t(v)] < 0)
        throw ModelError(
            fmt::format("graph output {} is a constant or a graph input (nothing to run)", g_.values[size_t(v)].name));
      m_.outputs.push_back(qid_[size_t(v)]);
    }
    return std::move(m_);
  }

 private:
  struct Pending {
    QKind kind;
    int node;            // the main node
    int act = -1;        // a fused Relu / Clip node
    int bias_add = -1;   // a fused Add of a constant bias (after MatMul)
    int out;             // the graph value the op produces
    std::string reason;  // kFloat: why
  };

  const Node& N(int i) const { return g_.nodes[size_t(i)]; }
  bool Single(int v) const { return consumers_[size_t(v)].size() == 1 && !is_output_[size_t(v)]; }
  const Shape& ShapeOf(int v) const { return g_.values[size_t(v)].shape; }

  // The activation node fused after node `n` (whose output is `out`), or -1.
  int FusableActivation(int out) const {
    if (!Single(out)) return -1;
    const int c = consumers_[size_t(out)][0];
    const Node& a = N(c);
    return (a.op == Op::kRelu || a.op == Op::kClip) && a.inputs.size() == 1 ? c : -1;
  }

  // Why a node cannot be offloaded ("" when it can).
  std::string ConvBlocker(const Node& n) const {
    const Attrs& a = n.attrs;
    const Shape& x = ShapeOf(n.inputs[0]);
    const Shape& w = ShapeOf(n.inputs[1]);
    if (!g_.IsConstant(n.inputs[1])) return "the weights are not a constant";
    if (n.inputs.size() > 2 && n.inputs[2] >= 0 && !g_.IsConstant(n.inputs[2])) return "the bias is not a constant";
    if (a.group != 1 && !(a.group == x[1] && w[0] == x[1]))
      return fmt::format("group {} is neither 1 nor depthwise", a.group);
    if (a.pad_top != a.pad_bottom || a.pad_left != a.pad_right)
      return fmt::format("asymmetric padding (pads {},{},{},{})", a.pad_top, a.pad_left, a.pad_bottom, a.pad_right);
    return "";
  }
  std::string GemmBlocker(const Node& n) const {
    const Shape& A = ShapeOf(n.inputs[0]);
    if (A.size() != 2) return fmt::format("input of rank {} (dense takes [N, features])", A.size());
    if (!g_.IsConstant(n.inputs[1])) return "B is not a constant";
    if (n.op == Op::kMatMul) return ShapeOf(n.inputs[1]).size() == 2 ? "" : "B is not 2-D";
    if (n.attrs.trans_a) return "transA = 1";
    if (n.inputs.size() > 2 && n.inputs[2] >= 0) {
      if (!g_.IsConstant(n.inputs[2])) return "C is not a constant";
      const Shape& c = ShapeOf(n.inputs[2]);
      const int64_t k = ShapeOf(n.outputs[0])[1];
      const bool vector = c.empty() || c == Shape{k} || c == Shape{1, k} || c == Shape{1} || c == Shape{1, 1};
      if (!vector) return fmt::format("C {} is not a per-output bias", ToString(c));
    }
    return "";
  }
  // A constant bias [K] / [1,K] added to node output `out` by Add node `a`.
  bool IsBiasAdd(int a, int out) const {
    const Node& n = N(a);
    if (n.op != Op::kAdd) return false;
    const int other = n.inputs[0] == out ? n.inputs[1] : n.inputs[0];
    if (!g_.IsConstant(other) || n.inputs[0] == n.inputs[1]) return false;
    const Shape& c = ShapeOf(other);
    const int64_t k = ShapeOf(out).back();
    return c == Shape{k} || c == Shape{1, k};
  }

  void Plan() {
    std::vector<bool> absorbed(g_.nodes.size(), false);
    for (size_t i = 0; i < g_.nodes.size(); ++i) {
      if (absorbed[i]) continue;
      const Node& n = N(int(i));
      Pending p{QKind::kFloat, int(i), -1, -1, n.outputs[0], ""};
      auto fuse_act = [&] {
        const int a = FusableActivation(p.out);
        if (a >= 0) {
          p.act = a;
          absorbed[size_t(a)] = true;
          p.out = N(a).outputs[0];
        }
      };
      switch (n.op) {
        case Op::kConv:
          p.reason = ConvBlocker(n);
          if (p.reason.empty()) {
            p.kind = QKind::kConv;
            fuse_act();
          }
          break;
        case Op::kGemm:
        case Op::kMatMul:
          p.reason = GemmBlocker(n);
          if (p.reason.empty()) {
            p.kind = QKind::kConv;
            if (n.op == Op::kMatMul && Single(p.out) && IsBiasAdd(consumers_[size_t(p.out)][0], p.out)) {
              p.bias_add = consumers_[size_t(p.out)][0];
              absorbed[size_t(p.bias_add)] = true;
              p.out = N(p.bias_add).outputs[0];
            }
            fuse_act();
          }
          break;
        case Op::kAdd: {
          const Shape& a = ShapeOf(n.inputs[0]);
          if (g_.IsConstant(n.inputs[0]) || g_.IsConstant(n.inputs[1])) {
            p.reason = "an operand is a constant";
          } else if (a != ShapeOf(n.inputs[1])) {
            p.reason = fmt::format("broadcasting {} + {}", ToString(a), ToString(ShapeOf(n.inputs[1])));
          } else if (a.size() > 4) {
            p.reason = "rank above 4";
          } else {
            p.kind = QKind::kAdd;
            fuse_act();
          }
          break;
        }
        case Op::kRelu:
        case Op::kClip:
          if (n.inputs.size() > 1)
            p.reason = "bounds computed at run time";
          else if (ShapeOf(n.inputs[0]).size() > 4)
            p.reason = "rank above 4";
          else
            p.kind = QKind::kClamp;
          break;
        case Op::kMaxPool:
        case Op::kAveragePool: {
          const Attrs& a = n.attrs;
          if (a.pad_top != a.pad_bottom || a.pad_left != a.pad_right)
            p.reason = "asymmetric padding";
          else if (a.pad_top >= a.kernel_h || a.pad_left >= a.kernel_w)
            p.reason = "padding as large as the window";
          else if (n.op == Op::kAveragePool && !a.count_include_pad && (a.pad_top || a.pad_left))
            p.reason = "count_include_pad = 0 with padding (border windows divide by fewer taps)";
          else
            p.kind = n.op == Op::kMaxPool ? QKind::kMaxPool : QKind::kAvgPool;
          break;
        }
        case Op::kGlobalAveragePool:
          p.kind = QKind::kAvgPool;
          break;
        case Op::kFlatten:
        case Op::kReshape:
        case Op::kIdentity:
          p.kind = QKind::kReshape;
          break;
        case Op::kConcat: {
          bool ok = true;
          for (int v : n.inputs) ok = ok && !g_.IsConstant(v) && ShapeOf(v).size() <= 4;
          if (ok)
            p.kind = QKind::kConcat;
          else
            p.reason = "a constant operand";
          break;
        }
        case Op::kSoftmax:
          p.reason = "Softmax is not an accelerator op";
          break;
        case Op::kBatchNorm:
          p.reason = "a BatchNormalization that could not be folded";
          break;
      }
      pending_.push_back(p);
    }
  }

  int NewValue(int gv, bool is_float) {
    QValue q;
    q.name = g_.values[size_t(gv)].name;
    q.shape = g_.values[size_t(gv)].shape;
    q.frac = frac_[size_t(gv)];
    q.is_float = is_float;
    m_.values.push_back(q);
    qid_[size_t(gv)] = int(m_.values.size()) - 1;
    return qid_[size_t(gv)];
  }

  int In(int gv, const Node& n) {
    if (qid_[size_t(gv)] < 0)
      throw ModelError(fmt::format("{}: input {} is not computed before it (internal ordering error)", n.Describe(),
                                   g_.values[size_t(gv)].name));
    return qid_[size_t(gv)];
  }

  // Clamp of a fused or standalone activation at output exponent `frac`.
  void ActivationClamp(const Node* act, int frac, reference::Epilogue& e) const {
    e.clip_lo = qmin_;
    e.clip_hi = qmax_;
    if (!act) return;
    const Attrs& a = act->attrs;
    if (std::isfinite(a.clip_min)) e.clip_lo = QuantizeValue(a.clip_min, frac, qmin_, qmax_);
    if (std::isfinite(a.clip_max)) e.clip_hi = QuantizeValue(a.clip_max, frac, qmin_, qmax_);
  }

  void Emit(const Pending& p) {
    const Node& n = N(p.node);
    QOp op;
    op.kind = p.kind;
    op.name = n.name;
    if (p.bias_add >= 0) op.name += "+" + N(p.bias_add).name;
    if (p.act >= 0) op.name += "+" + N(p.act).name;
    const int fy = frac_[size_t(p.out)];
    switch (p.kind) {
      case QKind::kConv:
        op.inputs = {In(n.inputs[0], n)};
        BuildConv(p, op, fy);
        break;
      case QKind::kAdd:
        op.inputs = {In(n.inputs[0], n), In(n.inputs[1], n)};
        op.epilogue.shift = frac_[size_t(n.inputs[0])] - fy;
        ActivationClamp(p.act >= 0 ? &N(p.act) : nullptr, fy, op.epilogue);
        break;
      case QKind::kClamp:
        op.inputs = {In(n.inputs[0], n)};
        ActivationClamp(&n, fy, op.epilogue);
        break;
      case QKind::kMaxPool:
      case QKind::kAvgPool:
        op.inputs = {In(n.inputs[0], n)};
        if (!BuildPool(n, op, frac_[size_t(n.inputs[0])], fy)) {
          op.kind = QKind::kFloat;
          op.cpu_reason = op.cpu_reason.empty() ? "no fixed-point form" : op.cpu_reason;
          FloatOp(n, op);
        }
        break;
      case QKind::kReshape:
        op.inputs = {In(n.inputs[0], n)};
        op.node = n;
        break;
      case QKind::kConcat:
        for (int v : n.inputs) op.inputs.push_back(In(v, n));
        op.node = n;
        break;
      case QKind::kFloat:
        op.cpu_reason = p.reason;
        FloatOp(n, op);
        break;
    }
    const bool float_out = op.kind == QKind::kFloat && is_output_[size_t(p.out)];
    op.output = NewValue(p.out, float_out);
    m_.ops.push_back(std::move(op));
  }

  void FloatOp(const Node& n, QOp& op) {
    op.node = n;
    op.inputs.clear();
    op.constants.clear();
    for (int v : n.inputs) {
      if (v >= 0 && g_.IsConstant(v)) {
        op.constants.push_back(g_.Constant(v));
        op.inputs.push_back(-1);
      } else {
        op.constants.push_back(std::nullopt);
        op.inputs.push_back(v >= 0 ? In(v, n) : -1);
      }
    }
  }

  void BuildConv(const Pending& p, QOp& op, int fy) {
    const Node& n = N(p.node);
    const Shape& xs = ShapeOf(n.inputs[0]);
    const int fx = frac_[size_t(n.inputs[0])];
    compiler::ConvLayer& L = op.conv;
    L.name = op.name;
    Tensor w = g_.Constant(n.inputs[1]);  // OIHW, [C,1,R,S], [K,C,L] or a Gemm/MatMul matrix
    std::vector<float> b;
    if (n.op == Op::kConv) {
      const Attrs& a = n.attrs;
      const reference::Tensor x4 = NchwView(xs, n.Describe());
      L.kind = a.group == 1 ? compiler::ConvKind::kConv2d : compiler::ConvKind::kDepthwise;
      L.n = x4.n, L.c = x4.c, L.h = x4.h, L.w = x4.w;
      L.k = int(w.shape[0]);
      L.r = a.kernel_h, L.s = a.kernel_w;
      L.stride_h = a.stride_h, L.stride_w = a.stride_w;
      L.pad_h = a.pad_top, L.pad_w = a.pad_left;
      if (n.inputs.size() > 2 && n.inputs[2] >= 0) b = g_.Constant(n.inputs[2]).data;
    } else {
      // Dense: weights [K, F] from B ([F, K] unless transB), times alpha; bias beta * C or the fused Add.
      const int64_t f = xs[1];
      const bool tb = n.op == Op::kGemm && n.attrs.trans_b;
      const int64_t k = tb ? w.shape[0] : w.shape[1];
      Tensor wt({k, f});
      const float alpha = n.op == Op::kGemm ? n.attrs.alpha : 1.0f;
      for (int64_t o = 0; o < k; ++o)
        for (int64_t i = 0; i < f; ++i)
          wt.data[size_t(o * f + i)] = alpha * (tb ? w.data[size_t(o * f + i)] : w.data[size_t(i * k + o)]);
      w = std::move(wt);
      L.kind = compiler::ConvKind::kDense;
      L.n = int(xs[0]), L.c = int(f), L.h = L.w = 1, L.k = int(k), L.r = L.s = 1;
      int cv = -1;
      float scale = 1.0f;
      if (n.op == Op::kGemm && n.inputs.size() > 2 && n.inputs[2] >= 0) cv = n.inputs[2], scale = n.attrs.beta;
      if (p.bias_add >= 0) {
        const Node& ad = N(p.bias_add);
        cv = g_.IsConstant(ad.inputs[0]) ? ad.inputs[0] : ad.inputs[1];
      }
      if (cv >= 0) {
        const Tensor& c = g_.Constant(cv);
        b.assign(size_t(k), 0.0f);
        for (int64_t o = 0; o < k; ++o) b[size_t(o)] = scale * c.data[c.Size() == 1 ? 0 : size_t(o)];
      }
    }
    // Weights: one exponent per tensor, or per output channel.
    const int64_t k = w.shape[0], per = w.Size() / std::max<int64_t>(1, k);
    std::vector<int> fw(static_cast<size_t>(k));
    double all = 0;
    for (float v : w.data) all = std::max(all, double(std::fabs(v)));
    for (int64_t o = 0; o < k; ++o) {
      double m = 0;
      for (int64_t j = 0; j < per; ++j) m = std::max(m, double(std::fabs(w.data[size_t(o * per + j)])));
      fw[size_t(o)] = Exponent(opts_.weights == WeightGranularity::kPerChannel ? m : all, qmax_);
    }
    if (L.kind == compiler::ConvKind::kDepthwise)
      op.weights = reference::Tensor(L.c, 1, L.r, L.s);
    else
      op.weights = reference::Tensor(L.k, L.c, L.r, L.s);
    for (int64_t o = 0; o < k; ++o)
      for (int64_t j = 0; j < per; ++j)
        op.weights.data[size_t(o * per + j)] = QuantizeValue(w.data[size_t(o * per + j)], fw[size_t(o)], -qmax_, qmax_);
    // Bias at the accumulator scale, plus the rounding half of the shift.
    reference::Epilogue& e = L.epilogue;
    // One shift per output channel when the channels' weight exponents differ (a tensor SHR on the
    // accelerator), else the immediate.
    e.shift = fx + fw[0] - fy;
    e.bias = true;
    if (std::any_of(fw.begin(), fw.end(), [&](int f) { return f != fw[0]; })) {
      e.shift = 0;
      for (int f : fw) e.channel_shift.push_back(fx + f - fy);
    }
    op.bias.assign(size_t(k), 0);
    for (int64_t o = 0; o < k; ++o) {
      const int shift = fx + fw[size_t(o)] - fy;
      const double bq = b.empty() ? 0.0 : std::nearbyint(std::ldexp(double(b[size_t(o)]), fx + fw[size_t(o)]));
      const double round = shift > 0 ? std::ldexp(1.0, shift - 1) : 0.0;
      op.bias[size_t(o)] = int32_t(std::clamp(bq + round, -2147483648.0, 2147483647.0));
    }
    ActivationClamp(p.act >= 0 ? &N(p.act) : nullptr, fy, e);
    L.Validate();
  }

  bool BuildPool(const Node& n, QOp& op, int fx, int fy) {
    compiler::PoolLayer& pl = op.pool;
    const reference::Tensor x4 = NchwView(ShapeOf(n.inputs[0]), n.Describe());
    pl.n = x4.n, pl.c = x4.c, pl.h = x4.h, pl.w = x4.w;
    if (n.op == Op::kGlobalAveragePool) {
      pl.kind = compiler::PoolKind::kAvg;
      pl.r = pl.h, pl.s = pl.w;
      pl.attrs = {1, 1, 0, 0};
    } else {
      const Attrs& a = n.attrs;
      pl.kind = n.op == Op::kMaxPool ? compiler::PoolKind::kMax : compiler::PoolKind::kAvg;
      pl.r = a.kernel_h, pl.s = a.kernel_w;
      pl.attrs = {a.stride_h, a.stride_w, a.pad_top, a.pad_left};
    }
    if (pl.kind == compiler::PoolKind::kMax) return true;
    // (sum * mul) >> shift ~ sum * 2^(fy - fx) / (R * S), with |sum * mul| inside the accumulator.
    const double ratio = std::ldexp(1.0, fy - fx) / double(int64_t(pl.r) * pl.s);
    const double sum_max = double(int64_t(pl.r) * pl.s) * double(qmax_ + 1);
    const double acc_max = std::ldexp(1.0, sp_.acc_bits - 1) - 1;
    const double mul_max = std::min(32767.0, std::floor(acc_max / sum_max));
    for (int shift = 24; shift >= 0; --shift) {
      const double mul = std::nearbyint(std::ldexp(ratio, shift));
      if (mul >= 1 && mul <= mul_max) {
        pl.mul = int32_t(mul);
        pl.shift = shift;
        return true;
      }
    }
    op.cpu_reason = fmt::format("the average's scale {} has no multiplier within [1, {}]", ratio, mul_max);
    return false;
  }

  const Graph& g_;
  const Calibration& cal_;
  const spec::Spec& sp_;
  QuantOptions opts_;
  Groups groups_;
  std::vector<std::vector<int>> consumers_;
  std::vector<bool> is_output_;
  int qmax_ = 127, qmin_ = -128;
  std::vector<Pending> pending_;
  std::vector<int> frac_, qid_;
  QModel m_;
};

}  // namespace

QModel Quantize(const Graph& g, const Calibration& c, const spec::Spec& s, const QuantOptions& opts) {
  return Quantizer(g, c, s, opts).Run();
}

}  // namespace dcoc::model
