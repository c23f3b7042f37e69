// A second, deliberately plain executor of docs/semantics.md, written from the document for the
// tests: it runs the instructions one after another in stream order (valid for the generator's
// programs, whose stream order is a legal execution and which have no races), keeps every scratchpad
// as rows of sign-extended elements, and checks nothing. fsim must agree with it bit for bit.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "host/spec/hw_config.h"
#include "host/spec/isa.h"

namespace dcoc::sim::testing {

class GoldenModel {
 public:
  explicit GoldenModel(const spec::Spec& s) : s_(s) {
    inp_.assign(size_t(s.inp_depth), Row(size_t(s.batch * s.block_in), 0));
    wgt_.assign(size_t(s.wgt_depth), Row(size_t(s.block_out * s.block_in), 0));
    acc_.assign(size_t(s.acc_depth), Row(size_t(s.batch * s.block_out), 0));
    out_ = acc_;
    uop_.assign(size_t(s.uop_depth), spec::Uop{});
  }

  uint64_t gemm_uops = 0, alu_uops = 0;

  void Run(const std::vector<spec::Instruction>& insns, std::vector<uint8_t>& dram) {
    for (const spec::Instruction& in : insns) {
      switch (in.opcode) {
        case spec::Opcode::kLoad: Load(in, dram); break;
        case spec::Opcode::kStore: Store(in, dram); break;
        case spec::Opcode::kGemm:
        case spec::Opcode::kAlu: Compute(in); break;
        case spec::Opcode::kFinish: return;
      }
    }
  }

 private:
  using Row = std::vector<int64_t>;

  // The low `bits` bits of x as a two's-complement number.
  static int64_t Signed(uint64_t x, int bits) {
    const uint64_t m = bits == 64 ? ~0ULL : (1ULL << bits) - 1;
    x &= m;
    return (x >> (bits - 1)) & 1 ? int64_t(x | ~m) : int64_t(x);
  }
  static int64_t ReadLe(const std::vector<uint8_t>& d, uint64_t at, int bits) {
    uint64_t v = 0;
    for (int b = 0; b < bits / 8; ++b) v |= uint64_t(d[size_t(at) + size_t(b)]) << (8 * b);
    return Signed(v, bits);
  }

  void Load(const spec::Instruction& in, const std::vector<uint8_t>& dram) {
    if (in.y_size == 0 || in.x_size == 0) return;
    int bits = 0;
    uint64_t row_bytes = 0;
    std::vector<Row>* buf = nullptr;
    switch (in.memory_type) {
      case spec::MemType::kInp: buf = &inp_, bits = s_.inp_bits, row_bytes = uint64_t(s_.inp_row_bytes); break;
      case spec::MemType::kWgt: buf = &wgt_, bits = s_.wgt_bits, row_bytes = uint64_t(s_.wgt_row_bytes); break;
      case spec::MemType::kAcc: buf = &acc_, bits = s_.acc_bits, row_bytes = uint64_t(s_.acc_row_bytes); break;
      case spec::MemType::kAcc8: buf = &acc_, bits = 8, row_bytes = uint64_t(s_.batch * s_.block_out); break;
      case spec::MemType::kUop: row_bytes = uint64_t(s_.uop_bytes); break;
      case spec::MemType::kOut: return;
    }
    uint64_t idx = in.sram_base;
    for (uint64_t y = 0; y < in.y_pad_0 + in.y_size + in.y_pad_1; ++y) {
      for (uint64_t x = 0; x < in.x_pad_0 + in.x_size + in.x_pad_1; ++x, ++idx) {
        const bool data = y >= in.y_pad_0 && y < in.y_pad_0 + in.y_size && x >= in.x_pad_0 && x < in.x_pad_0 + in.x_size;
        const uint64_t at = data ? (in.dram_base + (y - in.y_pad_0) * in.x_stride + (x - in.x_pad_0)) * row_bytes : 0;
        if (in.memory_type == spec::MemType::kUop) {
          uint64_t w = 0;
          if (data)
            for (uint64_t b = 0; b < row_bytes; ++b) w |= uint64_t(dram[size_t(at + b)]) << (8 * b);
          uop_[size_t(idx)] = spec::DecodeUop(s_.isa.uop, w);
          continue;
        }
        Row& r = (*buf)[size_t(idx)];
        const int64_t pad = in.pad_min ? -(int64_t(1) << (bits - 1)) : 0;
        for (size_t e = 0; e < r.size(); ++e) r[e] = data ? ReadLe(dram, at + e * uint64_t(bits / 8), bits) : pad;
        if (buf == &acc_) Narrow(idx);
      }
    }
  }

