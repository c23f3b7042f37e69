#include "host/spec/isa_layout.h"

#include <algorithm>

#include <fmt/format.h>

#include "host/common/error.h"

namespace dcoc::spec {

std::string_view FieldName(Field f) {
  switch (f) {
    case Field::kOpcode: return "opcode";
    case Field::kPopPrev: return "pop_prev";
    case Field::kPopNext: return "pop_next";
    case Field::kPushPrev: return "push_prev";
    case Field::kPushNext: return "push_next";
    case Field::kMemoryType: return "memory_type";
    case Field::kSramBase: return "sram_base";
    case Field::kDramBase: return "dram_base";
    case Field::kPadMin: return "pad_min";
    case Field::kYSize: return "y_size";
    case Field::kXSize: return "x_size";
    case Field::kXStride: return "x_stride";
    case Field::kYPad0: return "y_pad_0";
    case Field::kYPad1: return "y_pad_1";
    case Field::kXPad0: return "x_pad_0";
    case Field::kXPad1: return "x_pad_1";
    case Field::kReset: return "reset";
    case Field::kUopBgn: return "uop_bgn";
    case Field::kUopEnd: return "uop_end";
    case Field::kIterOut: return "iter_out";
    case Field::kIterIn: return "iter_in";
    case Field::kDstFactorOut: return "dst_factor_out";
    case Field::kDstFactorIn: return "dst_factor_in";
    case Field::kSrcFactorOut: return "src_factor_out";
    case Field::kSrcFactorIn: return "src_factor_in";
    case Field::kWgtFactorOut: return "wgt_factor_out";
    case Field::kWgtFactorIn: return "wgt_factor_in";
    case Field::kAluOpcode: return "alu_opcode";
    case Field::kUseImm: return "use_imm";
    case Field::kImm: return "imm";
  }
  return "?";
}

const FieldSlot* Format::Find(Field f) const {
  auto it = std::find_if(fields.begin(), fields.end(), [f](const FieldSlot& s) { return s.field == f; });
  return it == fields.end() ? nullptr : &*it;
}

std::vector<std::pair<int, int>> Format::ReservedRanges() const {
  std::vector<bool> used(IsaLayout::kInsnBits, false);
  for (const auto& s : fields)
    for (int b = s.lsb; b <= s.msb(); ++b) used[size_t(b)] = true;
  std::vector<std::pair<int, int>> out;
  for (int b = 0; b < IsaLayout::kInsnBits; ++b) {
    if (used[size_t(b)]) continue;
    int e = b;
    while (e + 1 < IsaLayout::kInsnBits && !used[size_t(e + 1)]) ++e;
    out.emplace_back(b, e);
    b = e;
  }
  return out;
}

namespace {

// Packs fields in order, as C bit-fields in 64-bit units do (which is how VTA's layout arises):
// a field that would straddle bit 64 starts at bit 64 instead.
class Packer {
 public:
  explicit Packer(std::string_view format) { fmt_.name = format; }

  Packer& Add(Field f, int width, bool is_signed = false) {
    int lsb = next_;
    if (lsb < 64 && lsb + width > 64) lsb = 64;
    if (lsb + width > IsaLayout::kInsnBits) {
      throw ConfigError(fmt::format(
          "configuration not encodable: {} field {} needs {} bits at [{}:{}], past the {}-bit "
          "instruction; shrink a scratchpad (field widths follow the buffer depths)",
          fmt_.name, FieldName(f), width, lsb + width - 1, lsb, IsaLayout::kInsnBits));
    }
    fmt_.fields.push_back({f, lsb, width, is_signed});
    next_ = lsb + width;
    return *this;
  }
  Packer& Header() {
    return Add(Field::kOpcode, IsaLayout::kOpcodeBits)
        .Add(Field::kPopPrev, 1).Add(Field::kPopNext, 1).Add(Field::kPushPrev, 1).Add(Field::kPushNext, 1);
  }
  Packer& SkipTo(int bit) {
    next_ = std::max(next_, bit);
    return *this;
  }
  Format Done() { return std::move(fmt_); }

