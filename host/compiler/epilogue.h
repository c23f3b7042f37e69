// The ALU steps every operator shares, emitted in one place so a target with another ALU (stock VTA:
// no CLIP, no MOV) changes them here and nowhere else:
//   - accumulator initialization: a GEMM reset to zero, or a broadcast copy (bias rows MOVed over a tile);
//   - the requantization epilogue: SHR by the shift, then one CLIP for a symmetric clamp [~hi, hi] or
//     MIN / MAX for any other clamp (ReLU is MAX 0).
// Every step works on a block of accumulator rows described by AccRows (two loop levels, as the
// GEMM/ALU instructions have them); micro-ops go through the builder's cache.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "host/compiler/builder.h"
#include "host/reference/reference.h"
#include "host/spec/isa.h"

namespace dcoc::compiler {

// iter_out x iter_in accumulator rows: row (o, i) is base + o * factor_out + i * factor_in.
struct AccRows {
  uint32_t base = 0;
  uint64_t iter_out = 1, iter_in = 1, factor_out = 0, factor_in = 0;
};

// An ALU instruction over micro-ops [uop_bgn, uop_end) and two loop levels. A loop of one iteration
// gets zero factors (so they always encode).
spec::Instruction AluInsn(spec::AluOp op, uint32_t uop_bgn, uint32_t uop_end, uint64_t iter_out, uint64_t iter_in,
                          uint64_t dst_factor_out, uint64_t dst_factor_in, uint64_t src_factor_out,
                          uint64_t src_factor_in, std::optional<int64_t> imm);

// Zeroes `rows` with a GEMM reset.
void EmitReset(const AccRows& rows, ProgramBuilder& b, std::vector<spec::Instruction>& out);

// Copies accumulator row src + g over the `count` consecutive rows dst + g * count, for g < groups
// (e.g. the bias row of each output-channel block over its tile); with another `op`, applies
// dst = op(dst, src) with the same broadcast.
void EmitBroadcast(uint32_t dst, uint32_t src, uint64_t groups, uint64_t count, ProgramBuilder& b,
                   std::vector<spec::Instruction>& out, spec::AluOp op = spec::AluOp::kMov);

// Per-channel shift amounts resident in the accumulator: row `src + g` holds the shifts of the output
// channels of group g (a BLOCK_OUT block), for the `count` consecutive rows dst + g * count.
struct ChannelShifts {
  uint32_t src = 0;
  uint64_t groups = 0, count = 0;
};

// The requantization epilogue in place on `rows` (the bias is not part of it: it is added before).
// With `shifts`, the shift is a tensor SHR by each row's channel shifts (broadcast like the bias)
// instead of the immediate e.shift.
void EmitRequant(const reference::Epilogue& e, const AccRows& rows, ProgramBuilder& b,
                 std::vector<spec::Instruction>& out, const ChannelShifts* shifts = nullptr);

}  // namespace dcoc::compiler
