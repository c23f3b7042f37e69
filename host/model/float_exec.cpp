#include "host/model/float_exec.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "host/model/errors.h"

namespace dcoc::model {

namespace {

// A rank-3 or rank-4 activation seen as N, C, H, W (rank 3: H = 1).
struct Nchw {
  int64_t n, c, h, w;
};
Nchw AsNchw(const Shape& s) {
  if (s.size() == 4) return {s[0], s[1], s[2], s[3]};
  return {s[0], s[1], 1, s[2]};
}

Tensor Conv(const Node& node, const Tensor& x, const Tensor& w, const Tensor* b, const Shape& out_shape) {
  const Attrs& a = node.attrs;
  const Nchw in = AsNchw(x.shape), out = AsNchw(out_shape);
  const int64_t g = a.group, cg = in.c / g, kg = out.c / g;
  const int64_t kh = a.kernel_h, kw = a.kernel_w;
  Tensor y(out_shape);
  for (int64_t n = 0; n < in.n; ++n)
    for (int64_t k = 0; k < out.c; ++k) {
      float* o = &y.data[size_t(((n * out.c + k) * out.h) * out.w)];
      const float bias = b ? b->data[size_t(k)] : 0.0f;
      std::fill(o, o + out.h * out.w, bias);
      const int64_t grp = k / kg;
      for (int64_t c = 0; c < cg; ++c) {
        const float* xi = &x.data[size_t(((n * in.c + grp * cg + c) * in.h) * in.w)];
        for (int64_t r = 0; r < kh; ++r)
          for (int64_t s = 0; s < kw; ++s) {
            const float wv = w.data[size_t(((k * cg + c) * kh + r) * kw + s)];
            if (wv == 0.0f) continue;
            // Output columns whose input column x0 + ox * stride lies inside the image.
            const int64_t x0 = s - a.pad_left;
            int64_t ox_lo = x0 >= 0 ? 0 : (-x0 + a.stride_w - 1) / a.stride_w;
            int64_t ox_hi = x0 > in.w - 1 ? -1 : (in.w - 1 - x0) / a.stride_w;
            ox_hi = std::min(ox_hi, out.w - 1);
            for (int64_t oy = 0; oy < out.h; ++oy) {
              const int64_t iy = oy * a.stride_h + r - a.pad_top;
              if (iy < 0 || iy >= in.h) continue;
              const float* row = xi + iy * in.w;
              float* orow = o + oy * out.w;
              if (a.stride_w == 1)
                for (int64_t ox = ox_lo; ox <= ox_hi; ++ox) orow[ox] += wv * row[ox + x0];
              else
                for (int64_t ox = ox_lo; ox <= ox_hi; ++ox) orow[ox] += wv * row[ox * a.stride_w + x0];
            }
          }
      }
    }
  return y;
}

Tensor Pool(const Node& node, const Tensor& x, const Shape& out_shape) {
  const Attrs& a = node.attrs;
  const Nchw in = AsNchw(x.shape), out = AsNchw(out_shape);
  const bool max = node.op == Op::kMaxPool;
  Tensor y(out_shape);
  for (int64_t p = 0; p < in.n * in.c; ++p) {
    const float* xi = &x.data[size_t(p * in.h * in.w)];
    float* yo = &y.data[size_t(p * out.h * out.w)];
    for (int64_t oy = 0; oy < out.h; ++oy)
      for (int64_t ox = 0; ox < out.w; ++ox) {
        const int64_t y0 = oy * a.stride_h - a.pad_top, x0 = ox * a.stride_w - a.pad_left;
        float acc = max ? -std::numeric_limits<float>::infinity() : 0.0f;
        int64_t count = 0;
        for (int64_t r = 0; r < a.kernel_h; ++r)
          for (int64_t s = 0; s < a.kernel_w; ++s) {
            const int64_t iy = y0 + r, ix = x0 + s;
            // Count the window positions inside the padded input (AveragePool's count_include_pad).
            const bool in_padded =
                iy >= -a.pad_top && iy < in.h + a.pad_bottom && ix >= -a.pad_left && ix < in.w + a.pad_right;
            if (iy < 0 || iy >= in.h || ix < 0 || ix >= in.w) {
              if (a.count_include_pad && in_padded) ++count;
              continue;
            }
            const float v = xi[iy * in.w + ix];
            acc = max ? std::max(acc, v) : acc + v;
            ++count;
          }
        yo[oy * out.w + ox] = max ? acc : (count ? acc / float(count) : 0.0f);
      }
  }
  return y;
}

// Index of `i` (an index into a tensor of shape `out`) in a tensor of shape `in` broadcast to `out`.
std::vector<int64_t> BroadcastIndex(const Shape& in, const Shape& out) {
  const int64_t n = NumElements(out, "broadcast");
  std::vector<int64_t> idx(static_cast<size_t>(n));
  const size_t r = out.size();
  std::vector<int64_t> in_stride(r, 0);
  int64_t st = 1;
  for (size_t i = r; i-- > 0;) {
    const size_t j = i + in.size();
    if (j >= r) {
      const int64_t d = in[j - r];
      in_stride[i] = d == 1 ? 0 : st;
      st *= d;
    }
  }
  std::vector<int64_t> pos(r, 0);
  for (int64_t k = 0; k < n; ++k) {
    int64_t off = 0;
    for (size_t i = 0; i < r; ++i) off += pos[i] * in_stride[i];
    idx[size_t(k)] = off;
    for (size_t i = r; i-- > 0;) {
      if (++pos[i] < out[i]) break;
      pos[i] = 0;
    }
  }
  return idx;
}

Tensor Add(const Tensor& a, const Tensor& b, const Shape& out_shape) {
  Tensor y(out_shape);
  if (a.shape == out_shape && b.shape == out_shape) {
    for (size_t i = 0; i < y.data.size(); ++i) y.data[i] = a.data[i] + b.data[i];
    return y;
  }
  const auto ia = BroadcastIndex(a.shape, out_shape), ib = BroadcastIndex(b.shape, out_shape);
  for (size_t i = 0; i < y.data.size(); ++i) y.data[i] = a.data[size_t(ia[i])] + b.data[size_t(ib[i])];
  return y;
}

Tensor Gemm(const Node& node, const Tensor& A, const Tensor& B, const Tensor* C, const Shape& out_shape) {
  const Attrs& a = node.attrs;
  const int64_t m = out_shape[0], n = out_shape[1], k = a.trans_a ? A.shape[0] : A.shape[1];
  Tensor y(out_shape);
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) {
      double s = 0;
      for (int64_t q = 0; q < k; ++q) {
        const float av = a.trans_a ? A.data[size_t(q * m + i)] : A.data[size_t(i * k + q)];
        const float bv = a.trans_b ? B.data[size_t(j * k + q)] : B.data[size_t(q * n + j)];
        s += double(av) * double(bv);
      }
      y.data[size_t(i * n + j)] = float(double(a.alpha) * s);
    }
  if (C) {
    const auto ic = BroadcastIndex(C->shape, out_shape);
    for (size_t i = 0; i < y.data.size(); ++i) y.data[i] += a.beta * C->data[size_t(ic[i])];
  }
  return y;
}

Tensor MatMul(const Tensor& A, const Tensor& B, const Shape& out_shape) {
  const int64_t m = A.shape[A.shape.size() - 2], k = A.shape.back(), n = B.shape.back();
  const int64_t batches = A.Size() / (m * k);
  const bool shared_b = B.shape.size() == 2;
  Tensor y(out_shape);
  for (int64_t bt = 0; bt < batches; ++bt) {
    const float* a = &A.data[size_t(bt * m * k)];
    const float* b = &B.data[size_t(shared_b ? 0 : bt * k * n)];
    float* o = &y.data[size_t(bt * m * n)];
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) {
        double s = 0;
        for (int64_t q = 0; q < k; ++q) s += double(a[i * k + q]) * double(b[q * n + j]);
        o[i * n + j] = float(s);
      }
  }
  return y;
}

