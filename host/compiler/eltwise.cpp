#include "host/compiler/eltwise.h"

#include <fmt/format.h>

#include <algorithm>

#include "host/common/error.h"
#include "host/compiler/layout.h"
#include "host/compiler/stream.h"

namespace dcoc::compiler {

using spec::AluOp;
using spec::Instruction;
using spec::MemType;
using spec::Opcode;

namespace {

constexpr uint64_t kMaxIter = (uint64_t(1) << spec::IsaLayout::kLoopIterBits) - 1;

Instruction Alu(AluOp op, uint32_t u0, uint32_t u1, uint64_t io, uint64_t ii, uint64_t dfo, uint64_t dfi, uint64_t sfo,
                uint64_t sfi, std::optional<int64_t> imm) {
  Instruction in;
  in.opcode = Opcode::kAlu;
  in.alu_opcode = op;
  in.uop_bgn = u0;
  in.uop_end = u1;
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

void CheckImm(int64_t v, std::string_view what) {
  const int64_t lo = -(int64_t(1) << (spec::IsaLayout::kImmBits - 1)), hi = -lo - 1;
  if (v < lo || v > hi)
    throw UsageError(fmt::format("{} = {} does not fit the {}-bit signed ALU immediate [{}, {}]", what, v,
                                 spec::IsaLayout::kImmBits, lo, hi));
}

// Epilogue ALU ops (shift, min, max) over `rows` consecutive accumulator rows at `base`.
void Epilogue(const reference::Epilogue& e, uint32_t base, uint64_t rows, UopCache& uops, uint64_t uop_base,
              std::vector<Instruction>& out) {
  auto op = [&](AluOp a, int64_t imm) {
    const uint32_t u = uops.Use({spec::Uop{base, base, 0}}, uop_base, out);
    out.push_back(Alu(a, u, u + 1, 1, rows, 0, 1, 0, 1, imm));
  };
  if (e.shift != 0) op(AluOp::kShr, e.shift);
  if (e.clip_hi && e.clip_lo && *e.clip_lo == ~*e.clip_hi) {
    op(AluOp::kClip, *e.clip_hi);
  } else {
    if (e.clip_hi) op(AluOp::kMin, *e.clip_hi);
    if (e.clip_lo) op(AluOp::kMax, *e.clip_lo);
  }
}

void CheckEpilogue(const reference::Epilogue& e) {
  if (e.bias) throw UsageError("element-wise and pooling operators take no bias");
  CheckImm(e.shift, "shift");
  if (e.clip_hi) CheckImm(*e.clip_hi, "clip maximum");
  if (e.clip_lo) CheckImm(*e.clip_lo, "clip minimum");
}

struct Image {
  std::vector<uint8_t> dram;
  std::vector<spec::Region> regions;
  uint64_t Place(std::string name, spec::RegionKind kind, std::span<const uint8_t> bytes, uint64_t zero_bytes,
                 int align) {
    uint64_t off = (dram.size() + uint64_t(std::max(64, align)) - 1) / uint64_t(std::max(64, align)) *
                   uint64_t(std::max(64, align));
    const uint64_t size = bytes.empty() ? zero_bytes : bytes.size();
    dram.resize(size_t(off + size), 0);
    std::copy(bytes.begin(), bytes.end(), dram.begin() + std::ptrdiff_t(off));
    regions.push_back({std::move(name), kind, off, size});
    return off;
  }
};

spec::Program Finish(const spec::Spec& s, OpGraph& g, UopCache& uops, Image& img, uint64_t uop_off, std::string desc) {
  const InsnStream st = g.Finalize();
  const std::vector<uint8_t> u = uops.Image();
  img.dram.resize(size_t(uop_off), 0);
  img.dram.insert(img.dram.end(), u.begin(), u.end());
  img.regions.push_back({"uops", spec::RegionKind::kUop, uop_off, u.size()});
  spec::Program p;
  p.config = s.config;
  p.insns = st.insns();
  p.dram = std::move(img.dram);
  p.regions = std::move(img.regions);
  p.description = std::move(desc);
  for (int q = 0; q < 4; ++q)
    if (st.MaxOutstanding()[size_t(q)] > s.config.dep_queue_depth)
      throw UsageError(fmt::format("{} needs {} tokens in a dependency queue, DEP_QUEUE_DEPTH is {}", p.description,
                                   st.MaxOutstanding()[size_t(q)], s.config.dep_queue_depth));
  (void)spec::EncodeStream(s.isa, p.insns);
  return p;
}

uint64_t UopRegionOffset(const Image& img, const spec::Spec& s) {
  const uint64_t a = std::max<uint64_t>(64, uint64_t(s.uop_bytes));
  return (img.dram.size() + a - 1) / a * a;
}

}  // namespace

std::string PoolLayer::Describe() const {
  return fmt::format("{} N={} C={} H={} W={} window={}x{} stride={}x{} pad={}x{}",
                     kind == PoolKind::kMax ? "max_pool2d" : "avg_pool2d", n, c, h, w, r, s, attrs.stride_h,
                     attrs.stride_w, attrs.pad_h, attrs.pad_w);
}

spec::Program CompileEltwise(EltwiseKind kind, const reference::Tensor& a, const reference::Tensor* b,
                             const reference::Epilogue& e, const spec::Spec& s) {
  CheckEpilogue(e);
  if (kind == EltwiseKind::kAdd && (!b || b->n != a.n || b->c != a.c || b->h != a.h || b->w != a.w))
    throw UsageError("element-wise add needs two operands of the same shape");
  Image img;
  const std::vector<uint8_t> ai = PackAcc(a, s);
  const uint64_t rows = ai.size() / uint64_t(s.acc_row_bytes);
  const uint64_t a_base = img.Place("a", spec::RegionKind::kAcc, ai, 0, s.acc_row_bytes) / uint64_t(s.acc_row_bytes);
  uint64_t b_base = 0;
  if (kind == EltwiseKind::kAdd) {
    const std::vector<uint8_t> bi = PackAcc(*b, s);
    b_base = img.Place("b", spec::RegionKind::kAcc, bi, 0, s.acc_row_bytes) / uint64_t(s.acc_row_bytes);
  }
  const uint64_t out_base =
      img.Place("output", spec::RegionKind::kOutput, {}, rows * uint64_t(s.out_row_bytes), s.out_row_bytes) /
      uint64_t(s.out_row_bytes);
  const uint64_t uop_off = UopRegionOffset(img, s);
  const uint64_t uop_base = uop_off / uint64_t(s.uop_bytes);

  // Two slots (halves of the accumulator buffer); each holds a chunk of a (and of b).
  const int operands = kind == EltwiseKind::kAdd ? 2 : 1;
  const uint64_t slot_rows = uint64_t(s.acc_depth) / 2;
  const uint64_t chunk = std::min<uint64_t>({slot_rows / uint64_t(operands), kMaxIter, 65535});
  if (chunk == 0)
    throw UsageError(fmt::format("the accumulator buffer ({} rows) is too small for element-wise ops", s.acc_depth));
  OpGraph g;
  UopCache uops(s);
  int slot = 0;
  for (uint64_t r0 = 0; r0 < rows; r0 += chunk, slot ^= 1) {
    const uint64_t n = std::min(chunk, rows - r0);
    const uint32_t base = uint32_t(uint64_t(slot) * slot_rows);
    std::vector<Instruction> c;
    c.push_back(MemInsn(Opcode::kLoad, MemType::kAcc, base, a_base + r0, 1, n, n));
    if (kind == EltwiseKind::kAdd) {
      c.push_back(MemInsn(Opcode::kLoad, MemType::kAcc, base + n, b_base + r0, 1, n, n));
      const uint32_t u = uops.Use({spec::Uop{base, base + uint32_t(n), 0}}, uop_base, c);
      c.push_back(Alu(AluOp::kAdd, u, u + 1, 1, n, 0, 1, 0, 1, std::nullopt));
    }
    Epilogue(e, base, n, uops, uop_base, c);
    const int res = OpGraph::Resource(OpGraph::kAcc, slot);
    g.AddOp(Module::kCompute, std::move(c), {}, {res});
    g.AddOp(Module::kStore, {MemInsn(Opcode::kStore, MemType::kOut, base, out_base + r0, 1, n, n)}, {res}, {});
  }
  return Finish(
      s, g, uops, img, uop_off,
      fmt::format("{} N={} C={} H={} W={}", kind == EltwiseKind::kAdd ? "add" : "requantize", a.n, a.c, a.h, a.w));
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
  Image img;
  const std::vector<uint8_t> xi = PackAcc(x, s);
  const uint64_t x_base =
      img.Place("input", spec::RegionKind::kAcc, xi, 0, s.acc_row_bytes) / uint64_t(s.acc_row_bytes);
  const int nb = CeilDiv(pl.n, s.batch), cb = CeilDiv(pl.c, s.block_out);
  const uint64_t out_rows = uint64_t(nb) * cb * oh * ow;
  const uint64_t out_base =
      img.Place("output", spec::RegionKind::kOutput, {}, out_rows * uint64_t(s.out_row_bytes), s.out_row_bytes) /
      uint64_t(s.out_row_bytes);
  const uint64_t uop_off = UopRegionOffset(img, s);
  const uint64_t uop_base = uop_off / uint64_t(s.uop_bytes);

  // Tile: tile_h output rows x tile_w output columns of one (batch block, channel block), the largest
  // (by area) whose input window and outputs fit half the accumulator buffer.
  const uint64_t slot_rows = uint64_t(s.acc_depth) / 2;
  int th = 0, tw = 0;
  for (int a = 1; a <= oh; ++a)
    for (int b = 1; b <= ow; ++b) {
      if (oh % a || ow % b) continue;
      const uint64_t in_h = uint64_t(a - 1) * at.stride_h + pl.r, in_w = uint64_t(b - 1) * at.stride_w + pl.s;
      if (in_h * in_w + uint64_t(a) * b > slot_rows || uint64_t(a) > kMaxIter || uint64_t(b) > kMaxIter) continue;
      if (int64_t(a) * b > int64_t(th) * tw) th = a, tw = b;
    }
  if (th == 0)
    throw UsageError(fmt::format("{}: one output's window does not fit half the accumulator buffer ({} rows)",
                                 pl.Describe(), slot_rows));
  const int in_h = (th - 1) * at.stride_h + pl.r, in_w = (tw - 1) * at.stride_w + pl.s;
  if (int64_t(pl.r) * pl.s > s.uop_depth)
    throw UsageError(
        fmt::format("{}: {} window taps do not fit the micro-op buffer ({})", pl.Describe(), pl.r * pl.s, s.uop_depth));
  OpGraph g;
  UopCache uops(s);
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
          Instruction ld = MemInsn(Opcode::kLoad, MemType::kAcc, base,
                               x_base + ((uint64_t(b) * cb + uint64_t(c)) * pl.h + uint64_t(ys)) * pl.w + uint64_t(xs),
                               uint64_t(ye - ys), uint64_t(xe - xs), uint64_t(pl.w));
          ld.y_pad_0 = uint64_t(ys - y0);
          ld.y_pad_1 = uint64_t(y0 + in_h - ye);
          ld.x_pad_0 = uint64_t(xs - x0);
          ld.x_pad_1 = uint64_t(x0 + in_w - xe);
          ld.pad_min = pl.kind == PoolKind::kMax;
          ins.push_back(ld);
          // out = 0; out += tap(0,0); then MAX (or ADD) the other taps.
          const uint32_t ur = uops.Use({spec::Uop{out, 0, 0}}, uop_base, ins);
          Instruction rst;
          rst.opcode = Opcode::kGemm;
          rst.reset = true;
          rst.uop_bgn = ur;
          rst.uop_end = ur + 1;
          rst.iter_out = uint64_t(th);
          rst.iter_in = uint64_t(tw);
          rst.dst_factor_out = th == 1 ? 0 : uint64_t(tw);
          rst.dst_factor_in = tw == 1 ? 0 : 1;
          ins.push_back(rst);
          std::vector<spec::Uop> taps;
          for (int i = 0; i < pl.r; ++i)
            for (int j = 0; j < pl.s; ++j) taps.push_back(spec::Uop{out, base + uint32_t(i * in_w + j), 0});
          const uint32_t ut = uops.Use(taps, uop_base, ins);
          const uint64_t sfo = uint64_t(at.stride_h) * uint64_t(in_w), sfi = uint64_t(at.stride_w);
          ins.push_back(
              Alu(AluOp::kAdd, ut, ut + 1, uint64_t(th), uint64_t(tw), uint64_t(tw), 1, sfo, sfi, std::nullopt));
          if (taps.size() > 1)
            ins.push_back(Alu(pl.kind == PoolKind::kMax ? AluOp::kMax : AluOp::kAdd, ut + 1, ut + uint32_t(taps.size()),
                              uint64_t(th), uint64_t(tw), uint64_t(tw), 1, sfo, sfi, std::nullopt));
          const uint64_t rows = uint64_t(th) * uint64_t(tw);
          if (pl.kind == PoolKind::kAvg) {
            if (pl.mul != 1) {
              const uint32_t u = uops.Use({spec::Uop{out, out, 0}}, uop_base, ins);
              ins.push_back(Alu(AluOp::kMul, u, u + 1, 1, rows, 0, 1, 0, 1, pl.mul));
            }
            Epilogue(reference::Epilogue::Requant(pl.shift, false, s.out_bits, false), out, rows, uops, uop_base, ins);
          }
          const int res = OpGraph::Resource(OpGraph::kAcc, slot);
          g.AddOp(Module::kCompute, std::move(ins), {}, {res});
          g.AddOp(Module::kStore,
                  {MemInsn(Opcode::kStore, MemType::kOut, out,
                       out_base + ((uint64_t(b) * cb + uint64_t(c)) * oh + uint64_t(h0)) * ow + uint64_t(w0),
                       uint64_t(th), uint64_t(tw), uint64_t(ow))},
                  {res}, {});
        }
  return Finish(s, g, uops, img, uop_off, pl.Describe());
}

reference::Tensor ReadTensor(const spec::Program& p, std::span<const uint8_t> dram, int n, int c, int h, int w,
                             const spec::Spec& s) {
  const spec::Region* r = p.FindRegion("output");
  if (!r || r->offset + r->bytes > dram.size()) throw UsageError("program has no output region inside its DRAM image");
  return UnpackOutputs(dram.subspan(size_t(r->offset), size_t(r->bytes)), n, c, h, w, s);
}

}  // namespace dcoc::compiler