  void Store(const spec::Instruction& in, std::vector<uint8_t>& dram) {
    const uint64_t row_bytes = uint64_t(s_.out_row_bytes);
    const int bytes = s_.out_bits / 8;
    for (uint64_t y = 0; y < in.y_size; ++y)
      for (uint64_t x = 0; x < in.x_size; ++x) {
        const Row& r = out_[size_t(in.sram_base + y * in.x_size + x)];
        const uint64_t at = (in.dram_base + y * in.x_stride + x) * row_bytes;
        for (size_t e = 0; e < r.size(); ++e)
          for (int b = 0; b < bytes; ++b) dram[size_t(at + e * uint64_t(bytes)) + size_t(b)] = uint8_t(uint64_t(r[e]) >> (8 * b));
      }
  }

  void Narrow(uint64_t row) {
    for (size_t e = 0; e < acc_[size_t(row)].size(); ++e) out_[size_t(row)][e] = Signed(uint64_t(acc_[size_t(row)][e]), s_.out_bits);
  }

  int64_t Alu(spec::AluOp op, int64_t a, int64_t v) const {
    const int w = s_.acc_bits;
    switch (op) {
      case spec::AluOp::kMin: return a < v ? a : v;
      case spec::AluOp::kMax: return a > v ? a : v;
      case spec::AluOp::kAdd: return Signed(uint64_t(a) + uint64_t(v), w);
      case spec::AluOp::kMul: return Signed(uint64_t(a) * uint64_t(v), w);
      case spec::AluOp::kShr: {
        const int64_t k = Signed(uint64_t(v), s_.config.log_acc_width + 1);
        if (k >= 0) return a >> std::min<int64_t>(k, w - 1);
        if (-k >= w) return 0;
        return Signed(uint64_t(a) << -k, w);
      }
      case spec::AluOp::kClip: {
        const int64_t lo = std::min(v, ~v), hi = std::max(v, ~v);
        return a < lo ? lo : a > hi ? hi : a;
      }
      case spec::AluOp::kMov: return v;
    }
    return a;
  }

  void Compute(const spec::Instruction& in) {
    const bool alu = in.opcode == spec::Opcode::kAlu;
    for (uint64_t i0 = 0; i0 < in.iter_out; ++i0)
      for (uint64_t i1 = 0; i1 < in.iter_in; ++i1)
        for (uint64_t u = in.uop_bgn; u < in.uop_end; ++u) {
          const spec::Uop& op = uop_[size_t(u)];
          const uint64_t d = op.dst + i0 * in.dst_factor_out + i1 * in.dst_factor_in;
          const uint64_t src = op.src + i0 * in.src_factor_out + i1 * in.src_factor_in;
          const uint64_t w = op.wgt + i0 * in.wgt_factor_out + i1 * in.wgt_factor_in;
          Row& a = acc_[size_t(d)];
          if (in.reset) {
            std::fill(a.begin(), a.end(), 0);
          } else if (!alu) {
            for (int b = 0; b < s_.batch; ++b)
              for (int o = 0; o < s_.block_out; ++o) {
                int64_t sum = 0;
                for (int i = 0; i < s_.block_in; ++i)
                  sum += inp_[size_t(src)][size_t(b * s_.block_in + i)] * wgt_[size_t(w)][size_t(o * s_.block_in + i)];
                int64_t& x = a[size_t(b * s_.block_out + o)];
                x = Signed(uint64_t(x) + uint64_t(sum), s_.acc_bits);
              }
          } else {
            const int64_t imm = Signed(uint64_t(in.imm), 16);
            for (size_t e = 0; e < a.size(); ++e) a[e] = Alu(in.alu_opcode, a[e], in.use_imm ? imm : acc_[size_t(src)][e]);
          }
          Narrow(d);
          ++(alu ? alu_uops : gemm_uops);
        }
  }

  spec::Spec s_;
  std::vector<Row> inp_, wgt_, acc_, out_;
  std::vector<spec::Uop> uop_;
};

}  // namespace dcoc::sim::testing