Tensor BatchNorm(const Node& node, const Tensor& x, const Tensor& scale, const Tensor& bias, const Tensor& mean,
                 const Tensor& var) {
  Tensor y(x.shape);
  const int64_t n = x.shape[0], c = x.shape[1], inner = x.Size() / std::max<int64_t>(1, n * c);
  for (int64_t ch = 0; ch < c; ++ch) {
    const float a = scale.data[size_t(ch)] / std::sqrt(var.data[size_t(ch)] + node.attrs.epsilon);
    const float b = bias.data[size_t(ch)] - a * mean.data[size_t(ch)];
    for (int64_t i = 0; i < n; ++i) {
      const size_t off = size_t((i * c + ch) * inner);
      for (int64_t q = 0; q < inner; ++q) y.data[off + size_t(q)] = a * x.data[off + size_t(q)] + b;
    }
  }
  return y;
}

Tensor Softmax(const Node& node, const Tensor& x) {
  const Shape& s = x.shape;
  const int axis = node.attrs.axis;
  // Softmax over `len` elements `stride` apart, for every (outer, inner) position.
  int64_t outer = 1, len = 1, inner = 1;
  for (int i = 0; i < int(s.size()); ++i) {
    if (node.attrs.softmax_2d)
      (i < axis ? outer : len) *= s[size_t(i)];
    else
      (i < axis ? outer : i == axis ? len : inner) *= s[size_t(i)];
  }
  Tensor y(s);
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t in = 0; in < inner; ++in) {
      const size_t base = size_t(o * len * inner + in);
      float mx = -std::numeric_limits<float>::infinity();
      for (int64_t i = 0; i < len; ++i) mx = std::max(mx, x.data[base + size_t(i * inner)]);
      double sum = 0;
      for (int64_t i = 0; i < len; ++i) sum += std::exp(double(x.data[base + size_t(i * inner)]) - double(mx));
      for (int64_t i = 0; i < len; ++i)
        y.data[base + size_t(i * inner)] = float(std::exp(double(x.data[base + size_t(i * inner)]) - double(mx)) / sum);
    }
  return y;
}

