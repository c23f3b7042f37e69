// A plain model of stock VTA (TVM's VTA), written from VTA's own sources and documentation, for the
// differential tests of the stock-VTA target. It shares no code with dcoc's fsim, spec layout or
// golden model: it takes the program's instruction bytes (what a VTA board would fetch), decodes them
// with the bit-field layout of VTA's hw_spec.h, derives its depths as hw_spec_const.h does, and
// executes them as VTA does:
//   - the ALU ignores `reset` and runs its op; it has MIN, MAX, ADD, SHR (and, in VTA's C++ simulator
//     only, MUL); SHR follows each VTA design (HLS: the low LOG_ACC_WIDTH bits as a signed amount;
//     Chisel: direction from the immediate field's sign, amount from the low bits; simulator: the
//     whole value) and the model requires the three to agree;
//   - LOAD pads with zeros; WGT, ACC and UOP loads as VTA's HLS design runs them (no padding, one
//     run of micro-ops), with the simulator's 2-D padded form required to agree; a zero-size load
//     with padding still writes its pad rows in VTA;
//   - the out buffer (hardware flavour) holds GEMM and ALU results only: an ACC load leaves it as it
//     was and a GEMM reset writes what the designs disagree on, so a STORE of such a row is an error;
//     the simulator flavour has no out buffer (a STORE narrows the accumulator) and runs ACC_8BIT and
//     MUL as VTA's simulator does.
// Where VTA's designs disagree, or VTA's behaviour is undefined (out-of-range indices wrap in the
// HLS design and abort the simulator), the model throws VtaModelError naming the instruction: a
// program the stock-VTA target emits must never get there. Tokens are counted in stream order; a pop
// of an empty queue is an error (the stream order must be an execution).
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "host/spec/hw_config.h"
#include "host/spec/isa.h"
#include "host/spec/program.h"

namespace dcoc::sim::testing {

struct VtaModelError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class VtaModel {
 public:
  enum class Flavour { kHardware, kSimulator };

  VtaModel(const spec::HwConfig& c, Flavour f) : f_(f) {
    // hw_spec_const.h: depths from the buffer sizes and element widths.
    batch_ = 1 << c.log_batch;
    block_ = 1 << c.log_block_in;
    if (c.log_block_in != c.log_block_out) throw VtaModelError("VTA has one block size");
    if (c.log_inp_width != 3 || c.log_wgt_width != 3 || c.log_acc_width != 5)
      throw VtaModelError("the model covers VTA's int8 x int8 -> int32 configurations");
    log_uop_depth_ = c.log_uop_buff_size - 5 + 3;
    log_inp_depth_ = c.log_inp_buff_size - c.log_batch - c.log_block_in - c.log_inp_width + 3;
    log_wgt_depth_ = c.log_wgt_buff_size - c.log_block_out - c.log_block_in - c.log_wgt_width + 3;
    log_acc_depth_ = c.log_acc_buff_size - c.log_batch - c.log_block_out - c.log_acc_width + 3;
    if (log_inp_depth_ != log_acc_depth_ || 2 * log_acc_depth_ + log_wgt_depth_ > 32)
      throw VtaModelError("the micro-op layouts of VTA's simulator and HLS design differ for this configuration");
    uop_.assign(size_t(1) << log_uop_depth_, {});
    inp_.assign(size_t(1) << log_inp_depth_, std::vector<int32_t>(size_t(batch_ * block_), 0));
    wgt_.assign(size_t(1) << log_wgt_depth_, std::vector<int32_t>(size_t(block_ * block_), 0));
    acc_.assign(size_t(1) << log_acc_depth_, std::vector<int32_t>(size_t(batch_ * block_), 0));
    out_ = acc_;
    out_defined_.assign(acc_.size(), false);
  }

