// The ALU steps every operator shares, emitted in one place for each target instruction set (the
// builder's isa()):
//   - accumulator initialization: a GEMM reset to zero, or a broadcast copy of bias rows over a tile
//     (VTA++: one MOV pass; stock VTA, which has no MOV: a GEMM reset and an ADD pass);
//   - the requantization epilogue: SHR by the shift (stock VTA: in steps of at most 15 right or 16 left,
//     the amounts all of VTA's designs shift alike), then one CLIP for a symmetric clamp [~hi, hi]
//     (stock VTA, which has no CLIP: MIN and MAX) or MIN / MAX for any other clamp (ReLU is MAX 0);
//   - multiplication by a constant (VTA++: MUL; stock VTA, whose hardware has no MUL: shifts and adds);
//   - filling rows with a constant (a GEMM reset, then an ADD of the constant).
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

// Applies dst = op(dst, src) with accumulator row src + g broadcast over the `count` consecutive rows
// dst + g * count, for g < groups (e.g. the shift row of each output-channel block over its tile).
void EmitBroadcast(uint32_t dst, uint32_t src, uint64_t groups, uint64_t count, ProgramBuilder& b,
                   std::vector<spec::Instruction>& out, spec::AluOp op);

// Copies accumulator row src + g over the `count` consecutive rows dst + g * count, for g < groups (the
// bias row of each output-channel block over its tile).
void EmitBroadcastCopy(uint32_t dst, uint32_t src, uint64_t groups, uint64_t count, ProgramBuilder& b,
                       std::vector<spec::Instruction>& out);

// SHR of `rows` by `amount` with the ALU's meaning (docs/semantics.md: the low LOG_ACC_WIDTH + 1 bits
// as a signed number; negative shifts left). Nothing for a zero amount.
void EmitShift(const AccRows& rows, int64_t amount, ProgramBuilder& b, std::vector<spec::Instruction>& out);

// rows = rows * m, wrapping at the accumulator width. Stock VTA multiplies with shifts and adds and
// needs `scratch`: as many rows, laid out like `rows` from base scratch (unused for VTA++, for m = 0
// and for powers of two).
void EmitMulImm(const AccRows& rows, uint32_t scratch, int32_t m, ProgramBuilder& b,
                std::vector<spec::Instruction>& out);

// Sets every element of `rows` to `value` (a 16-bit immediate): a GEMM reset, then an ADD unless 0.
void EmitFill(const AccRows& rows, int64_t value, ProgramBuilder& b, std::vector<spec::Instruction>& out);

// One ALU pass that leaves `rows` unchanged (ADD 0). Stock VTA's out buffer takes only GEMM and ALU
// results (an ACC load leaves it stale, a GEMM reset writes its sum), so rows last written otherwise
// pass through the ALU before a STORE reads them.
void EmitRefresh(const AccRows& rows, ProgramBuilder& b, std::vector<spec::Instruction>& out);

// Per-channel shift amounts resident in the accumulator: row `src + g` holds the shifts of the output
// channels of group g (a BLOCK_OUT block), for the `count` consecutive rows dst + g * count.
struct ChannelShifts {
  uint32_t src = 0;
  uint64_t groups = 0, count = 0;
};

// The requantization epilogue in place on `rows` (the bias is not part of it: it is added before).
// With `shifts`, the shift is a tensor SHR by each row's channel shifts (broadcast like the bias)
// instead of the immediate e.shift. Returns the number of instructions appended (0: the rows are
// unchanged).
size_t EmitRequant(const reference::Epilogue& e, const AccRows& rows, ProgramBuilder& b,
                   std::vector<spec::Instruction>& out, const ChannelShifts* shifts = nullptr);

}  // namespace dcoc::compiler
