#include "host/spec/isa.h"

#include <array>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "host/common/error.h"

namespace dcoc::spec {

namespace {
constexpr std::array<std::string_view, 5> kOpcodeNames = {"LOAD", "STORE", "GEMM", "FINISH", "ALU"};
constexpr std::array<std::string_view, kNumMemTypes> kMemTypeNames = {"UOP", "WGT", "INP", "ACC", "OUT", "ACC_8BIT"};
constexpr std::array<std::string_view, kNumAluOps> kAluNames = {"MIN", "MAX", "ADD", "SHR", "MUL", "CLIP", "MOV"};

uint64_t Mask(int width) { return width >= 64 ? ~0ULL : ((1ULL << width) - 1); }

template <size_t N>
std::optional<uint8_t> IndexOf(const std::array<std::string_view, N>& names, std::string_view name) {
  for (size_t i = 0; i < N; ++i)
    if (names[i] == name) return uint8_t(i);
  return std::nullopt;
}
}  // namespace

std::string_view Name(Opcode op) { return kOpcodeNames.at(size_t(op)); }
std::string_view Name(MemType m) { return kMemTypeNames.at(size_t(m)); }
std::string_view Name(AluOp op) { return kAluNames.at(size_t(op)); }
std::optional<AluOp> AluOpFromName(std::string_view name) {
  auto i = IndexOf(kAluNames, name);
  return i ? std::optional(AluOp(*i)) : std::nullopt;
}
std::optional<MemType> MemTypeFromName(std::string_view name) {
  auto i = IndexOf(kMemTypeNames, name);
  return i ? std::optional(MemType(*i)) : std::nullopt;
}

uint64_t Word128::Get(int lsb, int width) const {
  if (width == 0) return 0;
  uint64_t v;
  if (lsb >= 64) {
    v = hi >> (lsb - 64);
  } else {
    v = lo >> lsb;
    if (lsb + width > 64) v |= hi << (64 - lsb);
  }
  return v & Mask(width);
}

void Word128::Set(int lsb, int width, uint64_t value) {
  if (width == 0) return;
  value &= Mask(width);
  if (lsb >= 64) {
    hi = (hi & ~(Mask(width) << (lsb - 64))) | (value << (lsb - 64));
    return;
  }
  lo = (lo & ~(Mask(width) << lsb)) | (value << lsb);
  if (lsb + width > 64) {
    const int hi_bits = lsb + width - 64;
    hi = (hi & ~Mask(hi_bits)) | (value >> (64 - lsb));
  }
}

uint64_t GetField(const Instruction& i, Field f) {
  switch (f) {
    case Field::kOpcode: return uint64_t(i.opcode);
    case Field::kPopPrev: return i.pop_prev;
    case Field::kPopNext: return i.pop_next;
    case Field::kPushPrev: return i.push_prev;
    case Field::kPushNext: return i.push_next;
    case Field::kMemoryType: return uint64_t(i.memory_type);
    case Field::kSramBase: return i.sram_base;
    case Field::kDramBase: return i.dram_base;
    case Field::kPadMin: return i.pad_min;
    case Field::kYSize: return i.y_size;
    case Field::kXSize: return i.x_size;
    case Field::kXStride: return i.x_stride;
    case Field::kYPad0: return i.y_pad_0;
    case Field::kYPad1: return i.y_pad_1;
    case Field::kXPad0: return i.x_pad_0;
    case Field::kXPad1: return i.x_pad_1;
    case Field::kReset: return i.reset;
    case Field::kUopBgn: return i.uop_bgn;
    case Field::kUopEnd: return i.uop_end;
    case Field::kIterOut: return i.iter_out;
    case Field::kIterIn: return i.iter_in;
    case Field::kDstFactorOut: return i.dst_factor_out;
    case Field::kDstFactorIn: return i.dst_factor_in;
    case Field::kSrcFactorOut: return i.src_factor_out;
    case Field::kSrcFactorIn: return i.src_factor_in;
    case Field::kWgtFactorOut: return i.wgt_factor_out;
    case Field::kWgtFactorIn: return i.wgt_factor_in;
    case Field::kAluOpcode: return uint64_t(i.alu_opcode);
    case Field::kUseImm: return i.use_imm;
    case Field::kImm: return uint64_t(i.imm);
  }
  return 0;
}

void SetField(Instruction& i, Field f, uint64_t raw, int width) {
  switch (f) {
    case Field::kOpcode: i.opcode = Opcode(raw); return;
    case Field::kPopPrev: i.pop_prev = raw != 0; return;
    case Field::kPopNext: i.pop_next = raw != 0; return;
    case Field::kPushPrev: i.push_prev = raw != 0; return;
    case Field::kPushNext: i.push_next = raw != 0; return;
    case Field::kMemoryType: i.memory_type = MemType(raw); return;
    case Field::kSramBase: i.sram_base = raw; return;
    case Field::kDramBase: i.dram_base = raw; return;
    case Field::kPadMin: i.pad_min = raw != 0; return;
    case Field::kYSize: i.y_size = raw; return;
    case Field::kXSize: i.x_size = raw; return;
    case Field::kXStride: i.x_stride = raw; return;
    case Field::kYPad0: i.y_pad_0 = raw; return;
    case Field::kYPad1: i.y_pad_1 = raw; return;
    case Field::kXPad0: i.x_pad_0 = raw; return;
    case Field::kXPad1: i.x_pad_1 = raw; return;
    case Field::kReset: i.reset = raw != 0; return;
    case Field::kUopBgn: i.uop_bgn = raw; return;
    case Field::kUopEnd: i.uop_end = raw; return;
    case Field::kIterOut: i.iter_out = raw; return;
    case Field::kIterIn: i.iter_in = raw; return;
    case Field::kDstFactorOut: i.dst_factor_out = raw; return;
    case Field::kDstFactorIn: i.dst_factor_in = raw; return;
    case Field::kSrcFactorOut: i.src_factor_out = raw; return;
    case Field::kSrcFactorIn: i.src_factor_in = raw; return;
    case Field::kWgtFactorOut: i.wgt_factor_out = raw; return;
    case Field::kWgtFactorIn: i.wgt_factor_in = raw; return;
    case Field::kAluOpcode: i.alu_opcode = AluOp(raw); return;
    case Field::kUseImm: i.use_imm = raw != 0; return;
    case Field::kImm: {  // sign-extend from the field width
      const uint64_t sign = 1ULL << (width - 1);
      i.imm = int64_t((raw ^ sign) - sign);
      return;
    }
  }
}

namespace {
// Every field that is not part of the instruction's format must be zero in the decoded form, so a
// value set on the wrong format is reported instead of silently dropped.
void CheckUnusedFieldsZero(const Format& fmt, const Instruction& insn) {
  for (int f = 0; f <= int(Field::kImm); ++f) {
    const Field field = Field(f);
    if (fmt.Find(field) == nullptr && GetField(insn, field) != 0) {
      throw EncodeError(fmt::format("{} instruction has no field {} (value {})", fmt.name, FieldName(field),
                                    GetField(insn, field)));
    }
  }
}
}  // namespace

Word128 Encode(const IsaLayout& layout, const Instruction& insn) {
  const Format& fmt = layout.ForOpcode(uint8_t(insn.opcode));
  CheckUnusedFieldsZero(fmt, insn);
  if (insn.IsMemory() && uint8_t(insn.memory_type) >= kNumMemTypes)
    throw EncodeError(
        fmt::format("memory_type {} is not a memory type (UOP=0 .. ACC_8BIT=5)", uint64_t(insn.memory_type)));
  if (insn.opcode == Opcode::kAlu && uint8_t(insn.alu_opcode) >= kNumAluOps)
    throw EncodeError(fmt::format("alu_opcode {} is not an ALU op (MIN=0 .. MOV=6)", uint64_t(insn.alu_opcode)));
  Word128 w;
  for (const FieldSlot& s : fmt.fields) {
    const uint64_t raw = GetField(insn, s.field);
    if (s.is_signed) {
      const int64_t lo = -(int64_t(1) << (s.width - 1)), hi = (int64_t(1) << (s.width - 1)) - 1;
      if (insn.imm < lo || insn.imm > hi)
        throw EncodeError(fmt::format("{} field {} = {} does not fit in {} signed bits ({}..{})", fmt.name,
                                      FieldName(s.field), insn.imm, s.width, lo, hi));
    } else if (raw > Mask(s.width)) {
      throw EncodeError(fmt::format("{} field {} = {} does not fit in {} bits (max {})", fmt.name,
                                    FieldName(s.field), raw, s.width, Mask(s.width)));
    }
    w.Set(s.lsb, s.width, raw);
  }
  return w;
}

Instruction Decode(const IsaLayout& layout, const Word128& word) {
  const uint8_t opcode = uint8_t(word.Get(0, IsaLayout::kOpcodeBits));
  const Format& fmt = layout.ForOpcode(opcode);
  Instruction insn;
  for (const FieldSlot& s : fmt.fields) SetField(insn, s.field, word.Get(s.lsb, s.width), s.width);
  if (insn.IsMemory() && uint8_t(insn.memory_type) >= kNumMemTypes)
    throw EncodeError(fmt::format("{}: memory_type {} is not a memory type (UOP=0, WGT=1, INP=2, ACC=3, OUT=4, ACC_8BIT=5)",
                                  Name(insn.opcode), uint64_t(insn.memory_type)));
  if (insn.opcode == Opcode::kAlu && uint8_t(insn.alu_opcode) >= kNumAluOps)
    throw EncodeError(fmt::format("ALU: alu_opcode {} is not an ALU op (MIN=0, MAX=1, ADD=2, SHR=3, MUL=4, CLIP=5, MOV=6)",
                                  uint64_t(insn.alu_opcode)));
  for (auto [b, e] : fmt.ReservedRanges()) {
    if (word.Get(b, e - b + 1) != 0)
      throw EncodeError(fmt::format("{}: reserved bits [{}:{}] are not zero", fmt.name, e, b));
  }
  return insn;
}

uint64_t EncodeUop(const UopLayout& l, const Uop& u) {
  auto check = [](std::string_view name, uint32_t v, int bits) {
    if (v > Mask(bits))
      throw EncodeError(fmt::format("micro-op field {} = {} does not fit in {} bits (max {})", name, v, bits, Mask(bits)));
  };
  check("dst", u.dst, l.dst_bits);
  check("src", u.src, l.src_bits);
  check("wgt", u.wgt, l.wgt_bits);
  return uint64_t(u.dst) | (uint64_t(u.src) << l.dst_bits) | (uint64_t(u.wgt) << (l.dst_bits + l.src_bits));
}

Uop DecodeUop(const UopLayout& l, uint64_t w) {
  Uop u;
  u.dst = uint32_t(w & Mask(l.dst_bits));
  u.src = uint32_t((w >> l.dst_bits) & Mask(l.src_bits));
  u.wgt = uint32_t((w >> (l.dst_bits + l.src_bits)) & Mask(l.wgt_bits));
  return u;
}

std::vector<uint8_t> EncodeStream(const IsaLayout& layout, std::span<const Instruction> insns) {
  std::vector<uint8_t> out(insns.size() * 16);
  for (size_t n = 0; n < insns.size(); ++n) {
    Word128 w;
    try {
      w = Encode(layout, insns[n]);
    } catch (const EncodeError& e) {
      throw EncodeError(fmt::format("instruction {}: {}", n, e.what()));
    }
    for (int b = 0; b < 8; ++b) {
      out[n * 16 + size_t(b)] = uint8_t(w.lo >> (8 * b));
      out[n * 16 + 8 + size_t(b)] = uint8_t(w.hi >> (8 * b));
    }
  }
  return out;
}

std::vector<Instruction> DecodeStream(const IsaLayout& layout, std::span<const uint8_t> bytes) {
  if (bytes.size() % 16 != 0)
    throw FormatError(fmt::format("instruction stream of {} bytes is not a whole number of 16-byte instructions "
                                  "({} trailing bytes)",
                                  bytes.size(), bytes.size() % 16));
  std::vector<Instruction> out;
  out.reserve(bytes.size() / 16);
  for (size_t n = 0; n < bytes.size() / 16; ++n) {
    Word128 w;
    for (int b = 0; b < 8; ++b) {
      w.lo |= uint64_t(bytes[n * 16 + size_t(b)]) << (8 * b);
      w.hi |= uint64_t(bytes[n * 16 + 8 + size_t(b)]) << (8 * b);
    }
    try {
      out.push_back(Decode(layout, w));
    } catch (const EncodeError& e) {
      throw FormatError(fmt::format("instruction {} (byte offset {}): {}", n, n * 16, e.what()));
    }
  }
  return out;
}

nlohmann::ordered_json ToJson(const IsaLayout& layout, const Instruction& insn) {
  const Format& fmt = layout.ForOpcode(uint8_t(insn.opcode));
  nlohmann::ordered_json j;
  for (const FieldSlot& s : fmt.fields) {
    const std::string key(FieldName(s.field));
    switch (s.field) {
      case Field::kOpcode: j[key] = Name(insn.opcode); break;
      case Field::kMemoryType: j[key] = Name(insn.memory_type); break;
      case Field::kAluOpcode: j[key] = Name(insn.alu_opcode); break;
      case Field::kImm: j[key] = insn.imm; break;
      default: j[key] = GetField(insn, s.field);
    }
  }
  return j;
}

std::string Disassemble(const IsaLayout& layout, const Instruction& i) {
  std::string deps;
  if (i.pop_prev) deps += " pop_prev";
  if (i.pop_next) deps += " pop_next";
  if (i.push_prev) deps += " push_prev";
  if (i.push_next) deps += " push_next";
  (void)layout;
  switch (i.opcode) {
    case Opcode::kLoad:
    case Opcode::kStore:
      return fmt::format("{:<6} {:<3} sram={} dram={} y={} x={} stride={} pad=[{},{},{},{}]{}{}", Name(i.opcode),
                         Name(i.memory_type), i.sram_base, i.dram_base, i.y_size, i.x_size, i.x_stride, i.y_pad_0,
                         i.y_pad_1, i.x_pad_0, i.x_pad_1, i.pad_min ? " pad=min" : "", deps);
    case Opcode::kGemm:
      return fmt::format("GEMM   {}uop=[{},{}) iter={}x{} dst=({},{}) src=({},{}) wgt=({},{}){}",
                         i.reset ? "reset " : "", i.uop_bgn, i.uop_end, i.iter_out, i.iter_in, i.dst_factor_out,
                         i.dst_factor_in, i.src_factor_out, i.src_factor_in, i.wgt_factor_out, i.wgt_factor_in, deps);
    case Opcode::kAlu:
      return fmt::format("ALU    {:<4} {}uop=[{},{}) iter={}x{} dst=({},{}) src=({},{}) {}{}", Name(i.alu_opcode),
                         i.reset ? "reset " : "", i.uop_bgn, i.uop_end, i.iter_out, i.iter_in, i.dst_factor_out,
                         i.dst_factor_in, i.src_factor_out, i.src_factor_in,
                         i.use_imm ? fmt::format("imm={}", i.imm) : std::string("tensor"), deps);
    case Opcode::kFinish: return fmt::format("FINISH{}", deps);
  }
  return "?";
}

}  // namespace dcoc::spec
