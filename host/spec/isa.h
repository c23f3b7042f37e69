// VTA++ instructions and micro-ops: the decoded form, and encode/decode against an IsaLayout.
// Encoding uses explicit shifts and masks from the layout table: no bitfields, no type punning.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "host/spec/isa_layout.h"

namespace dcoc::spec {

enum class Opcode : uint8_t { kLoad = 0, kStore = 1, kGemm = 2, kFinish = 3, kAlu = 4 };
// kAcc8 is VTA's VTA_MEM_ID_ACC_8BIT: rows of BATCH x BLOCK_OUT 8-bit values in DRAM, sign-extended into
// accumulator rows by the compute module.
enum class MemType : uint8_t { kUop = 0, kWgt = 1, kInp = 2, kAcc = 3, kOut = 4, kAcc8 = 5 };
enum class AluOp : uint8_t { kMin = 0, kMax = 1, kAdd = 2, kShr = 3, kMul = 4, kClip = 5, kMov = 6 };
constexpr int kNumAluOps = 7;
constexpr int kNumMemTypes = 6;

std::string_view Name(Opcode op);
std::string_view Name(MemType m);
std::string_view Name(AluOp op);
std::optional<AluOp> AluOpFromName(std::string_view name);
std::optional<MemType> MemTypeFromName(std::string_view name);

// One 128-bit instruction word, little-endian: bits 0..63 in lo, 64..127 in hi.
struct Word128 {
  uint64_t lo = 0, hi = 0;
  uint64_t Get(int lsb, int width) const;
  void Set(int lsb, int width, uint64_t value);
  bool operator==(const Word128&) const = default;
};

// The decoded instruction: the union of all formats' fields, named as in DESIGN.md.
struct Instruction {
  Opcode opcode = Opcode::kFinish;
  bool pop_prev = false, pop_next = false, push_prev = false, push_next = false;
  // LOAD / STORE (sizes, strides and pads in rows of the memory type)
  MemType memory_type = MemType::kUop;
  uint64_t sram_base = 0, dram_base = 0;
  bool pad_min = false;  // pad with the element type's minimum instead of zero (max-pool)
  uint64_t y_size = 0, x_size = 0, x_stride = 0;
  uint64_t y_pad_0 = 0, y_pad_1 = 0, x_pad_0 = 0, x_pad_1 = 0;
  // GEMM / ALU
  bool reset = false;
  uint64_t uop_bgn = 0, uop_end = 0, iter_out = 0, iter_in = 0;
  uint64_t dst_factor_out = 0, dst_factor_in = 0, src_factor_out = 0, src_factor_in = 0;
  uint64_t wgt_factor_out = 0, wgt_factor_in = 0;
  AluOp alu_opcode = AluOp::kMin;
  bool use_imm = false;
  int64_t imm = 0;

  bool IsMemory() const { return opcode == Opcode::kLoad || opcode == Opcode::kStore; }
  bool operator==(const Instruction&) const = default;
};

// Raw (unsigned, two's complement for imm) access to any field by its enum.
uint64_t GetField(const Instruction& insn, Field f);
void SetField(Instruction& insn, Field f, uint64_t raw, int width);

struct Uop {
  uint32_t dst = 0, src = 0, wgt = 0;  // accumulator row, input (GEMM) or accumulator (ALU) row, weight row
  bool operator==(const Uop&) const = default;
};

// Throws EncodeError naming the format, the field, the value and its bit width.
Word128 Encode(const IsaLayout& layout, const Instruction& insn);
// Throws EncodeError on an unknown opcode, memory type or ALU opcode, or non-zero reserved bits.
Instruction Decode(const IsaLayout& layout, const Word128& word);

uint64_t EncodeUop(const UopLayout& layout, const Uop& uop);
Uop DecodeUop(const UopLayout& layout, uint64_t word);

// Instruction streams as raw little-endian 128-bit words (VTA's runtime format).
std::vector<uint8_t> EncodeStream(const IsaLayout& layout, std::span<const Instruction> insns);
// Errors name the instruction index and byte offset.
std::vector<Instruction> DecodeStream(const IsaLayout& layout, std::span<const uint8_t> bytes);

// One line of assembly, e.g. "GEMM reset=0 uop=[0,4) iter=2x3 ...", and the JSON object (DESIGN.md's
// field names) the disassembler prints.
std::string Disassemble(const IsaLayout& layout, const Instruction& insn);

}  // namespace dcoc::spec

#include <nlohmann/json_fwd.hpp>

namespace dcoc::spec {
// {"opcode":"GEMM", "pop_prev":0, ...}: the fields of the instruction's own format, in layout order.
nlohmann::ordered_json ToJson(const IsaLayout& layout, const Instruction& insn);
}  // namespace dcoc::spec
