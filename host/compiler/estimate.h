// A cheap analytic cost of a schedule (no compilation, no simulation): GEMM and ALU cycles, DRAM traffic
// per buffer, instructions per module, bursts, buffer occupancy, and an estimated cycle count (compute
// and memory overlap with virtual threads). The default heuristic ranks schedules by it; cost models
// use its parts as features.
#pragma once

#include <cstdint>

#include "host/compiler/layer.h"
#include "host/compiler/schedule.h"
#include "host/spec/hw_config.h"

namespace dcoc::compiler {

struct Estimate {
  uint64_t gemm_cycles = 0, alu_cycles = 0, load_bytes = 0, store_bytes = 0, insns = 0;
  double cycles = 0;
  // The parts.
  uint64_t inp_bytes = 0, wgt_bytes = 0, acc_bytes = 0;  // load_bytes by buffer
  uint64_t load_insns = 0, compute_insns = 0, store_insns = 0;  // insns by module
  uint64_t bursts = 0;              // DRAM row runs (each pays a fixed cost)
  uint64_t gemm_kernel_uops = 0;    // micro-ops of one GEMM kernel
  uint64_t tiles = 0, steps = 0;    // output tiles, reduction steps over all tiles
  double compute_cycles = 0, memory_cycles = 0;
  // Rows per thread over the per-thread capacity, for inp, wgt, acc and the micro-op buffer.
  double inp_fill = 0, wgt_fill = 0, acc_fill = 0, uop_fill = 0;
};
// Meaningful for valid schedules (Check(...).empty()); never throws.
Estimate EstimateCost(const ConvLayer& layer, const Schedule& sched, const spec::Spec& spec);

}  // namespace dcoc::compiler
