#include "host/compiler/conv.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <random>

#include "host/common/error.h"
#include "host/compiler/builder.h"
#include "host/compiler/epilogue.h"
#include "host/compiler/errors.h"
#include "host/compiler/layout.h"
#include "host/compiler/plan.h"

namespace dcoc::compiler {

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
// Lowering, in named steps on the shared ProgramBuilder:
//   PlaceOperands     input, weights, bias (and per-channel shifts) and output in the DRAM image
//   LowerTileGroup    one group of tiles, one per virtual thread, over the reduction steps
//     InitAccumulator   the tile starts from its bias (broadcast) or from zero (reset)
//     LoadInput         the input window of a reduction step (padded), unless its slot holds it
//     LoadWeights       the weights of a reduction step, unless its slot holds them
//     Gemm              the micro-op kernel and the GEMM instruction
//     EpilogueAndStore  requantization on the ALU (epilogue.h), then the store of the tile

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

class ConvLowering {
 public:
  ConvLowering(const ConvLayer& layer, const Schedule& sched, const spec::Spec& sp, const ConvOperands& ops)
      : L_(layer),
        sched_(sched),
        sp_(sp),
        ops_(ops),
        p_(layer, sched, sp),
        S_(p_.S),
        b_(sp, layer.isa),
        inp_slots_(p_.nthread),
        wgt_slots_(p_.nthread) {}

  CompiledConv Run() {
    PlaceOperands();
    const int n_co_g = p_.n_co / S_.oc_nthread, n_h_g = p_.n_h / S_.h_nthread;
    for (int bi = 0; bi < p_.n_b; ++bi) {
      if (S_.loop_order == LoopOrder::kOcOuter) {
        for (int co_g = 0; co_g < n_co_g; ++co_g)
          for (int h_g = 0; h_g < n_h_g; ++h_g)
            for (int wi = 0; wi < p_.n_w; ++wi) LowerTileGroup(bi, co_g, h_g, wi);
      } else {
        for (int h_g = 0; h_g < n_h_g; ++h_g)
          for (int wi = 0; wi < p_.n_w; ++wi)
            for (int co_g = 0; co_g < n_co_g; ++co_g) LowerTileGroup(bi, co_g, h_g, wi);
      }
    }
    BuiltProgram built = b_.Build(fmt::format("{} schedule {}", L_.Describe(), ToString(sched_)));
    CompiledConv out;
    out.program = std::move(built.program);
    out.queue_depth = built.queue_depth;
    out.uop_kernels = built.uop_kernels;
    out.uop_loads = built.uop_loads;
    return out;
  }

 private:
  // One virtual thread's tile.
  struct Thread {
    int b0, co0, h0, w0;  // tile origin in blocks / output pixels
    int bi, coi, hi, wi;  // tile indices
    uint32_t acc_base;    // its accumulator slot
    size_t index;         // its accumulator resource
  };

  int TileRows() const { return S_.tile_h * S_.tile_w; }
  uint64_t BlocksPerTile() const { return uint64_t(S_.tile_b) * S_.tile_co; }
  int AccResource(const Thread& t) const { return OpGraph::Resource(OpGraph::kAcc, int(t.index)); }
  // The tile's per-channel shift rows: after its outputs and its bias rows.
  uint32_t ShiftRows(const Thread& t) const { return t.acc_base + uint32_t(p_.out_rows + p_.bias_rows); }

