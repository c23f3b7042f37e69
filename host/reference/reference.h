// Plain C++ integer reference implementations of every operator the compiler lowers. They are written
// from the operator definitions alone (NCHW tensors, OIHW weights) and share no code with the lowering,
// so a bit-exact match between the two is evidence, not tautology.
//
// Arithmetic follows the accelerator's number rules (docs/semantics.md): products are accumulated
// exactly and wrapped at the accumulator width, every epilogue step wraps at the accumulator width,
// and the result is narrowed to the output width.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace dcoc::reference {

// A dense 4-D tensor, NCHW for activations and OIHW for weights. Elements are stored as int32.
struct Tensor {
  int n = 0, c = 0, h = 0, w = 0;
  std::vector<int32_t> data;

  Tensor() = default;
  Tensor(int n_, int c_, int h_, int w_) : n(n_), c(c_), h(h_), w(w_), data(size_t(int64_t(n_) * c_ * h_ * w_), 0) {}
  int64_t Size() const { return int64_t(n) * c * h * w; }
  int32_t& At(int i, int j, int y, int x) { return data[Index(i, j, y, x)]; }
  int32_t At(int i, int j, int y, int x) const { return data[Index(i, j, y, x)]; }
  size_t Index(int i, int j, int y, int x) const { return size_t(((int64_t(i) * c + j) * h + y) * w + x); }
  bool operator==(const Tensor&) const = default;
};

// Element widths of the accelerator the result must match.
struct IntFormat {
  int acc_bits = 32;  // accumulator width: sums and every epilogue step wrap here
  int out_bits = 8;   // output (= input) width: the final narrowing
};

// What runs after the accumulation, in this order: + bias[channel], arithmetic shift right by
// `shift` (the ALU's SHR: negative shifts left), min(hi), max(lo), then narrowing to out_bits.
struct Epilogue {
  bool bias = false;
  int shift = 0;
  std::optional<int32_t> clip_lo, clip_hi;
  // Per-output-channel shifts (conv2d, depthwise, dense with per-channel weight scales): when not
  // empty, output channel c shifts by channel_shift[c] instead of `shift`.
  std::vector<int32_t> channel_shift;

  // The usual requantization: shift, then clamp to the output range (lo = 0 adds a ReLU).
  static Epilogue Requant(int shift, bool relu, int out_bits, bool bias = true);
};

struct Conv2dAttrs {
  int stride_h = 1, stride_w = 1, pad_h = 0, pad_w = 0;
};

int64_t Wrap(int64_t v, int bits);
// One accumulator value of output channel `channel` through the epilogue (bias already selected by
// channel), narrowed.
int32_t ApplyEpilogue(int64_t acc, int32_t bias, const Epilogue& e, const IntFormat& f, int channel = 0);

int OutSize(int in, int k, int stride, int pad);

// conv2d: x [N,C,H,W], w [K,C,R,S], bias [K] (used when e.bias) -> [N,K,OH,OW].
Tensor Conv2d(const Tensor& x, const Tensor& w, std::span<const int32_t> bias, const Conv2dAttrs& a, const Epilogue& e,
              const IntFormat& f);
// depthwise conv2d: x [N,C,H,W], w [C,1,R,S], bias [C] -> [N,C,OH,OW].
Tensor DepthwiseConv2d(const Tensor& x, const Tensor& w, std::span<const int32_t> bias, const Conv2dAttrs& a,
                       const Epilogue& e, const IntFormat& f);
// dense: x [N,IN,1,1], w [OUT,IN,1,1], bias [OUT] -> [N,OUT,1,1].
Tensor Dense(const Tensor& x, const Tensor& w, std::span<const int32_t> bias, const Epilogue& e, const IntFormat& f);
// element-wise a + b (residual), then the epilogue (no bias).
Tensor Add(const Tensor& a, const Tensor& b, const Epilogue& e, const IntFormat& f);
// max(x, 0), narrowed.
Tensor Relu(const Tensor& x, const IntFormat& f);
// clamp to [lo, hi], narrowed.
Tensor Clip(const Tensor& x, int32_t lo, int32_t hi, const IntFormat& f);
// Shift requantization of accumulator values: (x >> shift) clamped to [lo, hi], narrowed.
Tensor ShiftRequant(const Tensor& x, int shift, int32_t lo, int32_t hi, const IntFormat& f);
// max-pool: windows read the minimum value of the output type outside the image.
Tensor MaxPool2d(const Tensor& x, int r, int s, const Conv2dAttrs& a, const IntFormat& f);
// average pool as fixed-point: sum of the window (zeros outside the image, count includes padding),
// then (sum * mul) >> shift, clamped to the output range. mul = 1, shift = log2(R*S) for a
// power-of-two window is the exact floor average.
Tensor AvgPool2d(const Tensor& x, int r, int s, const Conv2dAttrs& a, int32_t mul, int shift, const IntFormat& f);

}  // namespace dcoc::reference
