// Element-wise and pooling operators on the ALU: residual add, ReLU / clip, shift requantization,
// max-pool (windows padded with the minimum value by the load) and average pool (fixed-point).
//
// Operands live in DRAM as accumulator rows (ACC layout, [N/BATCH][C/BLOCK_OUT][H][W] of
// [BATCH][BLOCK_OUT] accumulator-width values: layout.h's PackAcc); results are output rows (NCHWnc,
// output width). The lowering is fixed (no knobs): the largest row chunk or output-row tile that fits
// half the accumulator buffer, two halves alternating so loads, ALU work and stores overlap.
// For stock VTA (spec/vta.h), whose ACC loads do not pad and whose ALU has no MUL: a pooling window
// with padding is first filled with the pad value (GEMM reset, then ADD) and its rows loaded one by
// one; the average pool's multiplier becomes shifts and adds (epilogue.h).
#pragma once

#include <cstdint>
#include <string>

#include "host/reference/reference.h"
#include "host/spec/hw_config.h"
#include "host/spec/program.h"
#include "host/spec/vta.h"

namespace dcoc::compiler {

enum class EltwiseKind : uint8_t { kAdd, kUnary };
// a (+ b for kAdd), then the epilogue (bias is not used): shift, clip; narrowed to the output width.
spec::Program CompileEltwise(EltwiseKind kind, const reference::Tensor& a, const reference::Tensor* b,
                             const reference::Epilogue& e, const spec::Spec& s, spec::Isa isa = spec::Isa::kVtaPlus);

enum class PoolKind : uint8_t { kMax, kAvg };
struct PoolLayer {
  PoolKind kind = PoolKind::kMax;
  int n = 1, c = 1, h = 1, w = 1;
  int r = 2, s = 2;
  reference::Conv2dAttrs attrs;
  int32_t mul = 1;  // avg pool: (sum * mul) >> shift, clamped to the output range
  int shift = 0;
  spec::Isa isa = spec::Isa::kVtaPlus;  // the instruction set to compile for
  int OutH() const { return reference::OutSize(h, r, attrs.stride_h, attrs.pad_h); }
  int OutW() const { return reference::OutSize(w, s, attrs.stride_w, attrs.pad_w); }
  std::string Describe() const;
};
spec::Program CompilePool(const PoolLayer& p, const reference::Tensor& x, const spec::Spec& s);

// The "output" region of a run's final DRAM image as an NCHW tensor.
reference::Tensor ReadTensor(const spec::Program& p, std::span<const uint8_t> dram, int n, int c, int h, int w,
                             const spec::Spec& s);

}  // namespace dcoc::compiler