  // DRAM image: input, weights, bias, output (the micro-ops follow, placed by the builder).
  void PlaceOperands() {
    const bool dw = p_.dw;
    const bool wshape =
        dw ? (ops_.weights.n == L_.c && ops_.weights.c == 1) : (ops_.weights.n == L_.k && ops_.weights.c == L_.c);
    if (ops_.input.n != L_.n || ops_.input.c != L_.c || ops_.input.h != L_.h || ops_.input.w != L_.w || !wshape ||
        ops_.weights.h != L_.r || ops_.weights.w != L_.s || (L_.epilogue.bias && int(ops_.bias.size()) != L_.k))
      throw UsageError(fmt::format("operands do not match layer {}", L_.Describe()));
    const std::vector<uint8_t> inp = PackActivations(ops_.input, sp_, p_.cb);
    const std::vector<uint8_t> wgt = dw ? PackDepthwiseWeights(ops_.weights, sp_) : PackWeights(ops_.weights, sp_);
    const std::vector<uint8_t> bias = L_.epilogue.bias ? PackBias(ops_.bias, L_.k, sp_) : std::vector<uint8_t>{};
    inp_base_ = b_.Place("input", spec::RegionKind::kInput, inp, sp_.inp_row_bytes);
    wgt_base_ = b_.Place("weights", spec::RegionKind::kWeight, wgt, sp_.wgt_row_bytes);
    bias_base_ = b_.Place("bias", spec::RegionKind::kAcc, bias, sp_.acc_row_bytes);
    const std::vector<int32_t>& cs = L_.epilogue.channel_shift;
    if (!cs.empty())
      shift_base_ = b_.Place("shifts", spec::RegionKind::kAcc, PackBias(cs, L_.k, sp_), sp_.acc_row_bytes);
    out_base_ = b_.Reserve("output", spec::RegionKind::kOutput,
                           uint64_t(p_.nb) * p_.kb * p_.oh * p_.ow * sp_.out_row_bytes, sp_.out_row_bytes);
  }

  std::vector<Thread> GroupThreads(int bi, int co_g, int h_g, int wi) const {
    const int n_co_g = p_.n_co / S_.oc_nthread, n_h_g = p_.n_h / S_.h_nthread;
    std::vector<Thread> th;
    for (int ot = 0; ot < S_.oc_nthread; ++ot)
      for (int ht = 0; ht < S_.h_nthread; ++ht) {
        Thread t;
        t.bi = bi;
        t.coi = ot * n_co_g + co_g;
        t.hi = ht * n_h_g + h_g;
        t.wi = wi;
        t.b0 = bi * S_.tile_b;
        t.co0 = t.coi * S_.tile_co;
        t.h0 = t.hi * S_.tile_h;
        t.w0 = wi * S_.tile_w;
        t.index = th.size();
        t.acc_base = uint32_t(int64_t(t.index) * p_.acc_cap);
        th.push_back(t);
      }
    return th;
  }

  void LowerTileGroup(int bi, int co_g, int h_g, int wi) {
    const std::vector<Thread> threads = GroupThreads(bi, co_g, h_g, wi);
    std::vector<bool> computed(threads.size(), false);  // a GEMM wrote the thread's tile
    for (int ci_i = 0; ci_i < p_.n_ci; ++ci_i)
      for (int ki = 0; ki < p_.n_kh; ++ki)
        for (int kwi = 0; kwi < p_.n_kw; ++kwi) {
          const bool first_step = ci_i == 0 && ki == 0 && kwi == 0;
          const bool last_step = ci_i == p_.n_ci - 1 && ki == p_.n_kh - 1 && kwi == p_.n_kw - 1;
          for (const Thread& t : threads) {
            // Steps whose input window lies entirely in the padding add nothing and are skipped; a
            // tile whose first step is all padding still starts from its bias.
            if (p_.RowsLive(t.hi, ki) && p_.ColsLive(t.wi, kwi)) {
              ++clock_;
              const int ci0 = p_.dw ? DepthwiseFirstInBlock(sp_, t.co0) : ci_i * S_.tile_ci;
              std::vector<Instruction> loads;
              std::vector<int> written;
              const int islot = LoadInput(t, ci0, ki, kwi, loads, written);
              const int wslot = LoadWeights(t, ci_i, ci0, ki, kwi, loads, written);
              b_.AddOp(Module::kLoad, std::move(loads), {}, written);
              if (first_step) InitAccumulator(t);  // after this thread's first loads, so they are not held up
              Gemm(t, ci0, islot, wslot);
              computed[t.index] = true;
            } else if (first_step) {
              InitAccumulator(t);
            }
            if (last_step) EpilogueAndStore(t, computed[t.index]);
          }
        }
  }

