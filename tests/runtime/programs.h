// Small hand-built programs for the backend conformance suite, in the spirit of VTA's test_lib: an ALU
// program for one operation, a GEMM program with loops, padding and back-to-back writes, and programs
// that must fail (deadlock, DRAM bounds, a LOAD of OUT). Each is a complete spec::Program with named
// regions, so any backend runs it through runtime::RunProgram and the golden model can check it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "host/compiler/stream.h"
#include "host/spec/hw_config.h"
#include "host/spec/isa.h"
#include "host/spec/program.h"

namespace dcoc::test {

// Lays out a program's DRAM image: each region starts on a 1 KiB boundary (a multiple of every row).
class ImageBuilder {
 public:
  explicit ImageBuilder(const spec::Spec& s) : s_(s) { p_.config = s.config; }

  // Adds a region of `bytes` random bytes (seeded) and returns its byte offset.
  uint64_t Add(std::string name, spec::RegionKind kind, uint64_t bytes, uint64_t& seed) {
    const uint64_t off = (p_.dram.size() + 1023) / 1024 * 1024;
    p_.dram.resize(size_t(off + bytes));
    for (uint64_t i = 0; i < bytes; ++i) p_.dram[size_t(off + i)] = uint8_t(Next(seed) >> 24);
    p_.regions.push_back({std::move(name), kind, off, bytes});
    return off;
  }
  // Writes micro-ops at `off`.
  void PutUops(uint64_t off, const std::vector<spec::Uop>& uops) {
    for (size_t i = 0; i < uops.size(); ++i) {
      const uint64_t w = spec::EncodeUop(s_.isa.uop, uops[i]);
      for (int b = 0; b < s_.uop_bytes; ++b) p_.dram[size_t(off + i * uint64_t(s_.uop_bytes)) + size_t(b)] = uint8_t(w >> (8 * b));
    }
  }
  spec::Program& program() { return p_; }

  static uint64_t Next(uint64_t& x) {  // splitmix64
    x += 0x9e3779b97f4a7c15ULL;
    uint64_t z = x;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }

 private:
  const spec::Spec& s_;
  spec::Program p_;
};

using compiler::MemInsn;

// The end every program here shares: compute's last instruction has pushed compute->store; the store
// module writes `rows` OUT rows to `out` and hands back a token that FINISH waits for.
inline void StoreAndFinish(const spec::Spec& s, std::vector<spec::Instruction>& v, uint64_t out, uint64_t rows) {
  spec::Instruction st = MemInsn(spec::Opcode::kStore, spec::MemType::kOut, 0, out / uint64_t(s.out_row_bytes), 1, rows, rows);
  st.pop_prev = st.push_prev = true;
  v.push_back(st);
  spec::Instruction fin;
  fin.opcode = spec::Opcode::kFinish;
  fin.pop_next = true;
  v.push_back(fin);
}

// Loads 16 accumulator rows, applies `op` to rows 0..7 (immediate, or rows 8..15 as the tensor source)
// through two micro-ops and both hardware loops, and stores rows 0..7. Region "output".
inline spec::Program AluProgram(const spec::Spec& s, spec::AluOp op, bool use_imm, uint64_t seed) {
  ImageBuilder b(s);
  constexpr uint64_t kRows = 8;
  const uint64_t uops = b.Add("uop", spec::RegionKind::kUop, 2 * uint64_t(s.uop_bytes), seed);
  const uint64_t acc = b.Add("acc", spec::RegionKind::kAcc, 2 * kRows * uint64_t(s.acc_row_bytes), seed);
  const uint64_t out = b.Add("output", spec::RegionKind::kOutput, kRows * uint64_t(s.out_row_bytes), seed);
  b.PutUops(uops, {{0, uint32_t(kRows), 0}, {1, uint32_t(kRows) + 1, 0}});
  std::vector<spec::Instruction>& v = b.program().insns;
  v.push_back(MemInsn(spec::Opcode::kLoad, spec::MemType::kUop, 0, uops / uint64_t(s.uop_bytes), 1, 2, 2));
  v.push_back(MemInsn(spec::Opcode::kLoad, spec::MemType::kAcc, 0, acc / uint64_t(s.acc_row_bytes), 1, 2 * kRows, 2 * kRows));
  spec::Instruction a;
  a.opcode = spec::Opcode::kAlu;
  a.alu_opcode = op;
  a.use_imm = use_imm;
  // Shift amounts stay small enough to leave something; other immediates cover both signs.
  const int64_t r = int64_t(ImageBuilder::Next(seed) % 64) - 32;
  a.imm = op == spec::AluOp::kShr ? r / 4 : r * 97;
  a.uop_bgn = 0, a.uop_end = 2, a.iter_out = 2, a.iter_in = 2;
  a.dst_factor_out = 4, a.dst_factor_in = 2, a.src_factor_out = 4, a.src_factor_in = 2;
  a.push_next = true;
  v.push_back(a);
  StoreAndFinish(s, v, out, kRows);
  b.program().description = "conformance ALU " + std::string(spec::Name(op)) + (use_imm ? " imm" : " tensor");
  return b.program();
}

// The load module loads 4 input rows behind a padded row and 2 weight rows; compute resets 8
// accumulator rows, accumulates inputs x weights over two loop levels, then two back-to-back micro-ops
// on one row, and stores the 8 rows. Region "output".
inline spec::Program GemmProgram(const spec::Spec& s, uint64_t seed) {
  ImageBuilder b(s);
  const uint64_t uops = b.Add("uop", spec::RegionKind::kUop, 3 * uint64_t(s.uop_bytes), seed);
  const uint64_t inp = b.Add("input", spec::RegionKind::kInput, 4 * uint64_t(s.inp_row_bytes), seed);
  const uint64_t wgt = b.Add("weight", spec::RegionKind::kWeight, 2 * uint64_t(s.wgt_row_bytes), seed);
  const uint64_t out = b.Add("output", spec::RegionKind::kOutput, 8 * uint64_t(s.out_row_bytes), seed);
  // uop 0: the loop body; uops 1, 2: two writes of accumulator row 3 in a row.
  b.PutUops(uops, {{0, 0, 0}, {3, 4, 1}, {3, 2, 0}});
  std::vector<spec::Instruction>& v = b.program().insns;
  spec::Instruction li = MemInsn(spec::Opcode::kLoad, spec::MemType::kInp, 0, inp / uint64_t(s.inp_row_bytes), 1, 4, 4);
  li.x_pad_0 = 1;  // input row 0 is zero padding, rows 1..4 the data
  v.push_back(li);
  spec::Instruction lw = MemInsn(spec::Opcode::kLoad, spec::MemType::kWgt, 0, wgt / uint64_t(s.wgt_row_bytes), 1, 2, 2);
  lw.push_next = true;
  v.push_back(lw);
  v.push_back(MemInsn(spec::Opcode::kLoad, spec::MemType::kUop, 0, uops / uint64_t(s.uop_bytes), 1, 3, 3));
  spec::Instruction g;
  g.opcode = spec::Opcode::kGemm;
  g.uop_bgn = 0, g.uop_end = 1, g.iter_out = 2, g.iter_in = 4;
  g.dst_factor_out = 4, g.dst_factor_in = 1, g.src_factor_out = 0, g.src_factor_in = 1;
  g.wgt_factor_out = 1, g.wgt_factor_in = 0;
  spec::Instruction reset = g;
  reset.reset = true;
  reset.pop_prev = true;
  v.push_back(reset);
  v.push_back(g);
  spec::Instruction hazard;
  hazard.opcode = spec::Opcode::kGemm;
  hazard.uop_bgn = 1, hazard.uop_end = 3, hazard.iter_out = 1, hazard.iter_in = 1;
  hazard.push_next = true;
  v.push_back(hazard);
  StoreAndFinish(s, v, out, 8);
  b.program().description = "conformance GEMM";
  return b.program();
}

enum class Broken { kDeadlock, kDramBounds, kLoadOut };

// Programs every backend must refuse with an ExecError.
inline spec::Program BrokenProgram(const spec::Spec& s, Broken what) {
  spec::Program p = AluProgram(s, spec::AluOp::kAdd, true, 7);
  switch (what) {
    case Broken::kDeadlock:  // the ALU waits for a load->compute token nobody pushes
      p.insns[2].pop_prev = true;
      break;
    case Broken::kDramBounds:  // the ACC load reads far past the image
      p.insns[1].dram_base += (uint64_t(1) << 20);
      break;
    case Broken::kLoadOut:  // no module executes a LOAD of the OUT buffer
      p.insns[1].memory_type = spec::MemType::kOut;
      break;
  }
  return p;
}

}  // namespace dcoc::test
