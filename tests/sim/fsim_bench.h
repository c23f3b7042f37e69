// A small bench for directed fsim tests: a DRAM image with one area per memory type, helpers that
// write rows in the documented DRAM layout (docs/semantics.md) and read them back, instruction
// builders, and a Run() that wires the dependency tokens between the three modules.
#pragma once

#include <cstdint>
#include <vector>

#include "host/spec/hw_config.h"
#include "host/spec/isa.h"
#include "sim/fsim/fsim.h"

namespace dcoc::sim::testing {

class Bench {
 public:
  // Areas of the DRAM image, in bytes (every row size of the test configurations divides them).
  static constexpr uint64_t kArea = 16384;
  static constexpr uint64_t kUopBase = 0, kInpBase = kArea, kWgtBase = 2 * kArea, kAccBase = 3 * kArea,
                            kOutBase = 4 * kArea, kDramBytes = 5 * kArea;

  explicit Bench(const spec::HwConfig& c = spec::LoadConfig("1x8x8")) : s(spec::Spec::Create(c)), sim(s), dram(kDramBytes, 0) {}

  // ---- DRAM contents (rows relative to each area) ----
  void PutInp(uint64_t row, const std::vector<int64_t>& v) { Put(kInpBase + row * uint64_t(s.inp_row_bytes), v, s.inp_bits); }
  void PutWgt(uint64_t row, const std::vector<int64_t>& v) { Put(kWgtBase + row * uint64_t(s.wgt_row_bytes), v, s.wgt_bits); }
  void PutAcc(uint64_t row, const std::vector<int64_t>& v) { Put(kAccBase + row * uint64_t(s.acc_row_bytes), v, s.acc_bits); }
  void PutUop(uint64_t row, const spec::Uop& u) {
    const uint64_t w = spec::EncodeUop(s.isa.uop, u);
    for (int b = 0; b < s.uop_bytes; ++b) dram[kUopBase + row * uint64_t(s.uop_bytes) + uint64_t(b)] = uint8_t(w >> (8 * b));
  }
  std::vector<int64_t> OutDram(uint64_t row) const {
    return Get(kOutBase + row * uint64_t(s.out_row_bytes), s.batch * s.block_out, s.out_bits);
  }
  // A weight row that is `diag` on the diagonal (o == i) and 0 elsewhere.
  std::vector<int64_t> Diagonal(int64_t diag) const {
    std::vector<int64_t> w(size_t(s.block_out * s.block_in), 0);
    for (int o = 0; o < s.block_out && o < s.block_in; ++o) w[size_t(o * s.block_in + o)] = diag;
    return w;
  }
  std::vector<int64_t> Fill(int n, int64_t v) const { return std::vector<int64_t>(size_t(n), v); }

  // ---- scratchpads after a run ----
  std::vector<int64_t> AccRow(uint64_t row) const { return Slice(sim.acc(), row); }
  std::vector<int64_t> OutRow(uint64_t row) const { return Slice(sim.out(), row); }

  // ---- instruction builders (dram rows relative to the memory type's area) ----
  spec::Instruction Load(spec::MemType m, uint64_t sram, uint64_t dram_row, uint64_t y, uint64_t x, uint64_t stride = 0) const {
    spec::Instruction i;
    i.opcode = spec::Opcode::kLoad;
    i.memory_type = m;
    i.sram_base = sram;
    i.dram_base = AreaRow(m) + dram_row;
    i.y_size = y;
    i.x_size = x;
    i.x_stride = stride ? stride : x;
    return i;
  }
  spec::Instruction Store(uint64_t sram, uint64_t dram_row, uint64_t y, uint64_t x, uint64_t stride = 0) const {
    spec::Instruction i = Load(spec::MemType::kOut, sram, dram_row, y, x, stride);
    i.opcode = spec::Opcode::kStore;
    return i;
  }
  static spec::Instruction Gemm(uint64_t bgn, uint64_t end, bool reset = false, uint64_t iter_out = 1, uint64_t iter_in = 1) {
    spec::Instruction i;
    i.opcode = spec::Opcode::kGemm;
    i.reset = reset;
    i.uop_bgn = bgn;
    i.uop_end = end;
    i.iter_out = iter_out;
    i.iter_in = iter_in;
    return i;
  }
  static spec::Instruction Alu(spec::AluOp op, uint64_t bgn, uint64_t end, bool use_imm, int64_t imm = 0) {
    spec::Instruction i = Gemm(bgn, end);
    i.opcode = spec::Opcode::kAlu;
    i.alu_opcode = op;
    i.use_imm = use_imm;
    i.imm = imm;
    return i;
  }
  static spec::Instruction Finish() {
    spec::Instruction i;
    i.opcode = spec::Opcode::kFinish;
    return i;
  }