  // With a bias: load the tile's bias rows after its outputs and MOV them over the tile (one ALU pass
  // replaces a reset and an ADD); without: a GEMM reset. Per-channel shifts are loaded after the bias.
  void InitAccumulator(const Thread& t) {
    std::vector<Instruction> insns;
    const uint64_t bc = BlocksPerTile();
    const uint64_t rows = uint64_t(TileRows());
    if (p_.shift_rows)
      insns.push_back(MemInsn(Opcode::kLoad, MemType::kAcc, ShiftRows(t), shift_base_ + uint64_t(t.co0),
                              uint64_t(S_.tile_b), uint64_t(S_.tile_co), 0));
    if (L_.epilogue.bias) {
      const uint32_t bias_rows = t.acc_base + uint32_t(p_.out_rows);
      insns.push_back(MemInsn(Opcode::kLoad, MemType::kAcc, bias_rows, bias_base_ + uint64_t(t.co0),
                              uint64_t(S_.tile_b), uint64_t(S_.tile_co), 0));
      EmitBroadcastCopy(t.acc_base, bias_rows, bc, rows, b_, insns);
    } else {
      EmitReset(AccRows{t.acc_base, bc * uint64_t(S_.tile_h), uint64_t(S_.tile_w), uint64_t(S_.tile_w), 1}, b_, insns);
    }
    b_.AddOp(Module::kCompute, std::move(insns), {}, {AccResource(t)});
  }

  // The input window of reduction step (ci0.., ki, kwi) into an input slot; returns the slot.
  int LoadInput(const Thread& t, int ci0, int ki, int kwi, std::vector<Instruction>& loads, std::vector<int>& written) {
    const int tci = p_.TileCi(t.co0);
    const auto [slot, hit] = inp_slots_.Acquire({t.bi, ci0, tci, t.hi, t.wi, ki, kwi}, clock_);
    if (hit) return slot;
    const uint32_t sram = uint32_t(slot * p_.inp_cap);
    const int y0 = p_.RowStart(t.hi, ki), x0 = p_.ColStart(t.wi, kwi);
    const int ys = std::max(y0, 0), ye = std::min(y0 + p_.in_h, L_.h);
    const int xs = std::max(x0, 0), xe = std::min(x0 + p_.in_w, L_.w);
    if (p_.subsample) {
      // One load per output row: tile_w pixels stride_w apart (no padding: pad is 0).
      for (int b = 0; b < S_.tile_b; ++b)
        for (int ci = 0; ci < tci; ++ci)
          for (int h = 0; h < S_.tile_h; ++h)
            loads.push_back(MemInsn(
                Opcode::kLoad, MemType::kInp,
                sram + ((uint64_t(b) * tci + ci) * uint64_t(p_.in_h) + uint64_t(h)) * p_.in_w,
                inp_base_ +
                    ((uint64_t(t.b0 + b) * p_.cb + uint64_t(ci0 + ci)) * L_.h + uint64_t((t.h0 + h) * L_.stride_h)) *
                        L_.w +
                    uint64_t(t.w0 * L_.stride_w),
                uint64_t(S_.tile_w), 1, uint64_t(L_.stride_w)));
    } else {
      for (int b = 0; b < S_.tile_b; ++b)
        for (int ci = 0; ci < tci; ++ci) {
          const uint64_t dram = inp_base_ +
                                ((uint64_t(t.b0 + b) * p_.cb + uint64_t(ci0 + ci)) * L_.h + uint64_t(ys)) * L_.w +
                                uint64_t(xs);
          Instruction in =
              MemInsn(Opcode::kLoad, MemType::kInp, sram + (uint64_t(b) * tci + ci) * uint64_t(p_.in_h) * p_.in_w, dram,
                      uint64_t(ye - ys), uint64_t(xe - xs), uint64_t(L_.w));
          in.y_pad_0 = uint64_t(ys - y0);
          in.y_pad_1 = uint64_t(y0 + p_.in_h - ye);
          in.x_pad_0 = uint64_t(xs - x0);
          in.x_pad_1 = uint64_t(x0 + p_.in_w - xe);
          loads.push_back(in);
        }
    }
    written.push_back(OpGraph::Resource(OpGraph::kInp, slot));
    return slot;
  }

