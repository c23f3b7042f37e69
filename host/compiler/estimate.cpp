#include "host/compiler/estimate.h"

#include <algorithm>

#include "host/compiler/plan.h"

namespace dcoc::compiler {

Estimate EstimateCost(const ConvLayer& layer, const Schedule& sched, const spec::Spec& sp) {
  const Plan p(layer, sched, sp);
  const Schedule& s = p.S;
  Estimate e;
  int64_t live_rows = 0;
  for (int hi = 0; hi < p.n_h; ++hi)
    for (int ki = 0; ki < p.n_kh; ++ki) live_rows += p.RowsLive(hi, ki);
  int64_t live_cols = 0;
  for (int wi = 0; wi < p.n_w; ++wi)
    for (int kwi = 0; kwi < p.n_kw; ++kwi) live_cols += p.ColsLive(wi, kwi);
  const uint64_t steps = uint64_t(p.n_b) * p.n_co * p.n_ci * uint64_t(live_rows * live_cols);
  const uint64_t per_gemm = p.gemm.iter_out * p.gemm.iter_in * uint64_t(p.gemm.uops);
  e.gemm_cycles = steps * per_gemm;
  const uint64_t tiles = uint64_t(p.n_b) * p.n_co * p.n_h * p.n_w;
  const reference::Epilogue& ep = layer.epilogue;
  const bool vta = layer.isa == spec::Isa::kVta;
  const bool clip1 = ep.clip_hi && ep.clip_lo && *ep.clip_lo == ~*ep.clip_hi && !vta;
  // The tile's initialization (a MOV of the bias rows, or a reset; stock VTA: a reset and a tensor ADD),
  // then shift and clamp: one row per cycle each (a tensor MOV reads only its source, so it is
  // single-pass on the RTL); per-channel shifts are a tensor SHR: two passes per row. Stock VTA shifts
  // in steps of at most 15 right or 16 left.
  int shift_ops = ep.channel_shift.empty() ? (ep.shift ? 1 : 0) : 2;
  if (vta && ep.channel_shift.empty()) {
    const int64_t k = reference::Wrap(ep.shift, sp.config.log_acc_width + 1);
    shift_ops = int(k >= 0 ? (k + spec::kVtaShrImmMax - 1) / spec::kVtaShrImmMax
                           : (-k - spec::kVtaShrImmMin - 1) / -spec::kVtaShrImmMin);
  }
  const int init_ops = vta && ep.bias ? 3 : 1;
  const int alu_ops = init_ops + shift_ops + (clip1 ? 1 : (ep.clip_hi ? 1 : 0) + (ep.clip_lo ? 1 : 0));
  e.alu_cycles = tiles * uint64_t(alu_ops) * uint64_t(p.out_rows);
  const bool single = p.n_ci * p.n_kh * p.n_kw == 1;
  const uint64_t inp_bytes = uint64_t(p.inp_rows) * sp.inp_row_bytes,
                 wgt_bytes = uint64_t(p.wgt_rows) * sp.wgt_row_bytes;
  const uint64_t inp_loads = single && s.loop_order == LoopOrder::kSpatialOuter
                                 ? uint64_t(p.n_b) * live_rows * live_cols
                                 : steps / uint64_t(s.oc_nthread);
  const uint64_t wgt_loads =
      single && s.loop_order == LoopOrder::kOcOuter ? uint64_t(p.n_b) * p.n_co : steps / uint64_t(s.h_nthread);
  e.inp_bytes = inp_loads * inp_bytes;
  e.wgt_bytes = wgt_loads * wgt_bytes;
  e.acc_bytes = tiles * uint64_t(p.bias_rows + p.shift_rows) * sp.acc_row_bytes;
  e.load_bytes = e.inp_bytes + e.wgt_bytes + e.acc_bytes;
  e.store_bytes = tiles * uint64_t(p.out_rows) * sp.out_row_bytes;
  e.load_insns = steps * uint64_t(s.tile_b * p.tci_max * (p.subsample ? s.tile_h : 1) + s.tile_co);
  e.compute_insns = steps + tiles * uint64_t(4 + alu_ops);
  e.store_insns = tiles * uint64_t(s.tile_b * s.tile_co);
  e.insns = e.load_insns + e.compute_insns + e.store_insns;
  const double compute = double(e.gemm_cycles + e.alu_cycles) + 4.0 * double(e.insns);
  // Every DRAM row run (one y of a 2-D load or store) is its own burst with a fixed cost on top of
  // its beats; gathering pixels one at a time pays that cost per pixel.
  constexpr double kBurstCycles = 8.0;
  const uint64_t inp_bursts =
      uint64_t(s.tile_b) * p.tci_max * (p.subsample ? uint64_t(s.tile_h) * s.tile_w : uint64_t(p.in_h));
  const uint64_t wgt_bursts = uint64_t(s.tile_co) * p.tciw * (p.tkw == layer.s ? 1 : p.tkh);
  e.bursts = inp_loads * inp_bursts + wgt_loads * wgt_bursts + tiles * uint64_t(s.tile_b) * s.tile_co * s.tile_h;
  const double memory = double(e.load_bytes + e.store_bytes) / sp.bus_bytes + kBurstCycles * double(e.bursts);
  e.cycles = p.nthread > 1 ? std::max(compute, memory) + 0.1 * std::min(compute, memory) : compute + memory;
  e.compute_cycles = compute;
  e.memory_cycles = memory;
  e.gemm_kernel_uops = uint64_t(std::max<int64_t>(0, p.gemm.uops));
  e.tiles = tiles;
  e.steps = steps;
  auto fill = [](int64_t rows, int64_t cap) { return cap > 0 ? double(rows) / double(cap) : 0.0; };
  e.inp_fill = fill(p.inp_rows, p.inp_cap);
  e.wgt_fill = fill(p.wgt_rows, p.wgt_cap);
  e.acc_fill = fill(p.acc_rows, p.acc_cap);
  e.uop_fill = fill(p.gemm.uops, sp.uop_depth);
  return e;
}

}  // namespace dcoc::compiler
