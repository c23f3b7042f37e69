// Static figures of a program (no simulation): DRAM traffic per memory type, GEMM and ALU work, and
// the performance bounds the CLI and the tuners report against.
#pragma once

#include <array>
#include <cstdint>

#include "host/spec/hw_config.h"
#include "host/spec/program.h"

namespace dcoc::compiler {

struct ProgramStats {
  uint64_t insns = 0;
  std::array<uint64_t, spec::kNumMemTypes> load_bytes{};  // per spec::MemType (padding excluded)
  uint64_t store_bytes = 0;
  uint64_t gemm_uops = 0;  // GEMM micro-op executions (one cycle each on a pipelined GEMM core)
  uint64_t alu_uops = 0;
  uint64_t DramBytes() const;
};
ProgramStats Analyze(const spec::Program& p, const spec::Spec& s);

// Bounds for a layer of `macs` multiply-accumulates: the ideal compute cycles MACs / (BATCH x
// BLOCK_IN x BLOCK_OUT), and the roofline max(ideal, DRAM bytes / bus bytes per cycle).
struct Bounds {
  double ideal_cycles = 0;
  double memory_cycles = 0;
  double roofline_cycles = 0;
  bool memory_bound = false;
};
Bounds BoundsFor(int64_t macs, const ProgramStats& st, const spec::Spec& s);

}  // namespace dcoc::compiler