  // The weights of reduction step (ci_i, ki, kwi) into a weight slot; returns the slot.
  int LoadWeights(const Thread& t, int ci_i, int ci0, int ki, int kwi, std::vector<Instruction>& loads,
                  std::vector<int>& written) {
    const auto [slot, hit] = wgt_slots_.Acquire({t.coi, ci_i, ki, kwi, 0, 0, 0}, clock_);
    if (hit) return slot;
    const uint32_t sram = uint32_t(slot * p_.wgt_cap);
    const uint64_t rs = uint64_t(L_.r) * L_.s;
    const int wci0 = p_.dw ? 0 : ci0;
    const int kh0 = ki * p_.tkh, kw0 = kwi * p_.tkw;
    if (p_.tkh == L_.r && p_.tkw == L_.s) {
      loads.push_back(MemInsn(Opcode::kLoad, MemType::kWgt, sram,
                              wgt_base_ + (uint64_t(t.co0) * p_.wci + uint64_t(wci0)) * rs, uint64_t(S_.tile_co),
                              uint64_t(p_.tciw) * rs, uint64_t(p_.wci) * rs));
    } else if (p_.tkw == L_.s) {
      for (int co = 0; co < S_.tile_co; ++co)
        loads.push_back(
            MemInsn(Opcode::kLoad, MemType::kWgt, sram + uint64_t(co) * p_.tciw * p_.tkh * L_.s,
                    wgt_base_ + (uint64_t(t.co0 + co) * p_.wci + uint64_t(wci0)) * rs + uint64_t(kh0) * L_.s,
                    uint64_t(p_.tciw), uint64_t(p_.tkh) * L_.s, rs));
    } else {
      for (int co = 0; co < S_.tile_co; ++co)
        for (int j = 0; j < p_.tciw; ++j)
          loads.push_back(MemInsn(Opcode::kLoad, MemType::kWgt,
                                  sram + (uint64_t(co) * p_.tciw + uint64_t(j)) * p_.tkh * p_.tkw,
                                  wgt_base_ + (uint64_t(t.co0 + co) * p_.wci + uint64_t(wci0 + j)) * rs +
                                      uint64_t(kh0) * L_.s + uint64_t(kw0),
                                  uint64_t(p_.tkh), uint64_t(p_.tkw), uint64_t(L_.s)));
    }
    written.push_back(OpGraph::Resource(OpGraph::kWgt, slot));
    return slot;
  }

  // The micro-op kernel of one reduction step (the GEMM's two hardware loops walk the rest).
  std::vector<spec::Uop> GemmKernel(const Thread& t, int ci0, uint32_t inp_sram, uint32_t wgt_sram) const {
    const int tci = p_.TileCi(t.co0);
    const int tile_rows = TileRows();
    std::vector<spec::Uop> kernel;
    kernel.reserve(size_t(p_.gemm.uops));
    auto src_ci = [&](int co, int j) { return p_.dw ? DepthwiseFirstInBlock(sp_, t.co0 + co) - ci0 + j : j; };
    const uint32_t ab = t.acc_base;
    if (S_.gemm_loop == GemmLoop::kSpatial) {
      for (int j = 0; j < p_.tciw; ++j)
        for (int r = 0; r < p_.tkh; ++r)
          for (int q = 0; q < p_.tkw; ++q)
            for (int b = 0; b < S_.tile_b; ++b)
              for (int co = 0; co < S_.tile_co; ++co) {
                spec::Uop u;
                u.dst = ab + uint32_t((b * S_.tile_co + co) * tile_rows);
                u.src = inp_sram + uint32_t(((b * tci + src_ci(co, j)) * p_.in_h + r) * p_.in_w + q);
                u.wgt = wgt_sram + uint32_t(((co * p_.tciw + j) * p_.tkh + r) * p_.tkw + q);
                kernel.push_back(u);
              }
    } else {
      for (int q = 0; q < p_.tkw; ++q)
        for (int b = 0; b < S_.tile_b; ++b)
          for (int co = 0; co < S_.tile_co; ++co)
            for (int h = 0; h < S_.tile_h; ++h)
              for (int w = 0; w < S_.tile_w; ++w) {
                spec::Uop u;
                u.dst = ab + uint32_t((b * S_.tile_co + co) * tile_rows + h * S_.tile_w + w);
                u.src =
                    inp_sram + uint32_t(((b * tci + src_ci(co, 0)) * p_.in_h + h * p_.esh) * p_.in_w + w * p_.esw + q);
                u.wgt = wgt_sram + uint32_t(co * p_.tciw * p_.tkh * p_.tkw + q);
                kernel.push_back(u);
              }
    }
    return kernel;
  }

