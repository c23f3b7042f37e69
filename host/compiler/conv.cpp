#include "host/compiler/conv.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <random>

#include "host/common/error.h"
#include "host/compiler/errors.h"
#include "host/compiler/layout.h"
#include "host/compiler/stream.h"

namespace dcoc::compiler {

using spec::Field;
using spec::Instruction;
using spec::MemType;
using spec::Opcode;

std::string_view Name(ConvKind k) {
  switch (k) {
    case ConvKind::kConv2d:
      return "conv2d";
    case ConvKind::kDepthwise:
      return "depthwise_conv2d";
    case ConvKind::kDense:
      return "dense";
  }
  return "?";
}

int64_t ConvLayer::Macs() const {
  const int64_t red = kind == ConvKind::kDepthwise ? int64_t(r) * s : int64_t(c) * r * s;
  return int64_t(n) * k * OutH() * OutW() * red;
}

std::string ConvLayer::Describe() const {
  return fmt::format("{}{}{} N={} C={} H={} W={} K={} R={} S={} stride={}x{} pad={}x{}", name, name.empty() ? "" : ": ",
                     Name(kind), n, c, h, w, k, r, s, stride_h, stride_w, pad_h, pad_w);
}

void ConvLayer::Validate() const {
  auto need = [&](bool ok, std::string_view what) {
    if (!ok) throw UsageError(fmt::format("layer {}: {}", Describe(), what));
  };
  need(n >= 1 && c >= 1 && h >= 1 && w >= 1 && k >= 1 && r >= 1 && s >= 1, "every dimension must be at least 1");
  need(stride_h >= 1 && stride_w >= 1, "strides must be at least 1");
  need(pad_h >= 0 && pad_w >= 0, "padding must not be negative");
  need(OutH() >= 1 && OutW() >= 1, "the kernel does not fit the padded input (output would be empty)");
  need(kind != ConvKind::kDepthwise || k == c, "depthwise conv2d needs K == C");
  need(kind != ConvKind::kDense || (h == 1 && w == 1 && r == 1 && s == 1 && pad_h == 0 && pad_w == 0),
       "dense needs H = W = R = S = 1 and no padding");
  need(int64_t(n) * c * h * w <= (int64_t(1) << 31) && int64_t(k) * c * r * s <= (int64_t(1) << 31), "layer too large");
}

// ---------------------------------------------------------------------------------------------------
// Schedule <-> JSON

namespace {
std::string_view Name(GemmLoop g) { return g == GemmLoop::kSpatial ? "spatial" : "reduction"; }
std::string_view Name(LoopOrder o) { return o == LoopOrder::kOcOuter ? "oc_outer" : "spatial_outer"; }
}  // namespace

nlohmann::ordered_json ToJson(const Schedule& s) {
  nlohmann::ordered_json j;
  j["tile_b"] = s.tile_b;
  j["tile_h"] = s.tile_h;
  j["tile_w"] = s.tile_w;
  j["tile_ci"] = s.tile_ci;
  j["tile_co"] = s.tile_co;
  j["tile_kh"] = s.tile_kh;
  j["tile_kw"] = s.tile_kw;
  j["h_nthread"] = s.h_nthread;
  j["oc_nthread"] = s.oc_nthread;
  j["gemm_loop"] = Name(s.gemm_loop);
  j["loop_order"] = Name(s.loop_order);
  j["gather"] = s.gather;
  return j;
}

std::string ToString(const Schedule& s) { return ToJson(s).dump(); }

Schedule ScheduleFromJson(const nlohmann::json& j) {
  if (!j.is_object()) throw ScheduleError(fmt::format("a schedule must be a JSON object, got {}", j.dump()));
  Schedule s;
  for (const auto& [key, v] : j.items()) {
    auto integer = [&](int& out) {
      if (!v.is_number_integer())
        throw ScheduleError(fmt::format("schedule key {} must be an integer, got {}", key, v.dump()));
      out = v.get<int>();
    };
    if (key == "tile_b")
      integer(s.tile_b);
    else if (key == "tile_h")
      integer(s.tile_h);
    else if (key == "tile_w")
      integer(s.tile_w);
    else if (key == "tile_ci")
      integer(s.tile_ci);
    else if (key == "tile_co")
      integer(s.tile_co);
    else if (key == "tile_kh")
      integer(s.tile_kh);
    else if (key == "tile_kw")
      integer(s.tile_kw);
    else if (key == "h_nthread")
      integer(s.h_nthread);
    else if (key == "oc_nthread")
      integer(s.oc_nthread);
    else if (key == "gemm_loop") {
      const std::string g = v.is_string() ? v.get<std::string>() : "";
      if (g == "spatial")
        s.gemm_loop = GemmLoop::kSpatial;
      else if (g == "reduction")
        s.gemm_loop = GemmLoop::kReduction;
      else
        throw ScheduleError(
            fmt::format("schedule key gemm_loop must be \"spatial\" or \"reduction\", got {}", v.dump()));
    } else if (key == "gather") {
      if (!v.is_boolean())
        throw ScheduleError(fmt::format("schedule key gather must be true or false, got {}", v.dump()));
      s.gather = v.get<bool>();
    } else if (key == "loop_order") {
      const std::string g = v.is_string() ? v.get<std::string>() : "";
      if (g == "oc_outer")
        s.loop_order = LoopOrder::kOcOuter;
      else if (g == "spatial_outer")
        s.loop_order = LoopOrder::kSpatialOuter;
      else
        throw ScheduleError(
            fmt::format("schedule key loop_order must be \"oc_outer\" or \"spatial_outer\", got {}", v.dump()));
    } else {
      throw ScheduleError(
          fmt::format("unknown schedule key \"{}\" (known: tile_b, tile_h, tile_w, tile_ci, tile_co, "
                      "tile_kh, tile_kw, h_nthread, oc_nthread, gemm_loop, loop_order, gather)",
                      key));
    }
  }
  return s;
}

// ---------------------------------------------------------------------------------------------------
// The plan: every number the checker and the lowering share.

namespace {

struct GemmShape {
  uint64_t iter_out, iter_in;
  uint64_t dst_fo, dst_fi, src_fo, src_fi, wgt_fo, wgt_fi;
  int64_t uops;
};

bool GatherApplies(const ConvLayer& L) {
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
  int64_t out_rows, bias_rows, inp_rows, wgt_rows, acc_rows;
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
    inp_rows = int64_t(S.tile_b) * tci_max * in_h * in_w;
    wgt_rows = int64_t(S.tile_co) * tciw * tkh * tkw;
    acc_rows = out_rows + bias_rows;
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

uint64_t FieldMax(const spec::Spec& sp, Field f) {
  const int w = sp.isa.FieldWidth(f);
  return w >= 64 ? ~0ULL : (1ULL << w) - 1;
}

std::vector<int> Divisors(int n) {
  std::vector<int> d;
  for (int i = 1; i <= n; ++i)
    if (n % i == 0) d.push_back(i);
  return d;
}

}  // namespace

// ---------------------------------------------------------------------------------------------------
// Checker

std::vector<Violation> Check(const ConvLayer& layer, const Schedule& sched, const spec::Spec& sp) {
  std::vector<Violation> v;
  auto add = [&](std::string name, std::string msg) { v.push_back({std::move(name), std::move(msg)}); };
  try {
    layer.Validate();
  } catch (const UsageError& e) {
    add("layer", e.what());
    return v;
  }
  const Plan p(layer, sched, sp);
  const Schedule& s = p.S;
  auto divides = [&](std::string_view knob, int value, int extent, std::string_view what) {
    if (value < 1 || extent % value != 0)
      add(fmt::format("{}_divides", knob), fmt::format("{} = {} does not divide {} = {}", knob, value, what, extent));
  };
  divides("tile_b", s.tile_b, p.nb, fmt::format("batch blocks (N {} / BATCH {})", layer.n, sp.batch));
  divides("tile_h", s.tile_h, p.oh, "output height");
  divides("tile_w", s.tile_w, p.ow, "output width");
  if (p.dw) {
    if (s.tile_ci != 1)
      add("tile_ci_depthwise",
          fmt::format("tile_ci = {}: depthwise conv2d reduces within a channel, tile_ci must be 1", s.tile_ci));
  } else {
    divides("tile_ci", s.tile_ci, p.cb, fmt::format("input-channel blocks (C {} / BLOCK_IN {})", layer.c, sp.block_in));
  }
  divides("tile_co", s.tile_co, p.kb,
          fmt::format("output-channel blocks (K {} / BLOCK_OUT {})", layer.k, sp.block_out));
  divides("tile_kh", s.tile_kh, layer.r, "kernel height");
  divides("tile_kw", s.tile_kw, layer.s, "kernel width");
  if (s.gather && !GatherApplies(layer))
    add("gather_kernel",
        fmt::format("gather needs a 1x1 kernel with stride > 1 and no padding (kernel {}x{}, stride {}x{}, pad {}x{})",
                    layer.r, layer.s, layer.stride_h, layer.stride_w, layer.pad_h, layer.pad_w));
  for (auto [knob, val] : {std::pair{"h_nthread", s.h_nthread}, std::pair{"oc_nthread", s.oc_nthread}})
    if (val != 1 && val != 2) add(fmt::format("{}_value", knob), fmt::format("{} = {} must be 1 or 2", knob, val));
  if (!v.empty()) return v;  // the numbers below assume whole tiles

  if (p.n_h % s.h_nthread != 0)
    add("h_nthread_divides", fmt::format("h_nthread = {} does not divide the {} row tiles (OH {} / tile_h {})",
                                         s.h_nthread, p.n_h, p.oh, s.tile_h));
  if (p.n_co % s.oc_nthread != 0)
    add("oc_nthread_divides",
        fmt::format("oc_nthread = {} does not divide the {} channel tiles (K blocks {} / tile_co {})", s.oc_nthread,
                    p.n_co, p.kb, s.tile_co));
  auto capacity = [&](std::string name, std::string_view what, int64_t rows, int64_t cap, int row_bytes,
                      int64_t depth) {
    if (rows > cap)
      add(std::move(name),
          fmt::format("{} tile needs {} rows ({} B) per thread, buffer holds {} rows ({} B) per thread "
                      "({} threads, {} B in all)",
                      what, rows, rows * row_bytes, cap, cap * row_bytes, p.nthread, depth * row_bytes));
  };
  capacity("inp_capacity", "input", p.inp_rows, p.inp_cap, sp.inp_row_bytes, sp.inp_depth);
  capacity("wgt_capacity", "weight", p.wgt_rows, p.wgt_cap, sp.wgt_row_bytes, sp.wgt_depth);
  capacity("acc_capacity", "accumulator", p.acc_rows, p.acc_cap, sp.acc_row_bytes, sp.acc_depth);
  if (p.gemm.uops > sp.uop_depth)
    add("uop_capacity",
        fmt::format("GEMM micro-op kernel has {} micro-ops ({} B), micro-op buffer holds {} ({} B)", p.gemm.uops,
                    p.gemm.uops * sp.uop_bytes, sp.uop_depth, sp.uop_depth * sp.uop_bytes));

  // Instruction fields.
  auto field = [&](Field f, uint64_t value, std::string_view what) {
    const uint64_t mx = FieldMax(sp, f);
    if (value > mx)
      add(fmt::format("field_{}", spec::FieldName(f)),
          fmt::format("{} = {} does not fit field {} ({} bits, at most {})", what, value, spec::FieldName(f),
                      sp.isa.FieldWidth(f), mx));
  };
  field(Field::kYPad0, uint64_t(layer.pad_h), "row padding");
  field(Field::kXPad0, uint64_t(layer.pad_w), "column padding");
  field(Field::kIterOut, p.gemm.iter_out, "GEMM outer loop");
  field(Field::kIterIn, p.gemm.iter_in, "GEMM inner loop");
  field(Field::kDstFactorOut, p.gemm.dst_fo, "GEMM dst factor");
  field(Field::kSrcFactorOut, p.gemm.src_fo, "GEMM src outer factor");
  field(Field::kSrcFactorIn, p.gemm.src_fi, "GEMM src inner factor");
  field(Field::kWgtFactorOut, p.gemm.wgt_fo, "GEMM wgt outer factor");
  field(Field::kWgtFactorIn, p.gemm.wgt_fi, "GEMM wgt inner factor");
  field(Field::kIterOut, uint64_t(s.tile_b) * s.tile_co * s.tile_h, "ALU outer loop (tile_b x tile_co x tile_h)");
  field(Field::kIterIn, uint64_t(s.tile_h) * s.tile_w, "ALU bias loop (tile_h x tile_w)");
  field(Field::kDstFactorOut, uint64_t(s.tile_h) * s.tile_w, "ALU bias dst factor (tile_h x tile_w)");
  field(Field::kXStride, uint64_t(layer.w), "input row stride (W)");
  field(Field::kXStride, uint64_t(p.ow), "output row stride (OW)");
  field(Field::kXStride, uint64_t(layer.r) * layer.s * p.wci, "weight stride (input blocks x R x S)");
  field(Field::kYSize, uint64_t(p.in_h), "input tile rows");
  field(Field::kXSize, uint64_t(p.in_w), "input tile columns");
  field(Field::kXSize, uint64_t(p.wgt_rows), "weight tile rows");
  const uint64_t dram_rows = (uint64_t(p.nb) * p.cb * layer.h * layer.w * sp.inp_row_bytes +
                              uint64_t(p.kb) * p.wci * layer.r * layer.s * sp.wgt_row_bytes +
                              uint64_t(p.nb) * p.kb * p.oh * p.ow * sp.out_row_bytes) /
                             uint64_t(std::min({sp.inp_row_bytes, sp.wgt_row_bytes, sp.out_row_bytes}));
  field(Field::kDramBase, dram_rows, "DRAM image rows");
  const reference::Epilogue& e = layer.epilogue;
  const int64_t imm_lo = -(int64_t(1) << (spec::IsaLayout::kImmBits - 1)), imm_hi = -imm_lo - 1;
  auto imm = [&](std::optional<int32_t> val, std::string_view what) {
    if (val && (*val < imm_lo || *val > imm_hi))
      add("field_imm", fmt::format("{} = {} does not fit the {}-bit signed immediate [{}, {}]", what, *val,
                                   spec::IsaLayout::kImmBits, imm_lo, imm_hi));
  };
  imm(e.shift, "shift");
  imm(e.clip_lo, "clip minimum");
  imm(e.clip_hi, "clip maximum");
  // Tokens in flight per queue: one per scratchpad slot a later op waits on (input and weight slots for
  // compute->load, accumulator slots for store->compute) plus FINISH's; a single thread alternates.
  const int tokens = p.nthread == 1 ? 1 : 2 * p.nthread + 1;
  if (sp.config.dep_queue_depth < tokens)
    add("queue_depth", fmt::format("{} virtual threads need dependency queues of {} tokens, DEP_QUEUE_DEPTH is {}",
                                   p.nthread, tokens, sp.config.dep_queue_depth));
  return v;
}

// ---------------------------------------------------------------------------------------------------
// Space, estimate, default

ScheduleSpace EnumerateSpace(const ConvLayer& layer, const spec::Spec& sp) {
  layer.Validate();
  const Plan base(layer, Schedule{}, sp);
  ScheduleSpace sp_out;
  auto names = [](const std::vector<int>& v) {
    std::vector<std::string> out;
    for (int x : v) out.push_back(std::to_string(x));
    return out;
  };
  const auto db = Divisors(base.nb), dh = Divisors(base.oh), dwv = Divisors(base.ow), dco = Divisors(base.kb),
             dkh = Divisors(layer.r), dkw = Divisors(layer.s);
  const auto dci = base.dw ? std::vector<int>{1} : Divisors(base.cb);
  const std::vector<int> threads = {1, 2};
  sp_out.knobs = {{"tile_b", names(db)},
                  {"tile_h", names(dh)},
                  {"tile_w", names(dwv)},
                  {"tile_ci", names(dci)},
                  {"tile_co", names(dco)},
                  {"tile_kh", names(dkh)},
                  {"tile_kw", names(dkw)},
                  {"h_nthread", names(threads)},
                  {"oc_nthread", names(threads)},
                  {"gemm_loop", {"spatial", "reduction"}},
                  {"loop_order", {"oc_outer", "spatial_outer"}}};
  const std::vector<bool> gathers = GatherApplies(layer) ? std::vector<bool>{false, true} : std::vector<bool>{false};
  sp_out.knobs.push_back(
      {"gather", GatherApplies(layer) ? std::vector<std::string>{"false", "true"} : std::vector<std::string>{"false"}});
  sp_out.candidates = 1;
  for (const Knob& k : sp_out.knobs) sp_out.candidates *= k.values.size();
  Schedule s;
  for (int b : db)
    for (int h : dh)
      for (int w : dwv)
        for (int ci : dci)
          for (int co : dco)
            for (int kh : dkh)
              for (int kw : dkw)
                for (int ht : threads)
                  for (int ot : threads)
                    for (GemmLoop g : {GemmLoop::kSpatial, GemmLoop::kReduction})
                      for (LoopOrder o : {LoopOrder::kOcOuter, LoopOrder::kSpatialOuter})
                        for (bool ga : gathers) {
                          s = Schedule{b, h, w, ci, co, kh, kw, ht, ot, g, o, ga};
                          if (Check(layer, s, sp).empty()) sp_out.valid.push_back(s);
                        }
  return sp_out;
}

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
  const bool clip1 = ep.clip_hi && ep.clip_lo && *ep.clip_lo == ~*ep.clip_hi;
  // The tile's initialization (a MOV of the bias rows, or a reset), then shift and clamp: one row per
  // cycle each (a tensor MOV reads only its source, so it is single-pass on the RTL).
  const int alu_ops =
      1 + (ep.shift ? 1 : 0) + (clip1 ? 1 : (ep.clip_hi ? 1 : 0) + (ep.clip_lo ? 1 : 0));
  e.alu_cycles = tiles * uint64_t(alu_ops) * uint64_t(p.out_rows);
  const bool single = p.n_ci * p.n_kh * p.n_kw == 1;
  const uint64_t inp_bytes = uint64_t(p.inp_rows) * sp.inp_row_bytes,
                 wgt_bytes = uint64_t(p.wgt_rows) * sp.wgt_row_bytes;
  const uint64_t inp_loads = single && s.loop_order == LoopOrder::kSpatialOuter
                                 ? uint64_t(p.n_b) * live_rows * live_cols
                                 : steps / uint64_t(s.oc_nthread);
  const uint64_t wgt_loads =
      single && s.loop_order == LoopOrder::kOcOuter ? uint64_t(p.n_b) * p.n_co : steps / uint64_t(s.h_nthread);
  e.load_bytes = inp_loads * inp_bytes + wgt_loads * wgt_bytes + tiles * uint64_t(p.bias_rows) * sp.acc_row_bytes;
  e.store_bytes = tiles * uint64_t(p.out_rows) * sp.out_row_bytes;
  e.insns = steps * uint64_t(1 + s.tile_b * p.tci_max * (p.subsample ? s.tile_h : 1) + s.tile_co) +
            tiles * uint64_t(4 + alu_ops + s.tile_b * s.tile_co);
  const double compute = double(e.gemm_cycles + e.alu_cycles) + 4.0 * double(e.insns);
  // Every DRAM row run (one y of a 2-D load or store) is its own burst with a fixed cost on top of
  // its beats; gathering pixels one at a time pays that cost per pixel.
  constexpr double kBurstCycles = 8.0;
  const uint64_t inp_bursts =
      uint64_t(s.tile_b) * p.tci_max * (p.subsample ? uint64_t(s.tile_h) * s.tile_w : uint64_t(p.in_h));
  const uint64_t wgt_bursts = uint64_t(s.tile_co) * p.tciw * (p.tkw == layer.s ? 1 : p.tkh);
  const uint64_t bursts =
      inp_loads * inp_bursts + wgt_loads * wgt_bursts + tiles * uint64_t(s.tile_b) * s.tile_co * s.tile_h;
  const double memory = double(e.load_bytes + e.store_bytes) / sp.bus_bytes + kBurstCycles * double(bursts);
  e.cycles = p.nthread > 1 ? std::max(compute, memory) + 0.1 * std::min(compute, memory) : compute + memory;
  return e;
}

Schedule DefaultSchedule(const ConvLayer& layer, const spec::Spec& sp) {
  const ScheduleSpace space = EnumerateSpace(layer, sp);
  if (space.valid.empty()) {
    Schedule s;
    std::string why;
    for (const Violation& v : Check(layer, s, sp)) why += "; " + v.message;
    throw ScheduleError(
        fmt::format("no valid schedule for {} on {} (smallest tiles{})", layer.Describe(), sp.tag, why));
  }
  const Schedule* best = nullptr;
  double best_cost = 0;
  for (const Schedule& s : space.valid) {
    const double c = EstimateCost(layer, s, sp).cycles;
    if (!best || c < best_cost) best = &s, best_cost = c;
  }
  return *best;
}

// ---------------------------------------------------------------------------------------------------
// Operands and reference

ConvOperands RandomOperands(const ConvLayer& layer, const spec::Spec& sp, uint64_t seed) {
  std::mt19937_64 rng(seed);
  auto fill = [&](reference::Tensor& t, int bits) {
    std::uniform_int_distribution<int32_t> d(-(1 << (bits - 1)), (1 << (bits - 1)) - 1);
    for (auto& x : t.data) x = d(rng);
  };
  ConvOperands o;
  o.input = reference::Tensor(layer.n, layer.c, layer.h, layer.w);
  fill(o.input, sp.inp_bits);
  o.weights = layer.kind == ConvKind::kDepthwise ? reference::Tensor(layer.c, 1, layer.r, layer.s)
                                                 : reference::Tensor(layer.k, layer.c, layer.r, layer.s);
  fill(o.weights, sp.wgt_bits);
  std::uniform_int_distribution<int32_t> bd(-4096, 4096);
  o.bias.resize(size_t(layer.k));
  for (auto& b : o.bias) b = bd(rng);
  return o;
}

reference::Tensor ReferenceOutput(const ConvLayer& layer, const ConvOperands& ops, const spec::Spec& sp) {
  const reference::IntFormat f{sp.acc_bits, sp.out_bits};
  const reference::Conv2dAttrs a{layer.stride_h, layer.stride_w, layer.pad_h, layer.pad_w};
  if (layer.kind == ConvKind::kDepthwise)
    return reference::DepthwiseConv2d(ops.input, ops.weights, ops.bias, a, layer.epilogue, f);
  if (layer.kind == ConvKind::kDense) return reference::Dense(ops.input, ops.weights, ops.bias, layer.epilogue, f);
  return reference::Conv2d(ops.input, ops.weights, ops.bias, a, layer.epilogue, f);
}

// ---------------------------------------------------------------------------------------------------
// Lowering

namespace {

// Least-recently-used scratchpad slots that remember what they hold, so a load of data already
// resident is skipped.
class SlotPool {
 public:
  using Key = std::array<int, 7>;
  explicit SlotPool(int n) : content_(size_t(n)), valid_(size_t(n), false), last_(size_t(n), -1) {}
  // Returns {slot, hit}.
  std::pair<int, bool> Acquire(const Key& key, int64_t now) {
    for (size_t i = 0; i < content_.size(); ++i)
      if (valid_[i] && content_[i] == key) {
        last_[i] = now;
        return {int(i), true};
      }
    size_t best = 0;
    for (size_t i = 1; i < content_.size(); ++i)
      if (last_[i] < last_[best]) best = i;
    content_[best] = key;
    valid_[best] = true;
    last_[best] = now;
    return {int(best), false};
  }

