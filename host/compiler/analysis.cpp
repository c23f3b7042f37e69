#include "host/compiler/analysis.h"

#include <algorithm>

namespace dcoc::compiler {

uint64_t ProgramStats::DramBytes() const {
  uint64_t b = store_bytes;
  for (uint64_t x : load_bytes) b += x;
  return b;
}

ProgramStats Analyze(const spec::Program& p, const spec::Spec& s) {
  ProgramStats st;
  st.insns = p.insns.size();
  auto row_bytes = [&](spec::MemType m) { return uint64_t(s.RowBytes(m)); };
  for (const spec::Instruction& in : p.insns) {
    const uint64_t rows = in.y_size * in.x_size;
    if (in.opcode == spec::Opcode::kLoad) st.load_bytes[size_t(in.memory_type)] += rows * row_bytes(in.memory_type);
    if (in.opcode == spec::Opcode::kStore) st.store_bytes += rows * row_bytes(in.memory_type);
    const uint64_t work = in.iter_out * in.iter_in * (in.uop_end - std::min(in.uop_end, in.uop_bgn));
    if (in.opcode == spec::Opcode::kGemm) st.gemm_uops += work;
    if (in.opcode == spec::Opcode::kAlu) st.alu_uops += work;
  }
  return st;
}

Bounds BoundsFor(int64_t macs, const ProgramStats& st, const spec::Spec& s) {
  Bounds b;
  b.ideal_cycles = double(macs) / double(s.MacsPerCycle());
  b.memory_cycles = double(st.DramBytes()) / double(s.bus_bytes);
  b.roofline_cycles = std::max(b.ideal_cycles, b.memory_cycles);
  b.memory_bound = b.memory_cycles > b.ideal_cycles;
  return b;
}

}  // namespace dcoc::compiler