  // Runs the program's instructions (as encoded bytes) on a copy of its DRAM image; returns the image.
  std::vector<uint8_t> Run(const spec::Program& p) {
    const spec::Spec s = spec::Spec::Create(p.config);
    const std::vector<uint8_t> bytes = spec::EncodeStream(s.isa, p.insns);
    dram_ = p.dram;
    tokens_ = {};
    for (size_t n = 0; n * 16 < bytes.size(); ++n) {
      Word w;
      for (int b = 0; b < 8; ++b) {
        w.lo |= uint64_t(bytes[n * 16 + size_t(b)]) << (8 * b);
        w.hi |= uint64_t(bytes[n * 16 + 8 + size_t(b)]) << (8 * b);
      }
      index_ = n;
      if (Step(w)) return dram_;
    }
    Fail("the stream has no FINISH");
  }

 private:
  struct Word {
    uint64_t lo = 0, hi = 0;
    uint64_t Bits(int lsb, int width) const {
      uint64_t v = lsb >= 64 ? hi >> (lsb - 64) : (lo >> lsb) | (lsb + width > 64 && lsb > 0 ? hi << (64 - lsb) : 0);
      return width >= 64 ? v : v & ((uint64_t(1) << width) - 1);
    }
  };
  // hw_spec.h's structs are uint64_t bit-fields: each starts where the last ended unless it would
  // cross a 64-bit unit, where it starts instead. Fields() walks them in declaration order.
  class Fields {
   public:
    explicit Fields(const Word& w) : w_(w) {}
    uint64_t Next(int width) {
      if (pos_ / 64 != (pos_ + width - 1) / 64) pos_ = (pos_ / 64 + 1) * 64;
      const uint64_t v = w_.Bits(pos_, width);
      pos_ += width;
      return v;
    }

   private:
    const Word& w_;
    int pos_ = 0;
  };
  struct Mem {
    uint64_t type, sram, dram, y_size, x_size, x_stride, y_pad_0, y_pad_1, x_pad_0, x_pad_1;
  };
  struct Compute {
    bool reset;
    uint64_t uop_bgn, uop_end, iter_out, iter_in, dst_out, dst_in, src_out, src_in, wgt_out, wgt_in;
    uint64_t alu_op = 0;
    bool use_imm = false;
    int64_t imm = 0;
  };
  struct Uop {
    uint64_t dst = 0, src = 0, wgt = 0;
  };

  [[noreturn]] void Fail(const std::string& why) const {
    throw VtaModelError(fmt::format("instruction {}: {}", index_, why));
  }
  static int32_t Wrap32(int64_t v) { return int32_t(uint32_t(uint64_t(v))); }
  static int64_t SignExtend(uint64_t v, int bits) {
    const uint64_t sign = uint64_t(1) << (bits - 1);
    return int64_t((v ^ sign) - sign);
  }