 private:
  std::vector<Key> content_;
  std::vector<bool> valid_;
  std::vector<int64_t> last_;
};

Instruction AluInsn(spec::AluOp op, uint32_t uop, uint64_t io, uint64_t ii, uint64_t dfo, uint64_t dfi, uint64_t sfo,
                    uint64_t sfi, std::optional<int64_t> imm) {
  Instruction in;
  in.opcode = Opcode::kAlu;
  in.alu_opcode = op;
  in.uop_bgn = uop;
  in.uop_end = uop + 1;
  in.iter_out = io;
  in.iter_in = ii;
  in.dst_factor_out = io == 1 ? 0 : dfo;
  in.dst_factor_in = ii == 1 ? 0 : dfi;
  in.src_factor_out = io == 1 ? 0 : sfo;
  in.src_factor_in = ii == 1 ? 0 : sfi;
  in.use_imm = imm.has_value();
  in.imm = imm.value_or(0);
  return in;
}

uint64_t AlignUp(uint64_t v, uint64_t a) { return (v + a - 1) / a * a; }

}  // namespace

CompiledConv CompileConv(const ConvLayer& layer, const Schedule& sched, const spec::Spec& sp, const ConvOperands& ops) {
  const std::vector<Violation> bad = Check(layer, sched, sp);
  if (!bad.empty()) {
    std::string msg = fmt::format("invalid schedule {} for {} on {}:", ToString(sched), layer.Describe(), sp.tag);
    for (const Violation& v : bad) msg += fmt::format("\n  {}: {}", v.name, v.message);
    throw ScheduleError(msg);
  }
  const Plan p(layer, sched, sp);
  const Schedule& s = p.S;
  const reference::Epilogue& epi = layer.epilogue;

  // Operands: shapes must match the layer.
  const bool wshape =
      p.dw ? (ops.weights.n == layer.c && ops.weights.c == 1) : (ops.weights.n == layer.k && ops.weights.c == layer.c);
  if (ops.input.n != layer.n || ops.input.c != layer.c || ops.input.h != layer.h || ops.input.w != layer.w || !wshape ||
      ops.weights.h != layer.r || ops.weights.w != layer.s || (epi.bias && int(ops.bias.size()) != layer.k))
    throw UsageError(fmt::format("operands do not match layer {}", layer.Describe()));

  // DRAM image: input, weights, bias, output, then the micro-ops (whose size is known last).
  const std::vector<uint8_t> inp_img = PackActivations(ops.input, sp, p.cb);
  const std::vector<uint8_t> wgt_img = p.dw ? PackDepthwiseWeights(ops.weights, sp) : PackWeights(ops.weights, sp);
  const std::vector<uint8_t> bias_img = epi.bias ? PackBias(ops.bias, layer.k, sp) : std::vector<uint8_t>{};
  const uint64_t out_bytes = uint64_t(p.nb) * p.kb * p.oh * p.ow * sp.out_row_bytes;
  uint64_t off = 0;
  auto place = [&](uint64_t bytes, int row_bytes) {
    off = AlignUp(off, std::max<uint64_t>(64, uint64_t(row_bytes)));
    const uint64_t at = off;
    off += bytes;
    return at;
  };
  const uint64_t inp_off = place(inp_img.size(), sp.inp_row_bytes);
  const uint64_t wgt_off = place(wgt_img.size(), sp.wgt_row_bytes);
  const uint64_t bias_off = place(bias_img.size(), sp.acc_row_bytes);
  const uint64_t out_off = place(out_bytes, sp.out_row_bytes);
  const uint64_t uop_off = place(0, sp.uop_bytes);
  const uint64_t inp_base = inp_off / uint64_t(sp.inp_row_bytes), wgt_base = wgt_off / uint64_t(sp.wgt_row_bytes);
  const uint64_t bias_base = bias_off / uint64_t(sp.acc_row_bytes), out_base = out_off / uint64_t(sp.out_row_bytes);
  const uint64_t uop_base = uop_off / uint64_t(sp.uop_bytes);

  OpGraph g;
  UopCache uops(sp);
  SlotPool inp_slots(p.nthread), wgt_slots(p.nthread);
  int64_t clock = 0;
  const uint64_t rs = uint64_t(layer.r) * layer.s;

  struct Thread {
    int b0, co0, h0, w0;  // tile origin in blocks / output pixels
    int bi, coi, hi, wi;  // tile indices
    uint32_t acc_base;
  };
  const int n_co_g = p.n_co / s.oc_nthread, n_h_g = p.n_h / s.h_nthread;

  auto group = [&](int bi, int co_g, int h_g, int wi) {
    std::vector<Thread> th;
    for (int ot = 0; ot < s.oc_nthread; ++ot)
      for (int ht = 0; ht < s.h_nthread; ++ht) {
        Thread t;
        t.bi = bi;
        t.coi = ot * n_co_g + co_g;
        t.hi = ht * n_h_g + h_g;
        t.wi = wi;
        t.b0 = bi * s.tile_b;
        t.co0 = t.coi * s.tile_co;
        t.h0 = t.hi * s.tile_h;
        t.w0 = wi * s.tile_w;
        t.acc_base = uint32_t(int64_t(th.size()) * p.acc_cap);
        th.push_back(t);
      }
    const int tile_rows = s.tile_h * s.tile_w;
    // Initialize the accumulator tile: with a bias, load the bias rows and MOV them over the tile
    // (one ALU pass replaces a reset and an ADD); without, a GEMM reset.
    auto init = [&](size_t t) {
      std::vector<Instruction> insns;
      const uint64_t bc = uint64_t(s.tile_b) * s.tile_co;
      if (epi.bias) {
        const uint32_t bias_rows = th[t].acc_base + uint32_t(p.out_rows);
        insns.push_back(MemInsn(Opcode::kLoad, MemType::kAcc, bias_rows, bias_base + uint64_t(th[t].co0),
                                uint64_t(s.tile_b), uint64_t(s.tile_co), 0));
        const uint32_t u = uops.Use({spec::Uop{th[t].acc_base, bias_rows, 0}}, uop_base, insns);
        insns.push_back(
            AluInsn(spec::AluOp::kMov, u, bc, uint64_t(tile_rows), uint64_t(tile_rows), 1, 1, 0, std::nullopt));
      } else {
        const uint32_t u = uops.Use({spec::Uop{th[t].acc_base, 0, 0}}, uop_base, insns);
        Instruction rst;
        rst.opcode = Opcode::kGemm;
        rst.reset = true;
        rst.uop_bgn = u;
        rst.uop_end = u + 1;
        rst.iter_out = bc * uint64_t(s.tile_h);
        rst.iter_in = uint64_t(s.tile_w);
        rst.dst_factor_out = rst.iter_out == 1 ? 0 : uint64_t(s.tile_w);
        rst.dst_factor_in = rst.iter_in == 1 ? 0 : 1;
        insns.push_back(rst);
      }
      g.AddOp(Module::kCompute, std::move(insns), {}, {OpGraph::Resource(OpGraph::kAcc, int(t))});
    };
    for (int ci_i = 0; ci_i < p.n_ci; ++ci_i)
      for (int ki = 0; ki < p.n_kh; ++ki)
        for (int kwi = 0; kwi < p.n_kw; ++kwi) {
          const bool last_step = ci_i == p.n_ci - 1 && ki == p.n_kh - 1 && kwi == p.n_kw - 1;
          const bool first_step = ci_i == 0 && ki == 0 && kwi == 0;
          for (size_t t = 0; t < th.size(); ++t) {
            const Thread& T = th[t];
            const int kh0 = ki * p.tkh, kw0 = kwi * p.tkw;
            if (p.RowsLive(T.hi, ki) && p.ColsLive(T.wi, kwi)) {
              ++clock;
              const int ci0 = p.dw ? DepthwiseFirstInBlock(sp, T.co0) : ci_i * s.tile_ci;
              const int tci = p.TileCi(T.co0);
              std::vector<Instruction> loads;
              std::vector<int> written;
              // Input window.
              const auto [islot, ihit] = inp_slots.Acquire({T.bi, ci0, tci, T.hi, T.wi, ki, kwi}, clock);
              const uint32_t inp_sram = uint32_t(islot * p.inp_cap);
              if (!ihit) {
                const int y0 = p.RowStart(T.hi, ki), x0 = p.ColStart(T.wi, kwi);
                const int ys = std::max(y0, 0), ye = std::min(y0 + p.in_h, layer.h);
                const int xs = std::max(x0, 0), xe = std::min(x0 + p.in_w, layer.w);
                if (p.subsample) {
                  // One load per output row: tile_w pixels stride_w apart (no padding: pad is 0).
                  for (int b = 0; b < s.tile_b; ++b)
                    for (int ci = 0; ci < tci; ++ci)
                      for (int h = 0; h < s.tile_h; ++h)
                        loads.push_back(
                            MemInsn(Opcode::kLoad, MemType::kInp,
                                    inp_sram + ((uint64_t(b) * tci + ci) * uint64_t(p.in_h) + uint64_t(h)) * p.in_w,
                                    inp_base +
                                        ((uint64_t(T.b0 + b) * p.cb + uint64_t(ci0 + ci)) * layer.h +
                                         uint64_t((T.h0 + h) * layer.stride_h)) *
                                            layer.w +
                                        uint64_t(T.w0 * layer.stride_w),
                                    uint64_t(s.tile_w), 1, uint64_t(layer.stride_w)));
                } else {
                  for (int b = 0; b < s.tile_b; ++b)
                    for (int ci = 0; ci < tci; ++ci) {
                      const uint64_t dram =
                          inp_base +
                          ((uint64_t(T.b0 + b) * p.cb + uint64_t(ci0 + ci)) * layer.h + uint64_t(ys)) * layer.w +
                          uint64_t(xs);
                      Instruction in = MemInsn(Opcode::kLoad, MemType::kInp,
                                               inp_sram + (uint64_t(b) * tci + ci) * uint64_t(p.in_h) * p.in_w, dram,
                                               uint64_t(ye - ys), uint64_t(xe - xs), uint64_t(layer.w));
                      in.y_pad_0 = uint64_t(ys - y0);
                      in.y_pad_1 = uint64_t(y0 + p.in_h - ye);
                      in.x_pad_0 = uint64_t(xs - x0);
                      in.x_pad_1 = uint64_t(x0 + p.in_w - xe);
                      loads.push_back(in);
                    }
                }
                written.push_back(OpGraph::Resource(OpGraph::kInp, islot));
              }
              // Weights.
              const auto [wslot, whit] = wgt_slots.Acquire({T.coi, ci_i, ki, kwi, 0, 0, 0}, clock);
              const uint32_t wgt_sram = uint32_t(wslot * p.wgt_cap);
              if (!whit) {
                const int wci0 = p.dw ? 0 : ci0;
                if (p.tkh == layer.r && p.tkw == layer.s) {
                  loads.push_back(MemInsn(Opcode::kLoad, MemType::kWgt, wgt_sram,
                                          wgt_base + (uint64_t(T.co0) * p.wci + uint64_t(wci0)) * rs,
                                          uint64_t(s.tile_co), uint64_t(p.tciw) * rs, uint64_t(p.wci) * rs));
                } else if (p.tkw == layer.s) {
                  for (int co = 0; co < s.tile_co; ++co)
                    loads.push_back(MemInsn(
                        Opcode::kLoad, MemType::kWgt, wgt_sram + uint64_t(co) * p.tciw * p.tkh * layer.s,
                        wgt_base + (uint64_t(T.co0 + co) * p.wci + uint64_t(wci0)) * rs + uint64_t(kh0) * layer.s,
                        uint64_t(p.tciw), uint64_t(p.tkh) * layer.s, rs));
                } else {
                  for (int co = 0; co < s.tile_co; ++co)
                    for (int j = 0; j < p.tciw; ++j)
                      loads.push_back(MemInsn(Opcode::kLoad, MemType::kWgt,
                                              wgt_sram + (uint64_t(co) * p.tciw + uint64_t(j)) * p.tkh * p.tkw,
                                              wgt_base + (uint64_t(T.co0 + co) * p.wci + uint64_t(wci0 + j)) * rs +
                                                  uint64_t(kh0) * layer.s + uint64_t(kw0),
                                              uint64_t(p.tkh), uint64_t(p.tkw), uint64_t(layer.s)));
                }
                written.push_back(OpGraph::Resource(OpGraph::kWgt, wslot));
              }
              g.AddOp(Module::kLoad, std::move(loads), {}, written);
              if (first_step) init(t);  // after this thread's first loads, so they are not held up

              // GEMM kernel.
              std::vector<spec::Uop> kernel;
              kernel.reserve(size_t(p.gemm.uops));
              auto src_ci = [&](int co, int j) { return p.dw ? DepthwiseFirstInBlock(sp, T.co0 + co) - ci0 + j : j; };
              const uint32_t ab = T.acc_base;
              if (s.gemm_loop == GemmLoop::kSpatial) {
                for (int j = 0; j < p.tciw; ++j)
                  for (int r = 0; r < p.tkh; ++r)
                    for (int q = 0; q < p.tkw; ++q)
                      for (int b = 0; b < s.tile_b; ++b)
                        for (int co = 0; co < s.tile_co; ++co) {
                          spec::Uop u;
                          u.dst = ab + uint32_t((b * s.tile_co + co) * tile_rows);
                          u.src = inp_sram + uint32_t(((b * tci + src_ci(co, j)) * p.in_h + r) * p.in_w + q);
                          u.wgt = wgt_sram + uint32_t(((co * p.tciw + j) * p.tkh + r) * p.tkw + q);
                          kernel.push_back(u);
                        }
              } else {
                for (int q = 0; q < p.tkw; ++q)
                  for (int b = 0; b < s.tile_b; ++b)
                    for (int co = 0; co < s.tile_co; ++co)
                      for (int h = 0; h < s.tile_h; ++h)
                        for (int w = 0; w < s.tile_w; ++w) {
                          spec::Uop u;
                          u.dst = ab + uint32_t((b * s.tile_co + co) * tile_rows + h * s.tile_w + w);
                          u.src = inp_sram +
                                  uint32_t(((b * tci + src_ci(co, 0)) * p.in_h + h * p.esh) * p.in_w + w * p.esw + q);
                          u.wgt = wgt_sram + uint32_t(co * p.tciw * p.tkh * p.tkw + q);
                          kernel.push_back(u);
                        }
              }
              std::vector<Instruction> comp;
              const uint32_t ub = uops.Use(kernel, uop_base, comp);
              Instruction gm;
              gm.opcode = Opcode::kGemm;
              gm.uop_bgn = ub;
              gm.uop_end = ub + uint32_t(kernel.size());
              gm.iter_out = p.gemm.iter_out;
              gm.iter_in = p.gemm.iter_in;
              gm.dst_factor_out = p.gemm.dst_fo;
              gm.dst_factor_in = p.gemm.dst_fi;
              gm.src_factor_out = p.gemm.src_fo;
              gm.src_factor_in = p.gemm.src_fi;
              gm.wgt_factor_out = p.gemm.wgt_fo;
              gm.wgt_factor_in = p.gemm.wgt_fi;
              comp.push_back(gm);
              g.AddOp(Module::kCompute, std::move(comp),
                      {OpGraph::Resource(OpGraph::kInp, islot), OpGraph::Resource(OpGraph::kWgt, wslot)},
                      {OpGraph::Resource(OpGraph::kAcc, int(t))});
            } else if (first_step) {
              init(t);  // a tile whose first step is all padding still starts from its bias
            }
            if (!last_step) continue;
            // Epilogue and store of this thread's tile.
            std::vector<Instruction> alu;
            const uint64_t bc = uint64_t(s.tile_b) * s.tile_co;
            auto imm_op = [&](spec::AluOp op, int64_t imm) {
              const uint32_t u = uops.Use({spec::Uop{T.acc_base, T.acc_base, 0}}, uop_base, alu);
              alu.push_back(AluInsn(op, u, bc * uint64_t(s.tile_h), uint64_t(s.tile_w), uint64_t(s.tile_w), 1,
                                    uint64_t(s.tile_w), 1, imm));
            };
            if (epi.shift != 0) imm_op(spec::AluOp::kShr, epi.shift);
            if (epi.clip_hi && epi.clip_lo && *epi.clip_lo == ~*epi.clip_hi) {
              imm_op(spec::AluOp::kClip, *epi.clip_hi);  // a symmetric clamp [~hi, hi] in one pass
            } else {
              if (epi.clip_hi) imm_op(spec::AluOp::kMin, *epi.clip_hi);
              if (epi.clip_lo) imm_op(spec::AluOp::kMax, *epi.clip_lo);
            }
            g.AddOp(Module::kCompute, std::move(alu), {}, {OpGraph::Resource(OpGraph::kAcc, int(t))});
            std::vector<Instruction> st;
            for (int b = 0; b < s.tile_b; ++b)
              for (int co = 0; co < s.tile_co; ++co)
                st.push_back(MemInsn(
                    Opcode::kStore, MemType::kOut, T.acc_base + uint64_t((b * s.tile_co + co) * tile_rows),
                    out_base + ((uint64_t(T.b0 + b) * p.kb + uint64_t(T.co0 + co)) * p.oh + uint64_t(T.h0)) * p.ow +
                        uint64_t(T.w0),
                    uint64_t(s.tile_h), uint64_t(s.tile_w), uint64_t(p.ow)));
            g.AddOp(Module::kStore, std::move(st), {OpGraph::Resource(OpGraph::kAcc, int(t))}, {});
          }
        }
  };

  for (int bi = 0; bi < p.n_b; ++bi) {
    if (s.loop_order == LoopOrder::kOcOuter) {
      for (int co_g = 0; co_g < n_co_g; ++co_g)
        for (int h_g = 0; h_g < n_h_g; ++h_g)
          for (int wi = 0; wi < p.n_w; ++wi) group(bi, co_g, h_g, wi);
    } else {
      for (int h_g = 0; h_g < n_h_g; ++h_g)
        for (int wi = 0; wi < p.n_w; ++wi)
          for (int co_g = 0; co_g < n_co_g; ++co_g) group(bi, co_g, h_g, wi);
    }
  }

  const InsnStream stream = g.Finalize();
  CompiledConv out;
  out.queue_depth = stream.MaxOutstanding();
  for (int q = 0; q < 4; ++q)
    if (out.queue_depth[size_t(q)] > sp.config.dep_queue_depth)
      throw ScheduleError(
          fmt::format("schedule {} for {} needs {} tokens in dependency queue {}, DEP_QUEUE_DEPTH is {}",
                      ToString(sched), layer.Describe(), out.queue_depth[size_t(q)], q, sp.config.dep_queue_depth));
  out.uop_kernels = uops.kernels();
  out.uop_loads = uops.loads();
  spec::Program& prog = out.program;
  prog.config = sp.config;
  prog.insns = stream.insns();
  const std::vector<uint8_t> uop_img = uops.Image();
  prog.dram.assign(size_t(uop_off + uop_img.size()), 0);
  std::copy(inp_img.begin(), inp_img.end(), prog.dram.begin() + std::ptrdiff_t(inp_off));
  std::copy(wgt_img.begin(), wgt_img.end(), prog.dram.begin() + std::ptrdiff_t(wgt_off));
  std::copy(bias_img.begin(), bias_img.end(), prog.dram.begin() + std::ptrdiff_t(bias_off));
  std::copy(uop_img.begin(), uop_img.end(), prog.dram.begin() + std::ptrdiff_t(uop_off));
  prog.regions.push_back({"input", spec::RegionKind::kInput, inp_off, inp_img.size()});
  prog.regions.push_back({"weights", spec::RegionKind::kWeight, wgt_off, wgt_img.size()});
  if (epi.bias) prog.regions.push_back({"bias", spec::RegionKind::kAcc, bias_off, bias_img.size()});
  prog.regions.push_back({"output", spec::RegionKind::kOutput, out_off, out_bytes});
  prog.regions.push_back({"uops", spec::RegionKind::kUop, uop_off, uop_img.size()});
  prog.description = fmt::format("{} schedule {}", layer.Describe(), ToString(sched));
  // Safety net: every field must encode (throws EncodeError naming the field otherwise).
  try {
    (void)spec::EncodeStream(sp.isa, prog.insns);
  } catch (const EncodeError& e) {
    throw Error(
        fmt::format("internal compiler error: {} with schedule {}: {}", layer.Describe(), ToString(sched), e.what()));
  }
  return out;
}

reference::Tensor ReadOutput(const ConvLayer& layer, const spec::Program& p, std::span<const uint8_t> dram,
                             const spec::Spec& sp) {
  const spec::Region* r = p.FindRegion("output");
  if (!r || r->offset + r->bytes > dram.size()) throw UsageError("program has no output region inside its DRAM image");
  return UnpackOutputs(dram.subspan(size_t(r->offset), size_t(r->bytes)), layer.n, layer.k, layer.OutH(), layer.OutW(),
                       sp);
}

}  // namespace dcoc::compiler
