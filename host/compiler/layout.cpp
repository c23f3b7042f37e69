#include "host/compiler/layout.h"

#include <algorithm>

namespace dcoc::compiler {

void PutElem(std::span<uint8_t> bytes, size_t offset, int bits, int64_t value) {
  for (int b = 0; b < bits / 8; ++b) bytes[offset + size_t(b)] = uint8_t(uint64_t(value) >> (8 * b));
}

int64_t GetElem(std::span<const uint8_t> bytes, size_t offset, int bits) {
  uint64_t v = 0;
  for (int b = 0; b < bits / 8; ++b) v |= uint64_t(bytes[offset + size_t(b)]) << (8 * b);
  return reference::Wrap(int64_t(v), bits);
}

namespace {

// Row-blocked activations: rows [N/batch][C/block][H][W], each [batch][block] of `bits`.
std::vector<uint8_t> PackBlocked(const Tensor& x, int batch, int block, int bits, int cb_min) {
  const int nb = CeilDiv(x.n, batch), cb = std::max(CeilDiv(x.c, block), cb_min);
  const size_t row_bytes = size_t(batch) * block * bits / 8;
  std::vector<uint8_t> out(size_t(nb) * cb * x.h * x.w * row_bytes, 0);
  for (int n = 0; n < x.n; ++n)
    for (int c = 0; c < x.c; ++c)
      for (int y = 0; y < x.h; ++y)
        for (int z = 0; z < x.w; ++z) {
          const size_t row = ((size_t(n / batch) * cb + size_t(c / block)) * x.h + y) * x.w + z;
          const size_t elem = size_t(n % batch) * block + size_t(c % block);
          PutElem(out, row * row_bytes + elem * bits / 8, bits, x.At(n, c, y, z));
        }
  return out;
}

Tensor UnpackBlocked(std::span<const uint8_t> rows, int n, int c, int h, int w, int batch, int block, int bits) {
  const int cb = CeilDiv(c, block);
  const size_t row_bytes = size_t(batch) * block * bits / 8;
  Tensor x(n, c, h, w);
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < c; ++j)
      for (int y = 0; y < h; ++y)
        for (int z = 0; z < w; ++z) {
          const size_t row = ((size_t(i / batch) * cb + size_t(j / block)) * h + y) * w + z;
          const size_t elem = size_t(i % batch) * block + size_t(j % block);
          x.At(i, j, y, z) = int32_t(GetElem(rows, row * row_bytes + elem * bits / 8, bits));
        }
  return x;
}

}  // namespace

std::vector<uint8_t> PackActivations(const Tensor& x, const spec::Spec& s, int cb) {
  return PackBlocked(x, s.batch, s.block_in, s.inp_bits, cb);
}
Tensor UnpackActivations(std::span<const uint8_t> rows, int n, int c, int h, int w, const spec::Spec& s) {
  return UnpackBlocked(rows, n, c, h, w, s.batch, s.block_in, s.inp_bits);
}
Tensor UnpackOutputs(std::span<const uint8_t> rows, int n, int k, int h, int w, const spec::Spec& s) {
  return UnpackBlocked(rows, n, k, h, w, s.batch, s.block_out, s.out_bits);
}
std::vector<uint8_t> PackAcc(const Tensor& x, const spec::Spec& s) {
  return PackBlocked(x, s.batch, s.block_out, s.acc_bits, 0);
}
Tensor UnpackAcc(std::span<const uint8_t> rows, int n, int c, int h, int w, const spec::Spec& s) {
  return UnpackBlocked(rows, n, c, h, w, s.batch, s.block_out, s.acc_bits);
}

std::vector<uint8_t> PackWeights(const Tensor& w, const spec::Spec& s, int cb_min) {
  const int kb = CeilDiv(w.n, s.block_out), cb = std::max(CeilDiv(w.c, s.block_in), cb_min);
  const size_t row_bytes = size_t(s.wgt_row_bytes);
  std::vector<uint8_t> out(size_t(kb) * cb * w.h * w.w * row_bytes, 0);
  for (int k = 0; k < w.n; ++k)
    for (int c = 0; c < w.c; ++c)
      for (int r = 0; r < w.h; ++r)
        for (int q = 0; q < w.w; ++q) {
          const size_t row = ((size_t(k / s.block_out) * cb + size_t(c / s.block_in)) * w.h + r) * w.w + q;
          const size_t elem = size_t(k % s.block_out) * s.block_in + size_t(c % s.block_in);
          PutElem(out, row * row_bytes + elem * s.wgt_bits / 8, s.wgt_bits, w.At(k, c, r, q));
        }
  return out;
}

int DepthwiseBlocksPerOut(const spec::Spec& s) { return std::max(1, s.block_out / s.block_in); }
int DepthwiseFirstInBlock(const spec::Spec& s, int co) { return int(int64_t(co) * s.block_out / s.block_in); }
int DepthwiseInBlocks(const spec::Spec& s, int channels) {
  const int kb = CeilDiv(channels, s.block_out);
  return std::max(CeilDiv(channels, s.block_in), DepthwiseFirstInBlock(s, kb - 1) + DepthwiseBlocksPerOut(s));
}

std::vector<uint8_t> PackDepthwiseWeights(const Tensor& w, const spec::Spec& s) {
  const int kb = CeilDiv(w.n, s.block_out), nov = DepthwiseBlocksPerOut(s);
  const size_t row_bytes = size_t(s.wgt_row_bytes);
  std::vector<uint8_t> out(size_t(kb) * nov * w.h * w.w * row_bytes, 0);
  for (int co = 0; co < kb; ++co)
    for (int j = 0; j < nov; ++j)
      for (int r = 0; r < w.h; ++r)
        for (int q = 0; q < w.w; ++q) {
          const size_t row = ((size_t(co) * nov + j) * w.h + r) * w.w + q;
          for (int o = 0; o < s.block_out; ++o) {
            const int c_out = co * s.block_out + o;
            const int i = c_out - (DepthwiseFirstInBlock(s, co) + j) * s.block_in;
            if (c_out >= w.n || i < 0 || i >= s.block_in) continue;
            const size_t elem = size_t(o) * s.block_in + size_t(i);
            PutElem(out, row * row_bytes + elem * s.wgt_bits / 8, s.wgt_bits, w.At(c_out, 0, r, q));
          }
        }
  return out;
}

std::vector<uint8_t> PackBias(std::span<const int32_t> bias, int k, const spec::Spec& s) {
  const int kb = CeilDiv(k, s.block_out);
  std::vector<uint8_t> out(size_t(kb) * s.acc_row_bytes, 0);
  for (int c = 0; c < k; ++c)
    for (int b = 0; b < s.batch; ++b) {
      const size_t elem = size_t(b) * s.block_out + size_t(c % s.block_out);
      PutElem(out, size_t(c / s.block_out) * s.acc_row_bytes + elem * s.acc_bits / 8, s.acc_bits, bias[size_t(c)]);
    }
  return out;
}

}  // namespace dcoc::compiler