Tensor Concat(const Node& node, std::span<const Tensor* const> in, const Shape& out_shape) {
  const int axis = node.attrs.axis;
  int64_t outer = 1, inner = 1;
  for (int i = 0; i < axis; ++i) outer *= out_shape[size_t(i)];
  for (size_t i = size_t(axis) + 1; i < out_shape.size(); ++i) inner *= out_shape[i];
  Tensor y(out_shape);
  int64_t offset = 0;
  const int64_t total = out_shape[size_t(axis)];
  for (const Tensor* t : in) {
    const int64_t d = t->shape[size_t(axis)];
    for (int64_t o = 0; o < outer; ++o)
      std::copy_n(t->data.begin() + std::ptrdiff_t(o * d * inner), d * inner,
                  y.data.begin() + std::ptrdiff_t((o * total + offset) * inner));
    offset += d;
  }
  return y;
}

}  // namespace

Tensor EvalNode(const Node& n, std::span<const Tensor* const> in) {
  auto need = [&](size_t i) -> const Tensor& {
    if (i >= in.size() || !in[i]) throw ModelError(fmt::format("{}: input {} is missing", n.Describe(), i));
    return *in[i];
  };
  auto opt = [&](size_t i) -> const Tensor* { return i < in.size() ? in[i] : nullptr; };
  // The output shape was inferred at import; recompute it from the actual inputs for safety.
  Graph g;
  for (size_t i = 0; i < in.size(); ++i)
    g.values.push_back(Value{"", in[i] ? in[i]->shape : Shape{}, std::nullopt, -1});
  g.values.push_back(Value{"", {}, std::nullopt, -1});
  Node copy = n;
  copy.inputs.clear();
  for (size_t i = 0; i < in.size(); ++i) copy.inputs.push_back(in[i] ? int(i) : -1);
  copy.outputs = {int(in.size())};
  g.nodes.push_back(copy);
  InferShapes(g);
  const Shape out = g.values.back().shape;
  const Node& m = g.nodes[0];  // with normalized axes
  switch (n.op) {
    case Op::kConv:
      return Conv(m, need(0), need(1), opt(2), out);
    case Op::kMaxPool:
    case Op::kAveragePool:
      return Pool(m, need(0), out);
    case Op::kGlobalAveragePool: {
      const Tensor& x = need(0);
      Tensor y(out);
      const int64_t plane = x.Size() / std::max<int64_t>(1, y.Size());
      for (int64_t p = 0; p < y.Size(); ++p) {
        double s = 0;
        for (int64_t i = 0; i < plane; ++i) s += double(x.data[size_t(p * plane + i)]);
        y.data[size_t(p)] = float(s / double(plane));
      }
      return y;
    }
    case Op::kBatchNorm:
      return BatchNorm(m, need(0), need(1), need(2), need(3), need(4));
    case Op::kGemm:
      return Gemm(m, need(0), need(1), opt(2), out);
    case Op::kMatMul:
      return MatMul(need(0), need(1), out);
    case Op::kAdd: {
      if (m.attrs.broadcast_axis < 0) return Add(need(0), need(1), out);
      Tensor b = need(1);
      b.shape = LegacyAligned(m, need(0).shape, b.shape);
      return Add(need(0), b, out);
    }
    case Op::kRelu:
    case Op::kClip: {
      Tensor y = need(0);
      const float lo = opt(1) ? opt(1)->data[0] : m.attrs.clip_min, hi = opt(2) ? opt(2)->data[0] : m.attrs.clip_max;
      for (float& v : y.data) v = std::min(std::max(v, lo), hi);
      return y;
    }
    case Op::kSoftmax:
      return Softmax(m, need(0));
    case Op::kConcat:
      return Concat(m, in, out);
    case Op::kFlatten:
    case Op::kReshape:
    case Op::kIdentity: {
      Tensor y = need(0);
      y.shape = out;
      return y;
    }
  }
  throw ModelError(fmt::format("{}: no CPU implementation", n.Describe()));
}