  // Returns true at FINISH.
  bool Step(const Word& w) {
    Fields f(w);
    const uint64_t opcode = f.Next(3);
    const bool pop_prev = f.Next(1), pop_next = f.Next(1), push_prev = f.Next(1), push_next = f.Next(1);
    // The stage that runs it: load (INP/WGT loads), store, or compute (the rest).
    int stage = 1;
    Mem m{};
    Compute c{};
    if (opcode == 0 || opcode == 1) {
      m = {f.Next(3), f.Next(16), f.Next(32), f.Next(16), f.Next(16), f.Next(16),
           f.Next(4), f.Next(4),  f.Next(4),  f.Next(4)};
      if (opcode == 1) stage = 2;
      else if (m.type == 1 || m.type == 2) stage = 0;
    } else if (opcode == 2 || opcode == 4) {
      const int acc = log_acc_depth_, src = opcode == 2 ? log_inp_depth_ : log_acc_depth_;
      c.reset = f.Next(1);
      c.uop_bgn = f.Next(log_uop_depth_);
      c.uop_end = f.Next(log_uop_depth_ + 1);
      c.iter_out = f.Next(14);
      c.iter_in = f.Next(14);
      c.dst_out = f.Next(acc);
      c.dst_in = f.Next(acc);
      c.src_out = f.Next(src);
      c.src_in = f.Next(src);
      if (opcode == 2) {
        c.wgt_out = f.Next(log_wgt_depth_);
        c.wgt_in = f.Next(log_wgt_depth_);
      } else {
        c.alu_op = f.Next(3);
        c.use_imm = f.Next(1);
        c.imm = SignExtend(f.Next(16), 16);
      }
    } else if (opcode != 3) {
      Fail(fmt::format("opcode {} is not a VTA instruction", opcode));
    }
    // Token queues between adjacent stages: [0] load->compute, [1] compute->load, [2] compute->store,
    // [3] store->compute.
    auto pop = [&](int q) {
      if (tokens_[size_t(q)] == 0) Fail(fmt::format("pops an empty token queue {} in stream order", q));
      --tokens_[size_t(q)];
    };
    if (stage == 0) {
      if (pop_prev || push_prev) Fail("the load stage has no previous stage");
      if (pop_next) pop(1);
    } else if (stage == 1) {
      if (pop_prev) pop(0);
      if (pop_next) pop(3);
    } else {
      if (pop_next || push_next) Fail("the store stage has no next stage");
      if (pop_prev) pop(2);
    }
    bool finish = false;
    switch (opcode) {
      case 0: Load(m); break;
      case 1: Store(m); break;
      case 2:
      case 4: Execute(c, opcode == 4); break;
      case 3: finish = true; break;
    }
    if (stage == 0 && push_next) ++tokens_[0];
    if (stage == 1 && push_prev) ++tokens_[1];
    if (stage == 1 && push_next) ++tokens_[2];
    if (stage == 2 && push_prev) ++tokens_[3];
    if (finish && tokens_ != std::array<int, 4>{}) Fail("tokens left in the queues at FINISH");
    return finish;
  }

  uint64_t Byte(uint64_t at) const {
    if (at >= dram_.size()) Fail(fmt::format("DRAM byte {} outside the {}-byte image", at, dram_.size()));
    return dram_[size_t(at)];
  }
  int64_t ReadSigned(uint64_t at, int bytes) const {
    uint64_t v = 0;
    for (int b = 0; b < bytes; ++b) v |= Byte(at + uint64_t(b)) << (8 * b);
    return SignExtend(v, 8 * bytes);
  }
  template <class T>
  T& Row(std::vector<T>& buf, uint64_t idx, const char* what) {
    if (idx >= buf.size()) Fail(fmt::format("{} row {} outside the buffer ({} rows): VTA wraps or aborts", what, idx, buf.size()));
    return buf[size_t(idx)];
  }