 private:
  Format fmt_;
  int next_ = 0;
};

}  // namespace

IsaLayout IsaLayout::Build(const IsaWidths& w) {
  IsaLayout l;
  // sram_base addresses every buffer; VTA fixes it at 16 bits, deeper buffers widen it.
  const int sram_bits = std::max({16, w.log_uop_depth, w.log_inp_depth, w.log_wgt_depth, w.log_acc_depth,
                                  w.log_out_depth});
  l.mem = Packer("MEM")
              .Header()
              .Add(Field::kMemoryType, kMemTypeBits)
              .Add(Field::kSramBase, sram_bits)
              .Add(Field::kDramBase, kDramAddrBits)
              .Add(Field::kPadMin, 1)
              .SkipTo(64)
              .Add(Field::kYSize, kSizeBits)
              .Add(Field::kXSize, kSizeBits)
              .Add(Field::kXStride, kSizeBits)
              .Add(Field::kYPad0, kPadBits)
              .Add(Field::kYPad1, kPadBits)
              .Add(Field::kXPad0, kPadBits)
              .Add(Field::kXPad1, kPadBits)
              .Done();

  auto compute_head = [&](std::string_view name) {
    Packer p(name);
    p.Header()
        .Add(Field::kReset, 1)
        .Add(Field::kUopBgn, w.log_uop_depth)
        .Add(Field::kUopEnd, w.log_uop_depth + 1)
        .Add(Field::kIterOut, kLoopIterBits)
        .Add(Field::kIterIn, kLoopIterBits)
        .SkipTo(64)
        .Add(Field::kDstFactorOut, w.log_acc_depth)
        .Add(Field::kDstFactorIn, w.log_acc_depth);
    return p;
  };
  l.gemm = compute_head("GEMM")
               .Add(Field::kSrcFactorOut, w.log_inp_depth)
               .Add(Field::kSrcFactorIn, w.log_inp_depth)
               .Add(Field::kWgtFactorOut, w.log_wgt_depth)
               .Add(Field::kWgtFactorIn, w.log_wgt_depth)
               .Done();
  // The ALU's source is an accumulator row, so its factors are as wide as the accumulator depth.
  l.alu = compute_head("ALU")
              .Add(Field::kSrcFactorOut, w.log_acc_depth)
              .Add(Field::kSrcFactorIn, w.log_acc_depth)
              .Add(Field::kAluOpcode, kAluOpcodeBits)
              .Add(Field::kUseImm, 1)
              .Add(Field::kImm, kImmBits, /*is_signed=*/true)
              .Done();
  l.finish = Packer("FINISH").Header().Done();

  l.uop.dst_bits = w.log_acc_depth;
  l.uop.src_bits = std::max(w.log_inp_depth, w.log_acc_depth);  // GEMM: input row; ALU: accumulator row
  l.uop.wgt_bits = w.log_wgt_depth;
  const int uop_sum = l.uop.dst_bits + l.uop.src_bits + l.uop.wgt_bits;
  if (uop_sum > 64) {
    throw ConfigError(fmt::format("configuration not encodable: the micro-op needs {} bits (dst {} + src {} + wgt {}), "
                                  "more than 64",
                                  uop_sum, l.uop.dst_bits, l.uop.src_bits, l.uop.wgt_bits));
  }
  l.uop.word_bits = uop_sum <= 32 ? 32 : 64;
  return l;
}

const Format& IsaLayout::ForOpcode(uint8_t opcode) const {
  switch (opcode) {
    case 0:
    case 1: return mem;
    case 2: return gemm;
    case 3: return finish;
    case 4: return alu;
    default: throw EncodeError(fmt::format("opcode {} is not an instruction (LOAD=0, STORE=1, GEMM=2, FINISH=3, ALU=4)", opcode));
  }
}

int IsaLayout::FieldWidth(Field f) const {
  for (const Format* fm : {&mem, &gemm, &alu, &finish})
    if (const FieldSlot* s = fm->Find(f)) return s->width;
  return 0;
}

}  // namespace dcoc::spec