std::vector<Tensor> RunFloat(const Graph& g, std::span<const Tensor> inputs, const Observer& observe) {
  if (inputs.size() != g.inputs.size())
    throw UsageError(fmt::format("graph {} takes {} input(s), given {}", g.name, g.inputs.size(), inputs.size()));
  std::vector<std::optional<Tensor>> live(g.values.size());
  std::vector<int> uses(g.values.size(), 0);
  for (const Node& n : g.nodes)
    for (int v : n.inputs)
      if (v >= 0) ++uses[size_t(v)];
  for (int o : g.outputs) ++uses[size_t(o)];
  for (size_t i = 0; i < inputs.size(); ++i) {
    const Value& v = g.values[size_t(g.inputs[i])];
    if (inputs[i].shape != v.shape)
      throw UsageError(
          fmt::format("input {} must have shape {}, given {}", v.name, ToString(v.shape), ToString(inputs[i].shape)));
    live[size_t(g.inputs[i])] = inputs[i];
  }
  for (const Node& n : g.nodes) {
    std::vector<const Tensor*> in;
    for (int v : n.inputs) {
      if (v < 0) {
        in.push_back(nullptr);
        continue;
      }
      const Value& val = g.values[size_t(v)];
      in.push_back(val.constant ? &*val.constant : &*live[size_t(v)]);
    }
    Tensor out = EvalNode(n, in);
    for (int v : n.inputs)
      if (v >= 0 && !g.values[size_t(v)].constant && --uses[size_t(v)] == 0) live[size_t(v)].reset();
    if (observe) observe(n.outputs[0], out);
    live[size_t(n.outputs[0])] = std::move(out);
  }
  std::vector<Tensor> outs;
  for (int o : g.outputs) {
    const Value& v = g.values[size_t(o)];
    outs.push_back(v.constant ? *v.constant : *live[size_t(o)]);
  }
  return outs;
}

}  // namespace dcoc::model