  void Load(const Mem& m) {
    const bool pads = m.y_pad_0 || m.y_pad_1 || m.x_pad_0 || m.x_pad_1;
    if (m.x_size == 0) {
      if (pads) Fail("x_size = 0 with padding: VTA's simulator writes nothing, its HLS design the pad rows");
      return;  // a token-only instruction everywhere (the Chisel design's "sync")
    }
    if (m.y_size == 0) Fail("y_size = 0 with x_size > 0: the Chisel design does not treat it as token-only");
    const uint64_t nx = m.x_pad_0 + m.x_size + m.x_pad_1, ny = m.y_pad_0 + m.y_size + m.y_pad_1;
    switch (m.type) {
      case 0: {  // UOP: the HLS design copies x_size micro-ops; the simulator runs the 2-D form
        if (m.y_size != 1 || pads) Fail("a 2-D or padded micro-op load: VTA's HLS design copies one run");
        for (uint64_t x = 0; x < m.x_size; ++x) {
          uint64_t word = 0;
          for (int b = 0; b < 4; ++b) word |= Byte((m.dram + x) * 4 + uint64_t(b)) << (8 * b);
          Uop& u = Row(uop_, m.sram + x, "micro-op");
          // hw_spec.h's VTAUop: dst and src are accumulator indices, then the weight index.
          u.dst = word & ((uint64_t(1) << log_acc_depth_) - 1);
          u.src = (word >> log_acc_depth_) & ((uint64_t(1) << log_acc_depth_) - 1);
          u.wgt = (word >> (2 * log_acc_depth_)) & ((uint64_t(1) << log_wgt_depth_) - 1);
        }
        return;
      }
      case 1:
      case 3:
        if (pads) Fail("a padded WGT or ACC load: VTA's HLS design ignores the pad fields");
        [[fallthrough]];
      case 2:
      case 5: {
        // ACC_8BIT (5): VTA's simulator only (Load_int8): int8 rows of BATCH x BLOCK_OUT, zero padding.
        if (m.type == 5 && f_ != Flavour::kSimulator) Fail("LOAD ACC_8BIT: VTA's HLS and Chisel designs do not execute it");
        std::vector<std::vector<int32_t>>& buf = m.type == 1 ? wgt_ : m.type == 2 ? inp_ : acc_;
        const int elem_bytes = m.type == 3 ? 4 : 1;
        const uint64_t row_bytes = buf[0].size() * uint64_t(elem_bytes);
        uint64_t idx = m.sram;
        for (uint64_t y = 0; y < ny; ++y)
          for (uint64_t x = 0; x < nx; ++x, ++idx) {
            const bool data = y >= m.y_pad_0 && y < m.y_pad_0 + m.y_size && x >= m.x_pad_0 && x < m.x_pad_0 + m.x_size;
            std::vector<int32_t>& row = Row(buf, idx, "LOAD destination");
            const uint64_t at = (m.dram + (y - m.y_pad_0) * m.x_stride + (x - m.x_pad_0)) * row_bytes;
            for (size_t e = 0; e < row.size(); ++e)
              row[e] = data ? int32_t(ReadSigned(at + e * uint64_t(elem_bytes), elem_bytes)) : 0;
            // The hardware's out buffer does not see ACC loads; the simulator stores the accumulator.
            if (m.type == 3 || m.type == 5) out_defined_[size_t(idx)] = f_ == Flavour::kSimulator;
          }
        return;
      }
      default: Fail(fmt::format("LOAD of memory type {}: not a VTA load", m.type));
    }
  }

  void Store(const Mem& m) {
    if (m.type != 4) Fail(fmt::format("STORE of memory type {}: VTA stores only OUT", m.type));
    if (m.y_pad_0 || m.y_pad_1 || m.x_pad_0 || m.x_pad_1) Fail("a padded STORE: VTA's simulator aborts");
    if (m.x_size == 0) return;
    if (m.y_size == 0) Fail("y_size = 0 with x_size > 0: the Chisel design does not treat it as token-only");
    const uint64_t row_bytes = uint64_t(batch_ * block_);
    for (uint64_t y = 0; y < m.y_size; ++y)
      for (uint64_t x = 0; x < m.x_size; ++x) {
        const uint64_t idx = m.sram + y * m.x_size + x;
        const std::vector<int32_t>& row = f_ == Flavour::kSimulator ? Row(acc_, idx, "STORE source")
                                                                       : Row(out_, idx, "STORE source");
        if (!out_defined_[size_t(idx)])
          Fail(fmt::format("stores out row {}, which no GEMM or ALU result reached (after an ACC load or a GEMM "
                           "reset, VTA's designs hold different values there)",
                           idx));
        const uint64_t at = (m.dram + y * m.x_stride + x) * row_bytes;
        for (size_t e = 0; e < row.size(); ++e) {
          if (at + e >= dram_.size()) Fail("STORE past the DRAM image");
          dram_[size_t(at + e)] = uint8_t(row[e]);
        }
      }
  }

  // The shift VTA's designs apply for operand b (immediate or tensor value): +k right, -k left.
  int64_t ShiftAmount(int64_t b, bool use_imm, int64_t imm) const {
    // HLS (vta.cc): shft_by = the low VTA_SHR_ARG_BIT_WIDTH = LOG_ACC_WIDTH bits, signed (ap_int).
    const int64_t hls = SignExtend(uint64_t(b) & 31, 5);
    // Chisel (TensorAlu.scala): left by (-b mod 32) when the immediate field is negative, else right by b mod 32.
    const int64_t chisel = imm < 0 ? -int64_t((uint64_t(-b)) & 31) : int64_t(uint64_t(b) & 31);
    // Simulator (sim_driver.cc): x >> y for y >= 0, x << -y otherwise (undefined from 32 on).
    if (b >= 32 || b <= -32) Fail(fmt::format("SHR by {}: undefined in VTA's simulator", b));
    if (hls != b || chisel != b)
      Fail(fmt::format("SHR by {}{}: VTA's designs shift by {} (HLS), {} (Chisel) and {} (simulator)", b,
                       use_imm ? "" : " (tensor)", hls, chisel, b));
    return b;
  }

