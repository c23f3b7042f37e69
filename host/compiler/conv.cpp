#include "host/compiler/conv.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <random>

#include "host/common/error.h"
#include "host/compiler/conv_plan.h"
#include "host/compiler/errors.h"
#include "host/compiler/layout.h"

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
  need(epilogue.channel_shift.empty() || int(epilogue.channel_shift.size()) == k,
       fmt::format("{} channel shifts for {} output channels", epilogue.channel_shift.size(), k));
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

namespace {

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
  // Per-channel shifts are a tensor SHR: two passes per row.
  const int shift_ops = ep.channel_shift.empty() ? (ep.shift ? 1 : 0) : 2;
  const int alu_ops = 1 + shift_ops + (clip1 ? 1 : (ep.clip_hi ? 1 : 0) + (ep.clip_lo ? 1 : 0));
  e.alu_cycles = tiles * uint64_t(alu_ops) * uint64_t(p.out_rows);
  const bool single = p.n_ci * p.n_kh * p.n_kw == 1;
  const uint64_t inp_bytes = uint64_t(p.inp_rows) * sp.inp_row_bytes,
                 wgt_bytes = uint64_t(p.wgt_rows) * sp.wgt_row_bytes;
  const uint64_t inp_loads = single && s.loop_order == LoopOrder::kSpatialOuter
                                 ? uint64_t(p.n_b) * live_rows * live_cols
                                 : steps / uint64_t(s.oc_nthread);
  const uint64_t wgt_loads =
      single && s.loop_order == LoopOrder::kOcOuter ? uint64_t(p.n_b) * p.n_co : steps / uint64_t(s.h_nthread);
  e.load_bytes = inp_loads * inp_bytes + wgt_loads * wgt_bytes + tiles * uint64_t(p.bias_rows + p.shift_rows) * sp.acc_row_bytes;
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

}  // namespace dcoc::compiler