  // Runs load, compute and store streams (in that stream order, then FINISH) with the tokens wired:
  // the last load pushes load->compute, popped by the first compute instruction; the last compute
  // instruction pushes compute->store, popped by the first store; the last store pushes
  // store->compute, popped by FINISH. A zero-size ACC load carries tokens when compute is empty.
  Counters Run(std::vector<spec::Instruction> load, std::vector<spec::Instruction> compute,
               std::vector<spec::Instruction> store = {}, const FsimOptions& opts = {}) {
    if (compute.empty() && (!load.empty() || !store.empty())) compute.push_back(Load(spec::MemType::kAcc, 0, 0, 0, 0));
    if (!load.empty()) {
      load.back().push_next = true;
      compute.front().pop_prev = true;
    }
    spec::Instruction fin = Finish();
    if (!store.empty()) {
      compute.back().push_next = true;
      store.front().pop_prev = true;
      store.back().push_prev = true;
      fin.pop_next = true;
    }
    std::vector<spec::Instruction> all;
    all.insert(all.end(), load.begin(), load.end());
    all.insert(all.end(), compute.begin(), compute.end());
    all.insert(all.end(), store.begin(), store.end());
    all.push_back(fin);
    return sim.Run(all, dram, opts);
  }

  spec::Spec s;
  Fsim sim;
  std::vector<uint8_t> dram;

 private:
  uint64_t AreaRow(spec::MemType m) const {
    switch (m) {
      case spec::MemType::kUop: return kUopBase / uint64_t(s.uop_bytes);
      case spec::MemType::kInp: return kInpBase / uint64_t(s.inp_row_bytes);
      case spec::MemType::kWgt: return kWgtBase / uint64_t(s.wgt_row_bytes);
      case spec::MemType::kAcc: return kAccBase / uint64_t(s.acc_row_bytes);
      case spec::MemType::kOut: return kOutBase / uint64_t(s.out_row_bytes);
      case spec::MemType::kAcc8: return kAccBase / uint64_t(s.acc8_row_bytes);  // shares the ACC area
    }
    return 0;
  }
  void Put(uint64_t at, const std::vector<int64_t>& v, int bits) {
    for (size_t e = 0; e < v.size(); ++e)
      for (int b = 0; b < bits / 8; ++b) dram[at + e * uint64_t(bits / 8) + uint64_t(b)] = uint8_t(uint64_t(v[e]) >> (8 * b));
  }
  std::vector<int64_t> Get(uint64_t at, int n, int bits) const {
    std::vector<int64_t> out(static_cast<size_t>(n));
    for (int e = 0; e < n; ++e) {
      uint64_t v = 0;
      for (int b = 0; b < bits / 8; ++b) v |= uint64_t(dram[at + uint64_t(e * (bits / 8) + b)]) << (8 * b);
      const uint64_t sign = 1ULL << (bits - 1);
      out[size_t(e)] = int64_t((v ^ sign) - sign);
    }
    return out;
  }
  std::vector<int64_t> Slice(const std::vector<int64_t>& buf, uint64_t row) const {
    const size_t n = size_t(s.batch * s.block_out);
    return std::vector<int64_t>(buf.begin() + int64_t(row * n), buf.begin() + int64_t((row + 1) * n));
  }
};

}  // namespace dcoc::sim::testing
