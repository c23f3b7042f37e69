// The bit layout of every instruction format and of the micro-op, derived from a configuration.
// One table drives encode, decode, the disassembler, docs/isa.md and the generated SV package.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace dcoc::spec {

// Every named field of any instruction format.
enum class Field : uint8_t {
  kOpcode, kPopPrev, kPopNext, kPushPrev, kPushNext,
  // LOAD / STORE
  kMemoryType, kSramBase, kDramBase, kPadMin, kYSize, kXSize, kXStride, kYPad0, kYPad1, kXPad0, kXPad1,
  // GEMM / ALU
  kReset, kUopBgn, kUopEnd, kIterOut, kIterIn, kDstFactorOut, kDstFactorIn, kSrcFactorOut,
  kSrcFactorIn, kWgtFactorOut, kWgtFactorIn, kAluOpcode, kUseImm, kImm,
};
std::string_view FieldName(Field f);

struct FieldSlot {
  Field field;
  int lsb;
  int width;
  bool is_signed;
  int msb() const { return lsb + width - 1; }
};

struct Format {
  std::string_view name;  // "MEM", "GEMM", "ALU", "FINISH"
  std::vector<FieldSlot> fields;
  const FieldSlot* Find(Field f) const;
  // Bits of the 128-bit word that no field covers (must be zero in a valid word).
  std::vector<std::pair<int, int>> ReservedRanges() const;
};

struct UopLayout {
  int dst_bits, src_bits, wgt_bits;  // dst at bit 0, then src, then wgt
  int word_bits;                     // 32 or 64: the micro-op's size in DRAM and in the buffer
};

// Widths that shape the layout; computed by Spec from the configuration.
struct IsaWidths {
  int log_uop_depth, log_inp_depth, log_wgt_depth, log_acc_depth, log_out_depth;
};

struct IsaLayout {
  static constexpr int kInsnBits = 128;
  static constexpr int kOpcodeBits = 3;
  static constexpr int kMemTypeBits = 3;
  static constexpr int kDramAddrBits = 32;
  static constexpr int kSizeBits = 16;
  static constexpr int kPadBits = 4;
  static constexpr int kLoopIterBits = 14;
  static constexpr int kAluOpcodeBits = 3;
  static constexpr int kImmBits = 16;

  Format mem, gemm, alu, finish;
  UopLayout uop;

  // Lays the formats out; throws ConfigError naming the field and the bits it would need when a
  // format does not fit 128 bits (or the micro-op 64 bits).
  static IsaLayout Build(const IsaWidths& w);
  const Format& ForOpcode(uint8_t opcode) const;
  int FieldWidth(Field f) const;  // width in whichever format holds f
};

}  // namespace dcoc::spec
