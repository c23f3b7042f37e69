#include "host/compiler/epilogue.h"

#include <algorithm>
#include <bit>

#include "host/reference/reference.h"

namespace dcoc::compiler {

using spec::AluOp;
using spec::Instruction;
using spec::Opcode;

Instruction AluInsn(AluOp op, uint32_t uop_bgn, uint32_t uop_end, uint64_t iter_out, uint64_t iter_in,
                    uint64_t dst_factor_out, uint64_t dst_factor_in, uint64_t src_factor_out, uint64_t src_factor_in,
                    std::optional<int64_t> imm) {
  Instruction in;
  in.opcode = Opcode::kAlu;
  in.alu_opcode = op;
  in.uop_bgn = uop_bgn;
  in.uop_end = uop_end;
  in.iter_out = iter_out;
  in.iter_in = iter_in;
  in.dst_factor_out = iter_out == 1 ? 0 : dst_factor_out;
  in.dst_factor_in = iter_in == 1 ? 0 : dst_factor_in;
  in.src_factor_out = iter_out == 1 ? 0 : src_factor_out;
  in.src_factor_in = iter_in == 1 ? 0 : src_factor_in;
  in.use_imm = imm.has_value();
  in.imm = imm.value_or(0);
  return in;
}

namespace {

// `op` with an immediate over `rows` in place.
void ImmOp(AluOp op, int64_t imm, const AccRows& rows, ProgramBuilder& b, std::vector<Instruction>& out) {
  const uint32_t u = b.Uops({spec::Uop{rows.base, rows.base, 0}}, out);
  out.push_back(AluInsn(op, u, u + 1, rows.iter_out, rows.iter_in, rows.factor_out, rows.factor_in, rows.factor_out,
                        rows.factor_in, imm));
}

// dst = op(dst, src) row by row over two blocks laid out alike.
void TensorOp(AluOp op, const AccRows& dst, uint32_t src, ProgramBuilder& b, std::vector<Instruction>& out) {
  const uint32_t u = b.Uops({spec::Uop{dst.base, src, 0}}, out);
  out.push_back(AluInsn(op, u, u + 1, dst.iter_out, dst.iter_in, dst.factor_out, dst.factor_in, dst.factor_out,
                        dst.factor_in, std::nullopt));
}

bool Vta(const ProgramBuilder& b) { return b.isa() == spec::Isa::kVta; }

}  // namespace

void EmitReset(const AccRows& rows, ProgramBuilder& b, std::vector<Instruction>& out) {
  const uint32_t u = b.Uops({spec::Uop{rows.base, 0, 0}}, out);
  Instruction rst;
  rst.opcode = Opcode::kGemm;
  rst.reset = true;
  rst.uop_bgn = u;
  rst.uop_end = u + 1;
  rst.iter_out = rows.iter_out;
  rst.iter_in = rows.iter_in;
  rst.dst_factor_out = rows.iter_out == 1 ? 0 : rows.factor_out;
  rst.dst_factor_in = rows.iter_in == 1 ? 0 : rows.factor_in;
  out.push_back(rst);
}

void EmitBroadcast(uint32_t dst, uint32_t src, uint64_t groups, uint64_t count, ProgramBuilder& b,
                   std::vector<Instruction>& out, AluOp op) {
  // One instruction: the outer loop walks the groups (dst by count rows, src by one), the inner loop the
  // rows of a group (dst by one, src fixed). A tensor MOV reads only its source: one row per cycle.
  const uint32_t u = b.Uops({spec::Uop{dst, src, 0}}, out);
  out.push_back(AluInsn(op, u, u + 1, groups, count, count, 1, 1, 0, std::nullopt));
}

void EmitBroadcastCopy(uint32_t dst, uint32_t src, uint64_t groups, uint64_t count, ProgramBuilder& b,
                       std::vector<Instruction>& out) {
  if (!Vta(b)) return EmitBroadcast(dst, src, groups, count, b, out, AluOp::kMov);
  EmitReset(AccRows{dst, groups, count, count, 1}, b, out);
  EmitBroadcast(dst, src, groups, count, b, out, AluOp::kAdd);
}

void EmitShift(const AccRows& rows, int64_t amount, ProgramBuilder& b, std::vector<Instruction>& out) {
  if (amount == 0) return;
  if (!Vta(b)) return ImmOp(AluOp::kShr, amount, rows, b, out);
  // The ALU shifts by k, the low LOG_ACC_WIDTH + 1 bits of the amount as a signed number: right by
  // min(k, ACC_WIDTH - 1), or left by -k (to 0 from ACC_WIDTH on). Both compose: (x >> a) >> c is
  // x >> (a + c), and (x << a) << c is x << (a + c) wrapped, so k is split into steps VTA shifts alike.
  const int64_t k = reference::Wrap(amount, b.spec().config.log_acc_width + 1);
  for (int64_t left = k; left != 0;) {
    const int64_t step = left > 0 ? std::min(left, spec::kVtaShrImmMax) : std::max(left, spec::kVtaShrImmMin);
    ImmOp(AluOp::kShr, step, rows, b, out);
    left -= step;
  }
}

void EmitMulImm(const AccRows& rows, uint32_t scratch, int32_t m, ProgramBuilder& b, std::vector<Instruction>& out) {
  if (m == 1) return;
  if (!Vta(b)) return ImmOp(AluOp::kMul, m, rows, b, out);
  // Horner over the bits of m as an ACC_WIDTH-bit pattern (wrapping makes a negative m its two's
  // complement): r = x for the top set bit, then for each lower bit r = (r << 1) + (bit ? x : 0), the
  // shifts between set bits merged. x lives in `scratch` once r starts changing.
  const int bits = b.spec().acc_bits;
  const uint64_t u = uint64_t(int64_t(m)) & (bits >= 64 ? ~0ULL : (1ULL << bits) - 1);
  const AccRows x{scratch, rows.iter_out, rows.iter_in, rows.factor_out, rows.factor_in};
  if (u == 0) return EmitShift(rows, -bits, b, out);  // x << ACC_WIDTH is 0
  int top = bits - 1;
  while (!((u >> top) & 1)) --top;
  if (std::popcount(u) > 1) {
    EmitReset(x, b, out);
    TensorOp(AluOp::kAdd, x, rows.base, b, out);
  }
  int pending = 0;
  for (int bit = top - 1; bit >= 0; --bit) {
    ++pending;
    if ((u >> bit) & 1) {
      EmitShift(rows, -pending, b, out);
      TensorOp(AluOp::kAdd, rows, x.base, b, out);
      pending = 0;
    }
  }
  EmitShift(rows, -pending, b, out);
}

void EmitFill(const AccRows& rows, int64_t value, ProgramBuilder& b, std::vector<Instruction>& out) {
  EmitReset(rows, b, out);
  if (value != 0) ImmOp(AluOp::kAdd, value, rows, b, out);
}

void EmitRefresh(const AccRows& rows, ProgramBuilder& b, std::vector<Instruction>& out) {
  ImmOp(AluOp::kAdd, 0, rows, b, out);
}

size_t EmitRequant(const reference::Epilogue& e, const AccRows& rows, ProgramBuilder& b, std::vector<Instruction>& out,
                   const ChannelShifts* shifts) {
  const size_t before = out.size();
  if (shifts)
    EmitBroadcast(rows.base, shifts->src, shifts->groups, shifts->count, b, out, AluOp::kShr);
  else
    EmitShift(rows, e.shift, b, out);
  if (e.clip_hi && e.clip_lo && *e.clip_lo == ~*e.clip_hi && !Vta(b)) {
    ImmOp(AluOp::kClip, *e.clip_hi, rows, b, out);  // a symmetric clamp [~hi, hi] in one pass
  } else {
    if (e.clip_hi) ImmOp(AluOp::kMin, *e.clip_hi, rows, b, out);
    if (e.clip_lo) ImmOp(AluOp::kMax, *e.clip_lo, rows, b, out);
  }
  return out.size() - before;
}

}  // namespace dcoc::compiler
