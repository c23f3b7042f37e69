#include "host/compiler/epilogue.h"

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

void EmitRequant(const reference::Epilogue& e, const AccRows& rows, ProgramBuilder& b, std::vector<Instruction>& out,
                 const ChannelShifts* shifts) {
  auto imm_op = [&](AluOp op, int64_t imm) {
    const uint32_t u = b.Uops({spec::Uop{rows.base, rows.base, 0}}, out);
    out.push_back(AluInsn(op, u, u + 1, rows.iter_out, rows.iter_in, rows.factor_out, rows.factor_in, rows.factor_out,
                          rows.factor_in, imm));
  };
  if (shifts)
    EmitBroadcast(rows.base, shifts->src, shifts->groups, shifts->count, b, out, AluOp::kShr);
  else if (e.shift != 0)
    imm_op(AluOp::kShr, e.shift);
  if (e.clip_hi && e.clip_lo && *e.clip_lo == ~*e.clip_hi) {
    imm_op(AluOp::kClip, *e.clip_hi);  // a symmetric clamp [~hi, hi] in one pass
  } else {
    if (e.clip_hi) imm_op(AluOp::kMin, *e.clip_hi);
    if (e.clip_lo) imm_op(AluOp::kMax, *e.clip_lo);
  }
}

}  // namespace dcoc::compiler