  int32_t Alu(uint64_t op, int32_t a, int32_t b, bool use_imm, int64_t imm) const {
    switch (op) {
      case 0: return a < b ? a : b;
      case 1: return a > b ? a : b;
      case 2: return Wrap32(int64_t(a) + b);
      case 3: {
        const int64_t k = ShiftAmount(b, use_imm, imm);
        return k >= 0 ? int32_t(a >> k) : Wrap32(int64_t(uint64_t(uint32_t(a)) << -k));
      }
      case 4:
        if (f_ != Flavour::kSimulator) Fail("ALU MUL: VTA's HLS and Chisel designs do not execute it");
        return Wrap32(int64_t(a) * b);
      default: Fail(fmt::format("ALU opcode {}: VTA has MIN, MAX, ADD, SHR (and MUL in its simulator)", op));
    }
  }

  void Execute(const Compute& c, bool alu) {
    if (c.uop_bgn >= c.uop_end || c.iter_out == 0 || c.iter_in == 0)
      Fail("a GEMM or ALU without work: the Chisel design's counters run through the field range");
    for (uint64_t i = 0; i < c.iter_out; ++i)
      for (uint64_t j = 0; j < c.iter_in; ++j)
        for (uint64_t k = c.uop_bgn; k < c.uop_end; ++k) {
          const Uop& u = Row(uop_, k, "micro-op");
          const uint64_t d = u.dst + i * c.dst_out + j * c.dst_in;
          const uint64_t s = u.src + i * c.src_out + j * c.src_in;
          std::vector<int32_t>& acc = Row(acc_, d, "accumulator");
          if (alu) {
            // The ALU ignores reset (VTA runs the op).
            const std::vector<int32_t>* src = c.use_imm ? nullptr : &Row(acc_, s, "ALU source");
            for (size_t e = 0; e < acc.size(); ++e)
              acc[e] = Alu(c.alu_op, acc[e], src ? (*src)[e] : int32_t(c.imm), c.use_imm, c.imm);
          } else if (c.reset) {
            std::fill(acc.begin(), acc.end(), 0);
          } else {
            const uint64_t wi = u.wgt + i * c.wgt_out + j * c.wgt_in;
            const std::vector<int32_t>& x = Row(inp_, s, "input");
            const std::vector<int32_t>& wt = Row(wgt_, wi, "weight");
            for (int b = 0; b < batch_; ++b)
              for (int o = 0; o < block_; ++o) {
                int64_t sum = 0;
                for (int q = 0; q < block_; ++q) sum += int64_t(x[size_t(b * block_ + q)]) * wt[size_t(o * block_ + q)];
                acc[size_t(b * block_ + o)] = Wrap32(acc[size_t(b * block_ + o)] + sum);
              }
          }
          std::vector<int32_t>& out = out_[size_t(d)];
          for (size_t e = 0; e < acc.size(); ++e) out[e] = int32_t(int8_t(uint8_t(acc[e])));
          // A GEMM reset's out row: the HLS design writes the old sum, the Chisel design nothing.
          out_defined_[size_t(d)] = alu || !c.reset || f_ == Flavour::kSimulator;
        }
  }

  Flavour f_;
  int batch_ = 1, block_ = 16;
  int log_uop_depth_ = 0, log_inp_depth_ = 0, log_wgt_depth_ = 0, log_acc_depth_ = 0;
  std::vector<Uop> uop_;
  std::vector<std::vector<int32_t>> inp_, wgt_, acc_, out_;
  std::vector<bool> out_defined_;
  std::vector<uint8_t> dram_;
  std::array<int, 4> tokens_{};
  size_t index_ = 0;
};

}  // namespace dcoc::sim::testing
