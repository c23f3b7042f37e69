// Host-side layout transforms between the framework layouts (NCHW activations, OIHW weights) and the
// accelerator's tiled layouts, for any BATCH, BLOCK_IN and BLOCK_OUT. Channel and batch counts that
// are not multiples of the block are padded with zeros (and ignored on the way back).
//
//   activations (INP rows)  [N/BATCH][C/BLOCK_IN][H][W]  row = [BATCH][BLOCK_IN]      (NCHWnc)
//   outputs     (OUT rows)  [N/BATCH][K/BLOCK_OUT][H][W] row = [BATCH][BLOCK_OUT]
//   accumulators (ACC rows) [N/BATCH][C/BLOCK_OUT][H][W] row = [BATCH][BLOCK_OUT]     (int32 operands)
//   weights     (WGT rows)  [K/BLOCK_OUT][C/BLOCK_IN][R][S] row = [BLOCK_OUT][BLOCK_IN] (OIHWoi)
//   bias        (ACC rows)  [K/BLOCK_OUT]                row = [BATCH][BLOCK_OUT], the same for every b
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "host/reference/reference.h"
#include "host/spec/hw_config.h"

namespace dcoc::compiler {

using reference::Tensor;

inline int CeilDiv(int64_t a, int64_t b) { return int((a + b - 1) / b); }

// Two's-complement little-endian element access in a byte image.
void PutElem(std::span<uint8_t> bytes, size_t offset, int bits, int64_t value);
int64_t GetElem(std::span<const uint8_t> bytes, size_t offset, int bits);

// NCHW -> NCHWnc input rows. `cb` pads the channel blocks to at least that count (0: ceil(C/BLOCK_IN)).
std::vector<uint8_t> PackActivations(const Tensor& x, const spec::Spec& s, int cb = 0);
Tensor UnpackActivations(std::span<const uint8_t> rows, int n, int c, int h, int w, const spec::Spec& s);
// OUT rows -> NCHW (channels in blocks of BLOCK_OUT).
Tensor UnpackOutputs(std::span<const uint8_t> rows, int n, int k, int h, int w, const spec::Spec& s);
// NCHW values -> ACC rows (channels in blocks of BLOCK_OUT, accumulator width), and back.
std::vector<uint8_t> PackAcc(const Tensor& x, const spec::Spec& s);
Tensor UnpackAcc(std::span<const uint8_t> rows, int n, int c, int h, int w, const spec::Spec& s);
// OIHW -> OIHWoi weight rows. `cb` as for PackActivations.
std::vector<uint8_t> PackWeights(const Tensor& w, const spec::Spec& s, int cb = 0);
// Depthwise weights [C,1,R,S] -> rows [K/BLOCK_OUT][nov][R][S] of the block-diagonal GEMM weights:
// block (co, j) pairs output block co with input block DepthwiseFirstInBlock(co) + j.
std::vector<uint8_t> PackDepthwiseWeights(const Tensor& w, const spec::Spec& s);
int DepthwiseBlocksPerOut(const spec::Spec& s);            // nov = max(1, BLOCK_OUT / BLOCK_IN)
int DepthwiseFirstInBlock(const spec::Spec& s, int co);    // floor(co * BLOCK_OUT / BLOCK_IN)
int DepthwiseInBlocks(const spec::Spec& s, int channels);  // input blocks the packed input needs
// Bias [K] -> ACC rows [K/BLOCK_OUT].
std::vector<uint8_t> PackBias(std::span<const int32_t> bias, int k, const spec::Spec& s);

}  // namespace dcoc::compiler
