#include "host/spec/vta.h"

#include <fmt/format.h>

#include "host/common/error.h"

namespace dcoc::spec {

std::string_view Name(Isa isa) { return isa == Isa::kVta ? "vta" : "vta++"; }

Isa IsaFromName(std::string_view name) {
  if (name == "vta++") return Isa::kVtaPlus;
  if (name == "vta") return Isa::kVta;
  throw UsageError(fmt::format("instruction set \"{}\" is not vta++ (the default: all of VTA++) or vta (what stock "
                               "VTA bitstreams execute)",
                               name));
}

std::vector<VtaFieldSlot> VtaFormatLayout(const Spec& s, Opcode op) {
  // hw_spec.h declares each instruction as a struct of uint64_t bit-fields: a field starts where the
  // previous one ended, unless it would cross into the next 64-bit unit, where it starts instead.
  std::vector<std::pair<Field, int>> f = {{Field::kOpcode, 3},
                                          {Field::kPopPrev, 1},
                                          {Field::kPopNext, 1},
                                          {Field::kPushPrev, 1},
                                          {Field::kPushNext, 1}};
  const int uop = s.log_uop_depth, acc = s.log_acc_depth, inp = s.log_inp_depth, wgt = s.log_wgt_depth;
  auto add = [&](std::initializer_list<std::pair<Field, int>> more) { f.insert(f.end(), more); };
  auto compute_head = [&] {
    add({{Field::kReset, 1},
         {Field::kUopBgn, uop},
         {Field::kUopEnd, uop + 1},
         {Field::kIterOut, 14},
         {Field::kIterIn, 14},
         {Field::kDstFactorOut, acc},
         {Field::kDstFactorIn, acc}});
  };
  switch (op) {
    case Opcode::kLoad:
    case Opcode::kStore:
      add({{Field::kMemoryType, 3},
           {Field::kSramBase, 16},
           {Field::kDramBase, 32},
           {Field::kYSize, 16},
           {Field::kXSize, 16},
           {Field::kXStride, 16},
           {Field::kYPad0, 4},
           {Field::kYPad1, 4},
           {Field::kXPad0, 4},
           {Field::kXPad1, 4}});
      break;
    case Opcode::kGemm:
      compute_head();
      add({{Field::kSrcFactorOut, inp}, {Field::kSrcFactorIn, inp}, {Field::kWgtFactorOut, wgt}, {Field::kWgtFactorIn, wgt}});
      break;
    case Opcode::kAlu:
      compute_head();
      add({{Field::kSrcFactorOut, acc},
           {Field::kSrcFactorIn, acc},
           {Field::kAluOpcode, 3},
           {Field::kUseImm, 1},
           {Field::kImm, 16}});
      break;
    case Opcode::kFinish: break;
  }
  std::vector<VtaFieldSlot> out;
  int next = 0;
  for (auto [field, width] : f) {
    if (next / 64 != (next + width - 1) / 64) next = (next / 64 + 1) * 64;
    out.push_back({field, next, width});
    next += width;
  }
  return out;
}

std::vector<std::string> VtaConfigProblems(const Spec& s) {
  std::vector<std::string> p;
  if (s.block_in != s.block_out)
    p.push_back(fmt::format("BLOCK_IN = {} and BLOCK_OUT = {} differ: VTA has one block size (LOG_BLOCK)", s.block_in,
                            s.block_out));
  if (s.inp_bits != 8 || s.wgt_bits != 8 || s.acc_bits != 32)
    p.push_back(fmt::format("inputs, weights and accumulators are {}, {} and {} bits: stock VTA is int8 x int8 -> int32 "
                            "(its simulator computes the ALU in int32 and its ACC_8BIT load assumes these widths)",
                            s.inp_bits, s.wgt_bits, s.acc_bits));
  if (s.uop_bytes != 4)
    p.push_back(fmt::format("the micro-op needs {} bits (dst {} + src {} + wgt {}): VTA's is 32 bits (VTA_UOP_WIDTH)",
                            s.isa.uop.dst_bits + s.isa.uop.src_bits + s.isa.uop.wgt_bits, s.isa.uop.dst_bits,
                            s.isa.uop.src_bits, s.isa.uop.wgt_bits));
  if (s.log_inp_depth != s.log_acc_depth)
    p.push_back(fmt::format("the input and accumulator buffers hold {} and {} rows: VTA's simulator gives the micro-op's "
                            "source field the accumulator's index width and its HLS design the input's, so they decode "
                            "micro-ops alike only when the depths are equal",
                            s.inp_depth, s.acc_depth));
  for (Opcode op : {Opcode::kLoad, Opcode::kGemm, Opcode::kAlu}) {
    const Format& fmt = s.isa.ForOpcode(uint8_t(op));
    std::vector<bool> used(IsaLayout::kInsnBits, false);
    for (const VtaFieldSlot& v : VtaFormatLayout(s, op)) {
      if (v.lsb + v.width > IsaLayout::kInsnBits) {
        p.push_back(fmt::format("VTA's {} field {} would end at bit {}, past the 128-bit instruction", fmt.name,
                                FieldName(v.field), v.lsb + v.width - 1));
        continue;
      }
      for (int b = v.lsb; b < v.lsb + v.width; ++b) used[size_t(b)] = true;
      const FieldSlot* d = fmt.Find(v.field);
      if (d && (d->lsb != v.lsb || d->width != v.width))
        p.push_back(fmt::format("{} field {} is [{}:{}] here, [{}:{}] in VTA's hw_spec.h", fmt.name, FieldName(v.field),
                                d->msb(), d->lsb, v.lsb + v.width - 1, v.lsb));
    }
    if (const FieldSlot* pm = fmt.Find(Field::kPadMin); pm && used[size_t(pm->lsb)])
      p.push_back(fmt::format("the pad_min bit {} falls inside one of VTA's fields", pm->lsb));
  }
  return p;
}

namespace {
bool AnyPad(const Instruction& in) { return in.y_pad_0 || in.y_pad_1 || in.x_pad_0 || in.x_pad_1; }
}  // namespace

std::optional<std::string> VtaInsnProblem(const Spec& s, const Instruction& in) {
  (void)s;
  switch (in.opcode) {
    case Opcode::kLoad:
    case Opcode::kStore: {
      if (in.memory_type == MemType::kAcc8)
        return "LOAD ACC_8BIT exists only in VTA's C++ simulator: VTA's HLS design ignores it and its Chisel design "
               "does not decode it";
      if (in.pad_min)
        return "min-value padding (pad_min) is VTA++ only: VTA has no such bit and pads with zero (pad a max-pool window "
               "with an ALU MIN over zeroed rows instead)";
      if (in.x_size == 0 || in.y_size == 0) {
        if (AnyPad(in))
          return fmt::format("a zero-size {} with padding: dcoc moves nothing, while VTA's simulator and HLS design "
                             "still write the pad rows",
                             Name(in.opcode));
        if (in.x_size != 0)
          return fmt::format("a zero-size {} must have x_size = 0 (here y_size = 0, x_size = {}): VTA's Chisel design "
                             "treats only x_size = 0 as a token-only instruction",
                             Name(in.opcode), in.x_size);
        return std::nullopt;
      }
      if (in.opcode == Opcode::kLoad && in.memory_type == MemType::kUop) {
        if (in.y_size != 1 || AnyPad(in))
          return fmt::format("a LOAD UOP must be one run without padding (here y_size = {}, pads [{},{},{},{}]): VTA's "
                             "HLS design copies x_size micro-ops and ignores y_size, x_stride and the pads",
                             in.y_size, in.y_pad_0, in.y_pad_1, in.x_pad_0, in.x_pad_1);
      }
      if (in.opcode == Opcode::kLoad && (in.memory_type == MemType::kWgt || in.memory_type == MemType::kAcc) &&
          AnyPad(in))
        return fmt::format("a padded LOAD {} (pads [{},{},{},{}]): VTA's HLS design pads only INP loads and ignores "
                           "the pad fields of WGT and ACC loads",
                           Name(in.memory_type), in.y_pad_0, in.y_pad_1, in.x_pad_0, in.x_pad_1);
      return std::nullopt;
    }
    case Opcode::kGemm:
    case Opcode::kAlu: {
      if (in.opcode == Opcode::kAlu) {
        switch (in.alu_opcode) {
          case AluOp::kClip:
            return "ALU CLIP is VTA++ only: stock VTA has MIN, MAX, ADD and SHR (clamp with a MIN and a MAX)";
          case AluOp::kMov:
            return "ALU MOV is VTA++ only: stock VTA has MIN, MAX, ADD and SHR (copy with a GEMM reset and an ADD)";
          case AluOp::kMul:
            return "ALU MUL runs only in VTA's C++ simulator: VTA's HLS design leaves the destination unchanged and its "
                   "Chisel design does not decode it (multiply by a constant with shifts and adds)";
          default: break;
        }
        if (in.reset)
          return fmt::format("ALU {} with reset: dcoc zeroes the rows, VTA ignores reset on ALU instructions and runs "
                             "the op (zero rows with a GEMM reset)",
                             Name(in.alu_opcode));
        if (in.alu_opcode == AluOp::kShr && in.use_imm && (in.imm < kVtaShrImmMin || in.imm > kVtaShrImmMax))
          return fmt::format("SHR by the immediate {}, outside [{}, {}]: VTA's HLS design shifts by the operand's low 5 "
                             "bits as a signed number, its simulator by the whole value (split the shift)",
                             in.imm, kVtaShrImmMin, kVtaShrImmMax);
        if (in.alu_opcode == AluOp::kShr && !in.use_imm && in.imm < 0)
          return fmt::format("a tensor SHR with the immediate field {} < 0: VTA's Chisel design shifts left whenever "
                             "the immediate is negative, even without use_imm",
                             in.imm);
      }
      if (in.uop_bgn >= in.uop_end || in.iter_out == 0 || in.iter_in == 0)
        return fmt::format("{} with no work (micro-ops [{}, {}), iterations {} x {}): dcoc executes nothing, VTA's Chisel "
                           "design runs its counters through the whole field range",
                           Name(in.opcode), in.uop_bgn, in.uop_end, in.iter_out, in.iter_in);
      return std::nullopt;
    }
    case Opcode::kFinish: return std::nullopt;
  }
  return std::nullopt;
}

}  // namespace dcoc::spec