  void Gemm(const Thread& t, int ci0, int islot, int wslot) {
    const std::vector<spec::Uop> kernel =
        GemmKernel(t, ci0, uint32_t(islot * p_.inp_cap), uint32_t(wslot * p_.wgt_cap));
    std::vector<Instruction> comp;
    const uint32_t ub = b_.Uops(kernel, comp);
    Instruction gm;
    gm.opcode = Opcode::kGemm;
    gm.uop_bgn = ub;
    gm.uop_end = ub + uint32_t(kernel.size());
    gm.iter_out = p_.gemm.iter_out;
    gm.iter_in = p_.gemm.iter_in;
    gm.dst_factor_out = p_.gemm.dst_fo;
    gm.dst_factor_in = p_.gemm.dst_fi;
    gm.src_factor_out = p_.gemm.src_fo;
    gm.src_factor_in = p_.gemm.src_fi;
    gm.wgt_factor_out = p_.gemm.wgt_fo;
    gm.wgt_factor_in = p_.gemm.wgt_fi;
    comp.push_back(gm);
    b_.AddOp(Module::kCompute, std::move(comp),
             {OpGraph::Resource(OpGraph::kInp, islot), OpGraph::Resource(OpGraph::kWgt, wslot)}, {AccResource(t)});
  }

  // Requantization of the finished tile on the ALU, then one store per (batch block, channel block).
  // `computed`: a GEMM wrote the tile (else it holds only its initialization).
  void EpilogueAndStore(const Thread& t, bool computed) {
    std::vector<Instruction> alu;
    const ChannelShifts shifts{ShiftRows(t), BlocksPerTile(), uint64_t(TileRows())};
    const AccRows tile{t.acc_base, BlocksPerTile() * uint64_t(S_.tile_h), uint64_t(S_.tile_w), uint64_t(S_.tile_w), 1};
    const size_t n = EmitRequant(L_.epilogue, tile, b_, alu, p_.shift_rows ? &shifts : nullptr);
    // Stock VTA's out buffer does not take a GEMM reset's zeros: a tile of padding only, without bias
    // and requantization, passes through the ALU before its store.
    if (n == 0 && !computed && !L_.epilogue.bias && b_.isa() == spec::Isa::kVta) EmitRefresh(tile, b_, alu);
    b_.AddOp(Module::kCompute, std::move(alu), {}, {AccResource(t)});
    std::vector<Instruction> st;
    for (int b = 0; b < S_.tile_b; ++b)
      for (int co = 0; co < S_.tile_co; ++co)
        st.push_back(
            MemInsn(Opcode::kStore, MemType::kOut, t.acc_base + uint64_t((b * S_.tile_co + co) * TileRows()),
                    out_base_ + ((uint64_t(t.b0 + b) * p_.kb + uint64_t(t.co0 + co)) * p_.oh + uint64_t(t.h0)) * p_.ow +
                        uint64_t(t.w0),
                    uint64_t(S_.tile_h), uint64_t(S_.tile_w), uint64_t(p_.ow)));
    b_.AddOp(Module::kStore, std::move(st), {AccResource(t)}, {});
  }

  const ConvLayer& L_;
  const Schedule& sched_;
  const spec::Spec& sp_;
  const ConvOperands& ops_;
  const Plan p_;
  const Schedule& S_;  // the plan's schedule (tile_kh / tile_kw resolved)
  ProgramBuilder b_;
  SlotPool inp_slots_, wgt_slots_;
  int64_t clock_ = 0;
  uint64_t inp_base_ = 0, wgt_base_ = 0, bias_base_ = 0, shift_base_ = 0, out_base_ = 0;
};

}  // namespace

CompiledConv CompileConv(const ConvLayer& layer, const Schedule& sched, const spec::Spec& sp, const ConvOperands& ops) {
  const std::vector<Violation> bad = Check(layer, sched, sp);
  if (!bad.empty()) {
    std::string msg = fmt::format("invalid schedule {} for {} on {}:", ToString(sched), layer.Describe(), sp.tag);
    for (const Violation& v : bad) msg += fmt::format("\n  {}: {}", v.name, v.message);
    throw ScheduleError(msg);
  }
  return ConvLowering(layer, sched, sp, ops).Run();
}

reference::Tensor ReadOutput(const ConvLayer& layer, const spec::Program& p, std::span<const uint8_t> dram,
                             const spec::Spec& sp) {
  const spec::Region* r = p.FindRegion("output");
  if (!r || r->offset + r->bytes > dram.size()) throw UsageError("program has no output region inside its DRAM image");
  return UnpackOutputs(dram.subspan(size_t(r->offset), size_t(r->bytes)), layer.n, layer.k, layer.OutH(), layer.OutW(),
                       sp);
}

}  // namespace dcoc::compiler
