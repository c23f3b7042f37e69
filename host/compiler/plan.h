// Internal to the compiler: the numbers a schedule implies for a layer on a configuration (tile counts,
// input windows, per-thread buffer rows and capacities, the GEMM loop shape). The checker (check.cpp),
// the cost estimate (estimate.cpp) and the lowering (conv.cpp) share them, so they cannot disagree.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "host/compiler/layer.h"
#include "host/compiler/layout.h"
#include "host/compiler/schedule.h"
#include "host/spec/hw_config.h"
#include "host/spec/isa_layout.h"

namespace dcoc::compiler {

struct GemmShape {
  uint64_t iter_out, iter_in;
  uint64_t dst_fo, dst_fi, src_fo, src_fi, wgt_fo, wgt_fi;
  int64_t uops;
};

inline bool GatherApplies(const ConvLayer& L) {
  return L.r == 1 && L.s == 1 && (L.stride_h > 1 || L.stride_w > 1) && L.pad_h == 0 && L.pad_w == 0;
}

struct Plan {
  const ConvLayer& L;
  Schedule S;
  const spec::Spec& sp;
  bool dw;
  int oh, ow, nb, cb, kb;
  int nthread, tkh, tkw, in_h, in_w;
  // A 1x1 kernel with stride > 1 and no padding reads only every stride-th pixel: the loads gather
  // exactly those (one strided load per output row), so the input tile is tile_h x tile_w and the
  // micro-ops address it with unit strides (esh, esw).
  bool subsample;
  int esh, esw;
  int n_b, n_co, n_h, n_w, n_ci, n_kh, n_kw;
  int wci;   // weight input blocks per output block in DRAM (cb, or nov for depthwise)
  int tciw;  // weight input blocks per output block in a slot (tile_ci, or nov)
  int nov;
  int tci_max;  // input blocks per input slot (the largest over tiles)
  int64_t out_rows, bias_rows, shift_rows, inp_rows, wgt_rows, acc_rows;
  int64_t inp_cap, wgt_cap, acc_cap;
  GemmShape gemm;

  Plan(const ConvLayer& l, const Schedule& s, const spec::Spec& spec) : L(l), S(s), sp(spec) {
    dw = L.kind == ConvKind::kDepthwise;
    if (S.tile_kh == 0) S.tile_kh = L.r;
    if (S.tile_kw == 0) S.tile_kw = L.s;
    oh = L.OutH();
    ow = L.OutW();
    nb = CeilDiv(L.n, sp.batch);
    kb = CeilDiv(L.k, sp.block_out);
    cb = dw ? DepthwiseInBlocks(sp, L.c) : CeilDiv(L.c, sp.block_in);
    nov = DepthwiseBlocksPerOut(sp);
    nthread = S.h_nthread * S.oc_nthread;
    tkh = S.tile_kh;
    tkw = S.tile_kw;
    subsample = S.gather && GatherApplies(L);
    esh = subsample ? 1 : L.stride_h;
    esw = subsample ? 1 : L.stride_w;
    in_h = (S.tile_h - 1) * esh + tkh;
    in_w = (S.tile_w - 1) * esw + tkw;
    auto div = [](int a, int b) { return b > 0 ? a / b : 0; };
    n_b = div(nb, S.tile_b);
    n_co = div(kb, S.tile_co);
    n_h = div(oh, S.tile_h);
    n_w = div(ow, S.tile_w);
    n_ci = dw ? 1 : div(cb, S.tile_ci);
    n_kh = div(L.r, tkh);
    n_kw = div(L.s, tkw);
    wci = dw ? nov : cb;
    tciw = dw ? nov : S.tile_ci;
    tci_max = dw ? 0 : S.tile_ci;
    if (dw && S.tile_co > 0)
      for (int co0 = 0; co0 + S.tile_co <= kb; co0 += S.tile_co) tci_max = std::max(tci_max, TileCi(co0));
    out_rows = int64_t(S.tile_b) * S.tile_co * S.tile_h * S.tile_w;
    bias_rows = L.epilogue.bias ? int64_t(S.tile_b) * S.tile_co : 0;
    shift_rows = L.epilogue.channel_shift.empty() ? 0 : int64_t(S.tile_b) * S.tile_co;
    inp_rows = int64_t(S.tile_b) * tci_max * in_h * in_w;
    wgt_rows = int64_t(S.tile_co) * tciw * tkh * tkw;
    acc_rows = out_rows + bias_rows + shift_rows;
    const int slots = std::max(1, nthread);
    inp_cap = sp.inp_depth / slots;
    wgt_cap = sp.wgt_depth / slots;
    acc_cap = sp.acc_depth / slots;
    gemm = Shape();
  }

  // Input blocks a depthwise tile starting at output block co0 reads.
  int TileCi(int co0) const {
    if (!dw) return S.tile_ci;
    return DepthwiseFirstInBlock(sp, co0 + S.tile_co - 1) + nov - DepthwiseFirstInBlock(sp, co0);
  }

  GemmShape Shape() const {
    GemmShape g{};
    if (S.gemm_loop == GemmLoop::kSpatial) {
      g.iter_out = uint64_t(S.tile_h);
      g.dst_fo = uint64_t(S.tile_w);
      g.src_fo = uint64_t(esh) * uint64_t(in_w);
      g.iter_in = uint64_t(S.tile_w);
      g.dst_fi = 1;
      g.src_fi = uint64_t(esw);
      g.uops = int64_t(S.tile_b) * S.tile_co * tciw * tkh * tkw;
    } else {
      g.iter_out = uint64_t(tciw);
      g.src_fo = uint64_t(in_h) * uint64_t(in_w);
      g.wgt_fo = uint64_t(tkh) * uint64_t(tkw);
      g.iter_in = uint64_t(tkh);
      g.src_fi = uint64_t(in_w);
      g.wgt_fi = uint64_t(tkw);
      g.uops = int64_t(S.tile_b) * S.tile_co * S.tile_h * S.tile_w * tkw;
    }
    // A loop of one iteration has no stride: keep its factors zero so they always encode.
    if (g.iter_out == 1) g.dst_fo = g.src_fo = g.wgt_fo = 0;
    if (g.iter_in == 1) g.dst_fi = g.src_fi = g.wgt_fi = 0;
    return g;
  }

  // Input window of output-row tile hi and kernel-row chunk ki: first row, and whether any row is real.
  int RowStart(int hi, int ki) const { return hi * S.tile_h * L.stride_h - L.pad_h + ki * tkh; }
  int ColStart(int wi, int kwi) const { return wi * S.tile_w * L.stride_w - L.pad_w + kwi * tkw; }
  bool RowsLive(int hi, int ki) const {
    const int y0 = RowStart(hi, ki);
    return y0 + in_h > 0 && y0 < L.h;
  }
  bool ColsLive(int wi, int kwi) const {
    const int x0 = ColStart(wi, kwi);
    return x0 + in_w > 0 && x0 < L.w;
  }
};

inline uint64_t FieldMax(const spec::Spec& sp, spec::Field f) {
  const int w = sp.isa.FieldWidth(f);
  return w >= 64 ? ~0ULL : (1ULL << w) - 1;
}

inline std::vector<int> Divisors(int n) {
  std::vector<int> d;
  for (int i = 1; i <= n; ++i)
    if (n % i == 0) d.push_back(i);
  return d;
}


}  // namespace dcoc::compiler
