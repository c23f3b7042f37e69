#include "host/reference/reference.h"

#include <fmt/format.h>

#include <algorithm>
#include <limits>

#include "host/common/error.h"

namespace dcoc::reference {

int64_t Wrap(int64_t v, int bits) {
  const uint64_t mask = bits >= 64 ? ~0ULL : (1ULL << bits) - 1;
  const uint64_t sign = 1ULL << (bits - 1);
  return int64_t(((uint64_t(v) & mask) ^ sign) - sign);
}

namespace {

int Log2(int v) {
  int l = 0;
  while ((1 << l) < v) ++l;
  return l;
}

// The ALU's SHR on a wrapped accumulator value.
int64_t Shr(int64_t a, int64_t amount, int acc_bits) {
  const int k_bits = Log2(acc_bits) + 1;
  const int64_t k = Wrap(amount, k_bits);
  if (k >= 0) return a >> std::min<int64_t>(k, acc_bits - 1);
  if (-k >= acc_bits) return 0;
  return Wrap(int64_t(uint64_t(a) << (-k)), acc_bits);
}

void Expect(bool ok, const std::string& what) {
  if (!ok) throw UsageError(what);
}

}  // namespace

Epilogue Epilogue::Requant(int shift, bool relu, int out_bits, bool bias) {
  Epilogue e;
  e.bias = bias;
  e.shift = shift;
  e.clip_hi = (1 << (out_bits - 1)) - 1;
  e.clip_lo = relu ? 0 : -(1 << (out_bits - 1));
  return e;
}

int32_t ApplyEpilogue(int64_t acc, int32_t bias, const Epilogue& e, const IntFormat& f, int channel) {
  int64_t v = Wrap(acc, f.acc_bits);
  if (e.bias) v = Wrap(v + bias, f.acc_bits);
  const int64_t shift = e.channel_shift.empty() ? e.shift : e.channel_shift[size_t(channel)];
  if (shift != 0) v = Shr(v, shift, f.acc_bits);
  if (e.clip_hi) v = std::min<int64_t>(v, Wrap(*e.clip_hi, f.acc_bits));
  if (e.clip_lo) v = std::max<int64_t>(v, Wrap(*e.clip_lo, f.acc_bits));
  return int32_t(Wrap(v, f.out_bits));
}

int OutSize(int in, int k, int stride, int pad) {
  const int span = in + 2 * pad - k;
  return span < 0 ? 0 : span / stride + 1;
}

Tensor Conv2d(const Tensor& x, const Tensor& w, std::span<const int32_t> bias, const Conv2dAttrs& a, const Epilogue& e,
              const IntFormat& f) {
  Expect(x.c == w.c, fmt::format("conv2d: input has {} channels, weights expect {}", x.c, w.c));
  Expect(!e.bias || int(bias.size()) == w.n, fmt::format("conv2d: bias has {} values, expected {}", bias.size(), w.n));
  Expect(e.channel_shift.empty() || int(e.channel_shift.size()) == w.n,
         fmt::format("conv2d: {} channel shifts, expected {}", e.channel_shift.size(), w.n));
  const int oh = OutSize(x.h, w.h, a.stride_h, a.pad_h), ow = OutSize(x.w, w.w, a.stride_w, a.pad_w);
  Tensor y(x.n, w.n, oh, ow);
  // y[n][k][oy][ox] = sum over c, r, s of x[n][c][oy*stride + r - pad][ox*stride + s - pad] * w[k][c][r][s],
  // taps outside the image contributing zero. Loops ordered for speed; the sum is exact in int64.
  std::vector<int64_t> acc(size_t(oh) * ow);
  for (int n = 0; n < x.n; ++n)
    for (int k = 0; k < w.n; ++k) {
      std::fill(acc.begin(), acc.end(), 0);
      for (int c = 0; c < x.c; ++c)
        for (int r = 0; r < w.h; ++r)
          for (int s = 0; s < w.w; ++s) {
            const int64_t wv = w.At(k, c, r, s);
            if (wv == 0) continue;
            for (int oy = 0; oy < oh; ++oy) {
              const int iy = oy * a.stride_h + r - a.pad_h;
              if (iy < 0 || iy >= x.h) continue;
              const int32_t* row = &x.data[x.Index(n, c, iy, 0)];
              int64_t* out = &acc[size_t(oy) * ow];
              for (int ox = 0; ox < ow; ++ox) {
                const int ix = ox * a.stride_w + s - a.pad_w;
                if (ix >= 0 && ix < x.w) out[ox] += wv * row[ix];
              }
            }
          }
      for (int oy = 0; oy < oh; ++oy)
        for (int ox = 0; ox < ow; ++ox)
          y.At(n, k, oy, ox) = ApplyEpilogue(acc[size_t(oy) * ow + ox], e.bias ? bias[size_t(k)] : 0, e, f, k);
    }
  return y;
}

Tensor DepthwiseConv2d(const Tensor& x, const Tensor& w, std::span<const int32_t> bias, const Conv2dAttrs& a,
                       const Epilogue& e, const IntFormat& f) {
  Expect(w.n == x.c && w.c == 1,
         fmt::format("depthwise conv2d: weights [{},{},..] do not match {} input channels", w.n, w.c, x.c));
  Expect(!e.bias || int(bias.size()) == x.c,
         fmt::format("depthwise conv2d: bias has {} values, expected {}", bias.size(), x.c));
  Expect(e.channel_shift.empty() || int(e.channel_shift.size()) == x.c,
         fmt::format("depthwise conv2d: {} channel shifts, expected {}", e.channel_shift.size(), x.c));
  const int oh = OutSize(x.h, w.h, a.stride_h, a.pad_h), ow = OutSize(x.w, w.w, a.stride_w, a.pad_w);
  Tensor y(x.n, x.c, oh, ow);
  for (int n = 0; n < x.n; ++n)
    for (int c = 0; c < x.c; ++c)
      for (int oy = 0; oy < oh; ++oy)
        for (int ox = 0; ox < ow; ++ox) {
          int64_t acc = 0;
          for (int r = 0; r < w.h; ++r) {
            const int iy = oy * a.stride_h + r - a.pad_h;
            if (iy < 0 || iy >= x.h) continue;
            for (int s = 0; s < w.w; ++s) {
              const int ix = ox * a.stride_w + s - a.pad_w;
              if (ix < 0 || ix >= x.w) continue;
              acc += int64_t(x.At(n, c, iy, ix)) * w.At(c, 0, r, s);
            }
          }
          y.At(n, c, oy, ox) = ApplyEpilogue(acc, e.bias ? bias[size_t(c)] : 0, e, f, c);
        }
  return y;
}

Tensor Dense(const Tensor& x, const Tensor& w, std::span<const int32_t> bias, const Epilogue& e, const IntFormat& f) {
  Expect(x.h == 1 && x.w == 1 && w.h == 1 && w.w == 1, "dense: input and weights must be [N,IN,1,1] and [OUT,IN,1,1]");
  return Conv2d(x, w, bias, Conv2dAttrs{}, e, f);
}

Tensor Add(const Tensor& a, const Tensor& b, const Epilogue& e, const IntFormat& f) {
  Expect(a.n == b.n && a.c == b.c && a.h == b.h && a.w == b.w, "add: operand shapes differ");
  Tensor y(a.n, a.c, a.h, a.w);
  for (size_t i = 0; i < a.data.size(); ++i) y.data[i] = ApplyEpilogue(int64_t(a.data[i]) + b.data[i], 0, e, f);
  return y;
}

Tensor Relu(const Tensor& x, const IntFormat& f) {
  Epilogue e;
  e.clip_lo = 0;
  Tensor y = x;
  for (auto& v : y.data) v = ApplyEpilogue(v, 0, e, f);
  return y;
}

Tensor Clip(const Tensor& x, int32_t lo, int32_t hi, const IntFormat& f) {
  Epilogue e;
  e.clip_lo = lo;
  e.clip_hi = hi;
  Tensor y = x;
  for (auto& v : y.data) v = ApplyEpilogue(v, 0, e, f);
  return y;
}

Tensor ShiftRequant(const Tensor& x, int shift, int32_t lo, int32_t hi, const IntFormat& f) {
  Epilogue e;
  e.shift = shift;
  e.clip_lo = lo;
  e.clip_hi = hi;
  Tensor y = x;
  for (auto& v : y.data) v = ApplyEpilogue(v, 0, e, f);
  return y;
}

Tensor MaxPool2d(const Tensor& x, int r, int s, const Conv2dAttrs& a, const IntFormat& f) {
  const int oh = OutSize(x.h, r, a.stride_h, a.pad_h), ow = OutSize(x.w, s, a.stride_w, a.pad_w);
  const int64_t lowest = -(int64_t(1) << (f.out_bits - 1));
  Tensor y(x.n, x.c, oh, ow);
  for (int n = 0; n < x.n; ++n)
    for (int c = 0; c < x.c; ++c)
      for (int oy = 0; oy < oh; ++oy)
        for (int ox = 0; ox < ow; ++ox) {
          int64_t m = std::numeric_limits<int64_t>::min();
          for (int i = 0; i < r; ++i)
            for (int j = 0; j < s; ++j) {
              const int iy = oy * a.stride_h + i - a.pad_h, ix = ox * a.stride_w + j - a.pad_w;
              const bool inside = iy >= 0 && iy < x.h && ix >= 0 && ix < x.w;
              m = std::max<int64_t>(m, inside ? x.At(n, c, iy, ix) : lowest);
            }
          y.At(n, c, oy, ox) = int32_t(Wrap(m, f.out_bits));
        }
  return y;
}

Tensor AvgPool2d(const Tensor& x, int r, int s, const Conv2dAttrs& a, int32_t mul, int shift, const IntFormat& f) {
  const int oh = OutSize(x.h, r, a.stride_h, a.pad_h), ow = OutSize(x.w, s, a.stride_w, a.pad_w);
  Epilogue e = Epilogue::Requant(shift, false, f.out_bits, false);
  Tensor y(x.n, x.c, oh, ow);
  for (int n = 0; n < x.n; ++n)
    for (int c = 0; c < x.c; ++c)
      for (int oy = 0; oy < oh; ++oy)
        for (int ox = 0; ox < ow; ++ox) {
          int64_t sum = 0;
          for (int i = 0; i < r; ++i)
            for (int j = 0; j < s; ++j) {
              const int iy = oy * a.stride_h + i - a.pad_h, ix = ox * a.stride_w + j - a.pad_w;
              if (iy >= 0 && iy < x.h && ix >= 0 && ix < x.w) sum += x.At(n, c, iy, ix);
            }
          y.At(n, c, oy, ox) = ApplyEpilogue(Wrap(Wrap(sum, f.acc_bits) * mul, f.acc_bits), 0, e, f);
        }
  return y;
}

}  // namespace dcoc::reference
