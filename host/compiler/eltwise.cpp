#include "host/compiler/eltwise.h"

#include <fmt/format.h>

#include <algorithm>
#include <bit>

#include "host/common/error.h"
#include "host/compiler/builder.h"
#include "host/compiler/epilogue.h"
#include "host/compiler/layout.h"

namespace dcoc::compiler {

using spec::AluOp;
using spec::Instruction;
using spec::MemType;
using spec::Opcode;

namespace {

constexpr uint64_t kMaxIter = (uint64_t(1) << spec::IsaLayout::kLoopIterBits) - 1;

void CheckImm(int64_t v, std::string_view what) {
  const int64_t lo = -(int64_t(1) << (spec::IsaLayout::kImmBits - 1)), hi = -lo - 1;
  if (v < lo || v > hi)
    throw UsageError(fmt::format("{} = {} does not fit the {}-bit signed ALU immediate [{}, {}]", what, v,
                                 spec::IsaLayout::kImmBits, lo, hi));
}

// Stock VTA's instruction set needs a configuration a VTA bitstream has.
void CheckTarget(const spec::Spec& s, spec::Isa isa) {
  if (isa != spec::Isa::kVta) return;
  const std::vector<std::string> problems = spec::VtaConfigProblems(s);
  if (problems.empty()) return;
  std::string msg = fmt::format("configuration {} has no stock VTA bitstream:", s.tag);
  for (const std::string& p : problems) msg += "\n  " + p;
  throw UsageError(msg);
}

void CheckEpilogue(const reference::Epilogue& e) {
  if (e.bias) throw UsageError("element-wise and pooling operators take no bias");
  if (!e.channel_shift.empty()) throw UsageError("element-wise and pooling operators take no per-channel shifts");
  CheckImm(e.shift, "shift");
  if (e.clip_hi) CheckImm(*e.clip_hi, "clip maximum");
  if (e.clip_lo) CheckImm(*e.clip_lo, "clip minimum");
}

}  // namespace

std::string PoolLayer::Describe() const {
  return fmt::format("{} N={} C={} H={} W={} window={}x{} stride={}x{} pad={}x{}",
                     kind == PoolKind::kMax ? "max_pool2d" : "avg_pool2d", n, c, h, w, r, s, attrs.stride_h,
                     attrs.stride_w, attrs.pad_h, attrs.pad_w);
}

spec::Program CompileEltwise(EltwiseKind kind, const reference::Tensor& a, const reference::Tensor* b,
                             const reference::Epilogue& e, const spec::Spec& s, spec::Isa isa) {
  CheckEpilogue(e);
  if (kind == EltwiseKind::kAdd && (!b || b->n != a.n || b->c != a.c || b->h != a.h || b->w != a.w))
    throw UsageError("element-wise add needs two operands of the same shape");
  CheckTarget(s, isa);
  ProgramBuilder pb(s, isa);
  const std::vector<uint8_t> ai = PackAcc(a, s);
  const uint64_t rows = ai.size() / uint64_t(s.acc_row_bytes);
  const uint64_t a_base = pb.Place("a", spec::RegionKind::kAcc, ai, s.acc_row_bytes);
  uint64_t b_base = 0;
  if (kind == EltwiseKind::kAdd) b_base = pb.Place("b", spec::RegionKind::kAcc, PackAcc(*b, s), s.acc_row_bytes);
  const uint64_t out_base =
      pb.Reserve("output", spec::RegionKind::kOutput, rows * uint64_t(s.out_row_bytes), s.out_row_bytes);

  // Two slots (halves of the accumulator buffer); each holds a chunk of a (and of b).
  const int operands = kind == EltwiseKind::kAdd ? 2 : 1;
  const uint64_t slot_rows = uint64_t(s.acc_depth) / 2;
  const uint64_t chunk = std::min<uint64_t>({slot_rows / uint64_t(operands), kMaxIter, 65535});
  if (chunk == 0)
    throw UsageError(fmt::format("the accumulator buffer ({} rows) is too small for element-wise ops", s.acc_depth));
  int slot = 0;
  for (uint64_t r0 = 0; r0 < rows; r0 += chunk, slot ^= 1) {
    const uint64_t n = std::min(chunk, rows - r0);
    const uint32_t base = uint32_t(uint64_t(slot) * slot_rows);
    std::vector<Instruction> c;
    c.push_back(MemInsn(Opcode::kLoad, MemType::kAcc, base, a_base + r0, 1, n, n));
    if (kind == EltwiseKind::kAdd) {
      c.push_back(MemInsn(Opcode::kLoad, MemType::kAcc, base + n, b_base + r0, 1, n, n));
      const uint32_t u = pb.Uops({spec::Uop{base, base + uint32_t(n), 0}}, c);
      c.push_back(AluInsn(AluOp::kAdd, u, u + 1, 1, n, 0, 1, 0, 1, std::nullopt));
    }
    const AccRows chunk_rows{base, 1, n, 0, 1};
    // A requantization that changes nothing leaves a unary op's rows as the ACC load wrote them, which
    // stock VTA's out buffer does not see.
    if (EmitRequant(e, chunk_rows, pb, c) == 0 && kind == EltwiseKind::kUnary && isa == spec::Isa::kVta)
      EmitRefresh(chunk_rows, pb, c);
    const int res = OpGraph::Resource(OpGraph::kAcc, slot);
    pb.AddOp(Module::kCompute, std::move(c), {}, {res});
    pb.AddOp(Module::kStore, {MemInsn(Opcode::kStore, MemType::kOut, base, out_base + r0, 1, n, n)}, {res}, {});
  }
  return pb
      .Build(
          fmt::format("{} N={} C={} H={} W={}", kind == EltwiseKind::kAdd ? "add" : "requantize", a.n, a.c, a.h, a.w))
      .program;
}

spec::Program CompilePool(const PoolLayer& pl, const reference::Tensor& x, const spec::Spec& s) {
  const int oh = pl.OutH(), ow = pl.OutW();
  const auto& at = pl.attrs;
  if (pl.r < 1 || pl.s < 1 || at.stride_h < 1 || at.stride_w < 1 || oh < 1 || ow < 1 || at.pad_h < 0 || at.pad_w < 0)
    throw UsageError(fmt::format("{}: not a valid pooling window", pl.Describe()));
  if (x.n != pl.n || x.c != pl.c || x.h != pl.h || x.w != pl.w)
    throw UsageError(fmt::format("{}: input shape differs", pl.Describe()));
  if (at.pad_h >= pl.r || at.pad_w >= pl.s)
    throw UsageError(fmt::format("{}: padding must be smaller than the window (a window of padding only has no value)",
                                 pl.Describe()));
  const uint64_t pad_max = (uint64_t(1) << spec::IsaLayout::kPadBits) - 1;
  if (uint64_t(at.pad_h) > pad_max || uint64_t(at.pad_w) > pad_max)
    throw UsageError(fmt::format("{}: padding does not fit the {}-bit pad fields (at most {})", pl.Describe(),
                                 spec::IsaLayout::kPadBits, pad_max));
  if (pl.kind == PoolKind::kAvg) {
    CheckImm(pl.mul, "average-pool multiplier");
    CheckImm(pl.shift, "average-pool shift");
  }
  CheckTarget(s, pl.isa);
  const bool vta = pl.isa == spec::Isa::kVta;
  // Stock VTA multiplies with shifts and adds, keeping a copy of the sums next to them.
  const bool scratch = vta && pl.kind == PoolKind::kAvg && std::popcount(uint64_t(uint32_t(pl.mul))) > 1;
  ProgramBuilder pb(s, pl.isa);
  const uint64_t x_base = pb.Place("input", spec::RegionKind::kAcc, PackAcc(x, s), s.acc_row_bytes);
  const int nb = CeilDiv(pl.n, s.batch), cb = CeilDiv(pl.c, s.block_out);
  const uint64_t out_rows = uint64_t(nb) * cb * oh * ow;
  const uint64_t out_base =
      pb.Reserve("output", spec::RegionKind::kOutput, out_rows * uint64_t(s.out_row_bytes), s.out_row_bytes);

  // Tile: tile_h output rows x tile_w output columns of one (batch block, channel block), the largest
  // (by area) whose input window and outputs fit half the accumulator buffer.
  const uint64_t slot_rows = uint64_t(s.acc_depth) / 2;
  int th = 0, tw = 0;
  for (int a = 1; a <= oh; ++a)
    for (int b = 1; b <= ow; ++b) {
      if (oh % a || ow % b) continue;
      const uint64_t in_h = uint64_t(a - 1) * at.stride_h + pl.r, in_w = uint64_t(b - 1) * at.stride_w + pl.s;
      if (in_h * in_w + uint64_t(a) * b * (scratch ? 2 : 1) > slot_rows || uint64_t(a) > kMaxIter ||
          uint64_t(b) > kMaxIter)
        continue;
      if (int64_t(a) * b > int64_t(th) * tw) th = a, tw = b;
    }
  if (th == 0)
    throw UsageError(fmt::format("{}: one output's window does not fit half the accumulator buffer ({} rows)",
                                 pl.Describe(), slot_rows));
  const int in_h = (th - 1) * at.stride_h + pl.r, in_w = (tw - 1) * at.stride_w + pl.s;
  if (int64_t(pl.r) * pl.s > s.uop_depth)
    throw UsageError(
        fmt::format("{}: {} window taps do not fit the micro-op buffer ({})", pl.Describe(), pl.r * pl.s, s.uop_depth));
  int slot = 0;
  for (int b = 0; b < nb; ++b)
    for (int c = 0; c < cb; ++c)
      for (int h0 = 0; h0 < oh; h0 += th)
        for (int w0 = 0; w0 < ow; w0 += tw, slot ^= 1) {
          const uint32_t base = uint32_t(uint64_t(slot) * slot_rows);
          const uint32_t out = base + uint32_t(in_h * in_w);
          std::vector<Instruction> ins;
          const int y0 = h0 * at.stride_h - at.pad_h, x0 = w0 * at.stride_w - at.pad_w;
          const int ys = std::max(y0, 0), ye = std::min(y0 + in_h, pl.h), xs = std::max(x0, 0),
                    xe = std::min(x0 + in_w, pl.w);
          const uint64_t x_row = x_base + ((uint64_t(b) * cb + uint64_t(c)) * pl.h + uint64_t(ys)) * pl.w + uint64_t(xs);
          if (!vta) {
            Instruction ld = MemInsn(Opcode::kLoad, MemType::kAcc, base, x_row, uint64_t(ye - ys), uint64_t(xe - xs),
                                     uint64_t(pl.w));
            ld.y_pad_0 = uint64_t(ys - y0);
            ld.y_pad_1 = uint64_t(y0 + in_h - ye);
            ld.x_pad_0 = uint64_t(xs - x0);
            ld.x_pad_1 = uint64_t(x0 + in_w - xe);
            ld.pad_min = pl.kind == PoolKind::kMax;
            ins.push_back(ld);
          } else {
            // The window's padding first (max-pool: the output type's minimum, which the reference
            // reads outside the image; average: zero), then its rows: one load when no column is
            // padding, else one per row.
            if (ys != y0 || ye != y0 + in_h || xs != x0 || xe != x0 + in_w)
              EmitFill(AccRows{base, 1, uint64_t(in_h) * uint64_t(in_w), 0, 1},
                       pl.kind == PoolKind::kMax ? -(int64_t(1) << (s.out_bits - 1)) : 0, pb, ins);
            const uint64_t first = base + uint64_t(ys - y0) * uint64_t(in_w) + uint64_t(xs - x0);
            if (xe - xs == in_w)
              ins.push_back(MemInsn(Opcode::kLoad, MemType::kAcc, first, x_row, uint64_t(ye - ys), uint64_t(in_w),
                                    uint64_t(pl.w)));
            else
              for (int y = ys; y < ye; ++y)
                ins.push_back(MemInsn(Opcode::kLoad, MemType::kAcc, first + uint64_t(y - ys) * uint64_t(in_w),
                                      x_row + uint64_t(y - ys) * uint64_t(pl.w), 1, uint64_t(xe - xs),
                                      uint64_t(xe - xs)));
          }
          // out = 0; out += tap(0,0); then MAX (or ADD) the other taps.
          const uint64_t rows = uint64_t(th) * uint64_t(tw);
          EmitReset(AccRows{out, uint64_t(th), uint64_t(tw), uint64_t(tw), 1}, pb, ins);
          std::vector<spec::Uop> taps;
          for (int i = 0; i < pl.r; ++i)
            for (int j = 0; j < pl.s; ++j) taps.push_back(spec::Uop{out, base + uint32_t(i * in_w + j), 0});
          const uint32_t ut = pb.Uops(taps, ins);
          const uint64_t sfo = uint64_t(at.stride_h) * uint64_t(in_w), sfi = uint64_t(at.stride_w);
          ins.push_back(
              AluInsn(AluOp::kAdd, ut, ut + 1, uint64_t(th), uint64_t(tw), uint64_t(tw), 1, sfo, sfi, std::nullopt));
          if (taps.size() > 1)
            ins.push_back(AluInsn(pl.kind == PoolKind::kMax ? AluOp::kMax : AluOp::kAdd, ut + 1,
                                  ut + uint32_t(taps.size()), uint64_t(th), uint64_t(tw), uint64_t(tw), 1, sfo, sfi,
                                  std::nullopt));
          if (pl.kind == PoolKind::kAvg) {
            EmitMulImm(AccRows{out, 1, rows, 0, 1}, out + uint32_t(rows), pl.mul, pb, ins);
            EmitRequant(reference::Epilogue::Requant(pl.shift, false, s.out_bits, false), AccRows{out, 1, rows, 0, 1},
                        pb, ins);
          }
          const int res = OpGraph::Resource(OpGraph::kAcc, slot);
          pb.AddOp(Module::kCompute, std::move(ins), {}, {res});
          pb.AddOp(Module::kStore,
                   {MemInsn(Opcode::kStore, MemType::kOut, out,
                            out_base + ((uint64_t(b) * cb + uint64_t(c)) * oh + uint64_t(h0)) * ow + uint64_t(w0),
                            uint64_t(th), uint64_t(tw), uint64_t(ow))},
                   {res}, {});
        }
  return pb.Build(pl.Describe()).program;
}

reference::Tensor ReadTensor(const spec::Program& p, std::span<const uint8_t> dram, int n, int c, int h, int w,
                             const spec::Spec& s) {
  const spec::Region* r = p.FindRegion("output");
  if (!r || r->offset + r->bytes > dram.size()) throw UsageError("program has no output region inside its DRAM image");
  return UnpackOutputs(dram.subspan(size_t(r->offset), size_t(r->bytes)), n, c, h, w, s);
}

}  // namespace dcoc::compiler
