#include "host/compiler/conv.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <random>

#include "host/common/error.h"
#include "host/compiler/errors.h"
#include "host/compiler/layout.h"
#include "host/compiler/plan.h"
#include "host/compiler/stream.h"

namespace dcoc::compiler {

using spec::Field;
using spec::Instruction;
using spec::MemType;
using spec::Opcode;

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
