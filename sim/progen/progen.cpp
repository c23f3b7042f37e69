#include "sim/progen/progen.h"

#include <algorithm>
#include <array>
#include <limits>
#include <optional>
#include <span>
#include <vector>

#include <fmt/format.h>

#include "host/common/error.h"
#include "host/spec/isa.h"
#include "host/spec/routing.h"

namespace dcoc::sim {

namespace {

using spec::Instruction;
using spec::MemType;
using spec::Opcode;
using spec::Uop;

// xoshiro256** seeded through splitmix64: the same numbers on every platform and standard library.
class Rng {
 public:
  explicit Rng(uint64_t seed) {
    for (uint64_t& w : s_) {
      seed += 0x9e3779b97f4a7c15ULL;
      uint64_t z = seed;
      z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
      z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
      w = z ^ (z >> 31);
    }
  }
  uint64_t Next() {
    const uint64_t result = Rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = Rotl(s_[3], 45);
    return result;
  }
  // Uniform in [lo, hi] (inclusive), without modulo bias.
  int64_t Range(int64_t lo, int64_t hi) {
    if (hi <= lo) return lo;
    const uint64_t span = uint64_t(hi - lo) + 1;
    if (span == 0) return int64_t(Next());
    const uint64_t limit = std::numeric_limits<uint64_t>::max() - std::numeric_limits<uint64_t>::max() % span;
    uint64_t x;
    do x = Next();
    while (x >= limit);
    return lo + int64_t(x % span);
  }
  uint64_t URange(uint64_t lo, uint64_t hi) { return uint64_t(Range(int64_t(lo), int64_t(hi))); }
  bool Chance(int percent) { return Range(0, 99) < percent; }
  void Fill(std::span<uint8_t> bytes) {
    size_t i = 0;
    while (i < bytes.size()) {
      uint64_t v = Next();
      for (int b = 0; b < 8 && i < bytes.size(); ++b, ++i, v >>= 8) bytes[i] = uint8_t(v);
    }
  }

 private:
  static uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  std::array<uint64_t, 4> s_{};
};

uint64_t Mask(int bits) { return bits >= 64 ? ~0ULL : ((1ULL << bits) - 1); }

// A contiguous range of scratchpad rows.
struct Window {
  uint64_t base = 0, rows = 0;
  uint64_t end() const { return base + rows; }
};

// The shape of a load: (y_pad_0 + y_size + y_pad_1) x (x_pad_0 + x_size + x_pad_1) rows.
struct Shape {
  uint64_t y_size = 0, x_size = 0, y_pad_0 = 0, y_pad_1 = 0, x_pad_0 = 0, x_pad_1 = 0;
  uint64_t Rows() const { return (y_pad_0 + y_size + y_pad_1) * (x_pad_0 + x_size + x_pad_1); }
};

// An instruction of one module's stream, with what the token placement and the DRAM layout need.
enum Area : int { kUopArea = 0, kInpArea, kWgtArea, kAccArea, kOutArea, kAcc8Area, kNumAreas };

struct Item {
  Instruction insn;
  bool reads_inp_wgt = false;  // a GEMM that reads the input and weight windows
  bool writes_acc = false;     // may write accumulator (and out) rows
  int area = -1;               // DRAM area dram_base is relative to; -1: its memory type's own
};

class Generator {
 public:
  Generator(const spec::Spec& s, uint64_t seed, const GenOptions& o)
      : s_(s), o_(o), vta_(o.isa == spec::Isa::kVta), rng_(seed), seed_(seed) {
    row_bytes_[kUopArea] = uint64_t(s.uop_bytes);
    row_bytes_[kAcc8Area] = uint64_t(s.acc8_row_bytes);
    row_bytes_[kInpArea] = uint64_t(s.inp_row_bytes);
    row_bytes_[kWgtArea] = uint64_t(s.wgt_row_bytes);
    row_bytes_[kAccArea] = uint64_t(s.acc_row_bytes);
    row_bytes_[kOutArea] = uint64_t(s.out_row_bytes);
    uop_depth_ = uint64_t(s.uop_depth);
    ubuf_.assign(size_t(uop_depth_), std::nullopt);
    const auto width = [&](spec::Field f) { return s.isa.FieldWidth(f); };
    max_iter_ = std::min<uint64_t>(uint64_t(std::max(1, o.max_iter)), Mask(width(spec::Field::kIterOut)));
    max_iter_ = std::min<uint64_t>(max_iter_, Mask(width(spec::Field::kIterIn)));
    pad_max_ = Mask(width(spec::Field::kYPad0));
    size_max_ = Mask(width(spec::Field::kXSize));
    gemm_dst_fmax_ = Mask(s.isa.gemm.Find(spec::Field::kDstFactorOut)->width);
    gemm_src_fmax_ = Mask(s.isa.gemm.Find(spec::Field::kSrcFactorOut)->width);
    gemm_wgt_fmax_ = Mask(s.isa.gemm.Find(spec::Field::kWgtFactorOut)->width);
    alu_dst_fmax_ = Mask(s.isa.alu.Find(spec::Field::kDstFactorOut)->width);
    alu_src_fmax_ = Mask(s.isa.alu.Find(spec::Field::kSrcFactorOut)->width);
    max_uops_ = std::min<uint64_t>(uint64_t(std::max(1, o.max_uops)), uop_depth_);
  }

  spec::Program Run();

 private:
  // ---- DRAM areas (each grows as instructions need rows; laid out at the end) ----
  uint64_t AllocRows(Area a, uint64_t rows, bool random_fill = true) {
    const uint64_t first = area_rows_[a];
    area_rows_[a] += rows;
    std::vector<uint8_t>& bytes = area_bytes_[a];
    const size_t old = bytes.size();
    bytes.resize(size_t(area_rows_[a] * row_bytes_[a]));
    if (random_fill) rng_.Fill(std::span<uint8_t>(bytes).subspan(old));
    return first;
  }
  void PutUop(uint64_t row, const Uop& u) {
    const uint64_t w = spec::EncodeUop(s_.isa.uop, u);
    for (uint64_t b = 0; b < row_bytes_[kUopArea]; ++b)
      area_bytes_[kUopArea][size_t(row * row_bytes_[kUopArea] + b)] = uint8_t(w >> (8 * b));
  }
  Uop RandomUop() {
    Uop u;
    u.dst = uint32_t(rng_.URange(0, uint64_t(s_.acc_depth) - 1));
    u.src = uint32_t(rng_.URange(0, uint64_t(std::max(s_.inp_depth, s_.acc_depth)) - 1));
    u.wgt = uint32_t(rng_.URange(0, uint64_t(s_.wgt_depth) - 1));
    return u;
  }

  // ---- shapes ----
  uint64_t RandomDivisor(uint64_t n, uint64_t cap) {
    std::vector<uint64_t> d;
    for (uint64_t i = 1; i <= n && i <= cap; ++i)
      if (n % i == 0) d.push_back(i);
    return d[size_t(rng_.URange(0, d.size() - 1))];
  }
  // A load shape writing exactly `rows` rows; padding only if `pad`.
  Shape RandomShape(uint64_t rows, bool pad) {
    Shape sh;
    const uint64_t cols = RandomDivisor(rows, std::min<uint64_t>(rows, size_max_));
    const uint64_t ys = rows / cols;
    auto split = [&](uint64_t total, uint64_t& p0, uint64_t& size, uint64_t& p1) {
      p0 = p1 = 0;
      if (pad && total > 1 && rng_.Chance(50)) {
        p0 = rng_.URange(0, std::min(pad_max_, total - 1));
        p1 = rng_.URange(0, std::min(pad_max_, total - 1 - p0));
      }
      size = total - p0 - p1;
    };
    split(cols, sh.x_pad_0, sh.x_size, sh.x_pad_1);
    split(ys, sh.y_pad_0, sh.y_size, sh.y_pad_1);
    return sh;
  }
  uint64_t RandomStride(uint64_t x_size) {
    return rng_.Chance(50) ? x_size : std::min<uint64_t>(size_max_, x_size + rng_.URange(1, 3));
  }

  // ---- instruction builders ----
  Instruction MemInsn(Opcode op, MemType m) {
    Instruction i;
    i.opcode = op;
    i.memory_type = m;
    return i;
  }
  static Area AreaOf(MemType m) {
    switch (m) {
      case MemType::kUop: return kUopArea;
      case MemType::kInp: return kInpArea;
      case MemType::kWgt: return kWgtArea;
      case MemType::kAcc: return kAccArea;
      case MemType::kOut: return kOutArea;
      case MemType::kAcc8: return kAcc8Area;
    }
    return kInpArea;
  }
  // A LOAD of `rows` rows of type m at sram_base `at`, from fresh DRAM rows (random data).
  Item LoadChunk(MemType m, uint64_t at, uint64_t rows) {
    const Area a = AreaOf(m);
    const Shape sh = RandomShape(rows, /*pad=*/!vta_ || m == MemType::kInp);  // stock VTA pads INP only
    Instruction i = MemInsn(Opcode::kLoad, m);
    i.sram_base = at;
    i.y_size = sh.y_size;
    i.x_size = sh.x_size;
    i.y_pad_0 = sh.y_pad_0;
    i.y_pad_1 = sh.y_pad_1;
    i.x_pad_0 = sh.x_pad_0;
    i.x_pad_1 = sh.x_pad_1;
    i.x_stride = RandomStride(sh.x_size);
    const bool padded = sh.Rows() != sh.x_size * sh.y_size;
    i.pad_min = !vta_ && rng_.Chance(padded ? 50 : 10);
    const bool acc = m == MemType::kAcc || m == MemType::kAcc8;
    const uint64_t span = (i.y_size - 1) * i.x_stride + i.x_size;
    // Now and then from bytes an earlier block stored (ordered before this load by the tokens): the
    // data goes through DRAM, as between the layers of a network.
    const uint64_t stored_rows = feedback_bytes_ / row_bytes_[a];
    if (m != MemType::kUop && stored_rows >= span && rng_.Chance(25)) {
      i.dram_base = rng_.URange(0, stored_rows - span);
      return Item{i, false, acc, kOutArea};
    }
    i.dram_base = AllocRows(a, span);
    return Item{i, false, acc};
  }
  // A zero-size LOAD or STORE: moves nothing, carries tokens. Other fields are random but in range.
  Item TokenOnly(Opcode op, MemType m) {
    Instruction i = MemInsn(op, m);
    switch (m) {
      case MemType::kUop: i.sram_base = rng_.URange(0, uop_depth_ - 1); break;
      case MemType::kInp: i.sram_base = rng_.URange(inp_.base, inp_.end() - 1); break;
      case MemType::kWgt: i.sram_base = rng_.URange(wgt_.base, wgt_.end() - 1); break;
      default: i.sram_base = rng_.URange(acc_.base, acc_.end() - 1); break;
    }
    i.dram_base = 0;
    if (rng_.Chance(50) || vta_) i.y_size = rng_.URange(vta_ ? 0 : 1, 4);  // stock VTA: x_size = 0 only
    else i.x_size = rng_.URange(0, 4);
    i.x_stride = rng_.URange(i.x_size, i.x_size + 2);
    if (op == Opcode::kLoad && o_.edge_cases && !vta_ && rng_.Chance(30)) {
      i.y_pad_0 = rng_.URange(0, pad_max_);
      i.x_pad_1 = rng_.URange(0, pad_max_);
      i.pad_min = m != MemType::kUop && rng_.Chance(50);
    }
    return Item{i, false};
  }

  // Loads `w` completely (every row written at least once) with at most `max_chunks` loads.
  void LoadWindow(std::vector<Item>& q, MemType m, Window w, int max_chunks) {
    uint64_t cursor = w.base;
    for (int c = 0; cursor < w.end(); ++c) {
      const bool last = c + 1 >= max_chunks;
      // Now and then start before the cursor: rows loaded twice end with the later data.
      uint64_t start = cursor;
      if (!last && cursor > w.base && rng_.Chance(20)) start = rng_.URange(w.base, cursor - 1);
      const uint64_t rest = w.end() - start;
      const uint64_t rows = last ? rest : rng_.URange(cursor - start + 1, rest);
      q.push_back(LoadChunk(m, start, rows));
      cursor = start + rows;
    }
  }

  // Loads `uops` into the micro-op buffer and returns the index of the first one. Tracks the
  // buffer's contents so later instructions can reuse resident micro-ops.
  uint64_t LoadUops(std::vector<Item>& q, const std::vector<Uop>& uops) {
    const uint64_t n = uops.size();
    uint64_t lead = 0, trail = 0;  // zero micro-ops padded around, never executed
    if (!vta_ && rng_.Chance(20) && n < uop_depth_) {
      lead = rng_.URange(0, std::min(pad_max_, uop_depth_ - n));
      trail = rng_.URange(0, std::min(pad_max_, uop_depth_ - n - lead));
    }
    const uint64_t at = rng_.URange(0, uop_depth_ - n - lead - trail);
    Instruction i = MemInsn(Opcode::kLoad, MemType::kUop);
    i.sram_base = at;
    if (lead + trail > 0) {
      i.y_size = 1;
      i.x_size = n;
      i.x_pad_0 = lead;
      i.x_pad_1 = trail;
      i.x_stride = RandomStride(n);
    } else if (vta_) {  // stock VTA's HLS design loads one run of micro-ops
      i.y_size = 1;
      i.x_size = n;
      i.x_stride = RandomStride(n);
    } else {
      const Shape sh = RandomShape(n, false);
      i.y_size = sh.y_size;
      i.x_size = sh.x_size;
      i.x_stride = RandomStride(sh.x_size);
    }
    const uint64_t rows = (i.y_size - 1) * i.x_stride + i.x_size;
    i.dram_base = AllocRows(kUopArea, rows, false);
    for (uint64_t r = 0; r < rows; ++r) PutUop(i.dram_base + r, RandomUop());  // gaps hold junk
    for (uint64_t k = 0; k < n; ++k) {
      const uint64_t y = k / i.x_size, x = k % i.x_size;
      PutUop(i.dram_base + y * i.x_stride + x, uops[size_t(k)]);
    }
    for (uint64_t k = 0; k < lead; ++k) ubuf_[size_t(at + k)] = Uop{};
    for (uint64_t k = 0; k < n; ++k) ubuf_[size_t(at + lead + k)] = uops[size_t(k)];
    for (uint64_t k = 0; k < trail; ++k) ubuf_[size_t(at + lead + n + k)] = Uop{};
    q.push_back(Item{i, false});
    return at + lead;
  }

  // Loop factors (out, in) whose reach (iter_out-1)*out + (iter_in-1)*in stays within max_span.
  std::pair<uint64_t, uint64_t> Factors(uint64_t io, uint64_t ii, uint64_t max_span, uint64_t fmax) {
    uint64_t fo = 0, fi = 0;
    if (io > 1) fo = rng_.Chance(15) ? 0 : rng_.URange(0, std::min(fmax, max_span / (io - 1)));
    else if (rng_.Chance(30)) fo = rng_.URange(0, fmax);  // never used: the loop runs once
    const uint64_t rest = max_span - (io > 1 ? (io - 1) * fo : 0);
    if (ii > 1) fi = rng_.Chance(15) ? 0 : rng_.URange(0, std::min(fmax, rest / (ii - 1)));
    else if (rng_.Chance(30)) fi = rng_.URange(0, fmax);
    return {fo, fi};
  }
  static uint64_t Reach(uint64_t io, uint64_t ii, uint64_t fo, uint64_t fi) {
    return (io > 1 ? (io - 1) * fo : 0) + (ii > 1 ? (ii - 1) * fi : 0);
  }

  // One GEMM or ALU instruction working inside the block's windows (fresh or reused micro-ops).
  void WorkOp(std::vector<Item>& q, bool alu, bool reset, int& left);
  // Writes [at, at + rows) with one instruction, loading its micro-ops first: a GEMM or ALU reset, or an
  // ALU op with an immediate (which stock VTA's out buffer sees, unlike an ACC load or a GEMM reset).
  enum class Cover { kGemmReset, kAluReset, kAluImm };
  void CoverRows(std::vector<Item>& q, Cover kind, uint64_t at, uint64_t rows);
  // A random ALU op and immediate stock VTA executes as dcoc does, or any for VTA++.
  void RandomAluOp(Instruction& i);
  void Block(int t);
  std::vector<Item> Merge();
  spec::Program Layout(std::vector<Item> items);

  const spec::Spec& s_;
  const GenOptions& o_;
  bool vta_;  // stock VTA's subset only
  Rng rng_;
  uint64_t seed_;
  int blocks_ = 1, slots_ = 1, per_block_ = 0;
  uint64_t uop_depth_ = 0, max_iter_ = 1, pad_max_ = 15, size_max_ = 0, max_uops_ = 1;
  uint64_t gemm_dst_fmax_ = 0, gemm_src_fmax_ = 0, gemm_wgt_fmax_ = 0, alu_dst_fmax_ = 0, alu_src_fmax_ = 0;
  uint64_t macs_left_ = 0, macs_per_block_ = 0;
  std::array<uint64_t, kNumAreas> row_bytes_{}, area_rows_{};
  std::array<std::vector<uint8_t>, kNumAreas> area_bytes_;
  std::vector<std::optional<Uop>> ubuf_;
  std::array<std::vector<Item>, 3> queues_;  // load, compute, store
  std::vector<uint64_t> out_rows_after_;     // output-area rows allocated by the end of each block
  uint64_t feedback_bytes_ = 0;              // output-area bytes the current block may load from
  Window inp_, wgt_, acc_;                   // the current block's windows
  struct Resident {  // the micro-ops of the block's last fresh GEMM/ALU
    bool valid = false;
    bool alu = false;
    uint64_t bgn = 0;
    std::vector<Uop> uops;
  } last_;
};

void Generator::CoverRows(std::vector<Item>& q, Cover kind, uint64_t at, uint64_t rows) {
  const bool alu = kind != Cover::kGemmReset;
  // rows = iter_out * iter_in * n, micro-ops at consecutive or strided rows.
  const uint64_t n = RandomDivisor(rows, max_uops_);
  const uint64_t rest = rows / n;
  const uint64_t io = RandomDivisor(rest, std::min<uint64_t>(rest, max_iter_ * 4));
  const uint64_t ii = rest / io;
  std::vector<Uop> uops(static_cast<size_t>(n));
  Instruction i;
  i.opcode = alu ? Opcode::kAlu : Opcode::kGemm;
  i.reset = kind != Cover::kAluImm;
  i.iter_out = io;
  i.iter_in = ii;
  const bool uop_major = rng_.Chance(50);  // dst = at + k*io*ii + i0*ii + i1, or at + (i0*ii + i1)*n + k
  for (uint64_t k = 0; k < n; ++k) {
    Uop& u = uops[size_t(k)];
    u.dst = uint32_t(at + (uop_major ? k * io * ii : k));
    u.src = uint32_t(alu ? rng_.URange(acc_.base, acc_.end() - 1) : rng_.URange(inp_.base, inp_.end() - 1));
    u.wgt = uint32_t(rng_.URange(wgt_.base, wgt_.end() - 1));
  }
  // A loop that runs once ignores its factor: then any value that fits the field.
  const uint64_t fmax = alu ? alu_dst_fmax_ : gemm_dst_fmax_;
  i.dst_factor_out = io > 1 ? (uop_major ? ii : ii * n) : (rng_.Chance(50) ? rng_.URange(0, fmax) : 0);
  i.dst_factor_in = ii > 1 ? (uop_major ? 1 : n) : (rng_.Chance(50) ? rng_.URange(0, fmax) : 0);
  // Source factors of 0 keep the (unread) sources in bounds.
  if (kind == Cover::kAluReset) {
    i.alu_opcode = spec::AluOp(rng_.URange(0, spec::kNumAluOps - 1));
    i.use_imm = rng_.Chance(50);
    i.imm = rng_.Range(-32768, 32767);
  } else if (kind == Cover::kAluImm) {
    RandomAluOp(i);
    i.use_imm = true;
  }
  i.uop_bgn = LoadUops(q, uops);
  i.uop_end = i.uop_bgn + n;
  q.push_back(Item{i, false, true});
}

void Generator::RandomAluOp(Instruction& i) {
  if (vta_) {
    // MIN, MAX, ADD, SHR; a tensor SHR's amounts would be data outside [0, 15], so SHR by immediates.
    i.alu_opcode = spec::AluOp(rng_.URange(0, 3));
    i.use_imm = i.alu_opcode == spec::AluOp::kShr || rng_.Chance(50);
    i.imm = i.alu_opcode == spec::AluOp::kShr  ? rng_.Range(spec::kVtaShrImmMin, spec::kVtaShrImmMax)
            : rng_.Chance(50)                  ? rng_.Range(-20, 20)
                                               : rng_.Range(-32768, 32767);
    return;
  }
  i.alu_opcode = spec::AluOp(rng_.URange(0, spec::kNumAluOps - 1));
  i.use_imm = rng_.Chance(50);
  const int64_t acc_bits = s_.acc_bits;
  switch (i.alu_opcode) {
    case spec::AluOp::kShr:
      i.imm = rng_.Chance(80) ? rng_.Range(-acc_bits - 3, acc_bits + 3) : rng_.Range(-32768, 32767);
      break;
    case spec::AluOp::kMul: i.imm = rng_.Chance(70) ? rng_.Range(-5, 5) : rng_.Range(-32768, 32767); break;
    case spec::AluOp::kClip: i.imm = rng_.Chance(70) ? rng_.Range(-300, 300) : rng_.Range(-32768, 32767); break;
    default: i.imm = rng_.Chance(50) ? rng_.Range(-20, 20) : rng_.Range(-32768, 32767); break;
  }
}

void Generator::WorkOp(std::vector<Item>& q, bool alu, bool reset, int& left) {
  Instruction i;
  i.opcode = alu ? Opcode::kAlu : Opcode::kGemm;
  i.reset = reset;
  const uint64_t macs_per_uop = uint64_t(s_.MacsPerCycle());
  const bool counts_macs = !alu && !reset;
  // Reuse the previous instruction's micro-ops when they are resident and of the same kind.
  bool reuse = false;
  if (last_.valid && last_.alu == alu && rng_.Chance(30)) {
    reuse = true;
    for (size_t k = 0; k < last_.uops.size(); ++k)
      reuse = reuse && ubuf_[size_t(last_.bgn + k)] == last_.uops[k];
  }
  if (!reuse && left < 2) return;  // no room for a micro-op load
  uint64_t io = rng_.URange(1, max_iter_), ii = rng_.URange(1, max_iter_);
  if (rng_.Chance(30)) io = ii = 1;
  uint64_t n = reuse ? rng_.URange(1, last_.uops.size()) : rng_.URange(1, max_uops_);
  if (counts_macs) {
    // Keep within the program's multiply-accumulate budget (soft: one micro-op always runs).
    const uint64_t budget = std::min(macs_per_block_, macs_left_);
    while (io * ii * n * macs_per_uop > budget && (io > 1 || ii > 1 || n > 1)) {
      if (io > 1) --io;
      else if (ii > 1) --ii;
      else --n;
    }
  }
  const uint64_t dst_fmax = alu ? alu_dst_fmax_ : gemm_dst_fmax_;
  const uint64_t src_fmax = alu ? alu_src_fmax_ : gemm_src_fmax_;
  const Window src_w = alu ? acc_ : inp_;
  uint64_t dst_slack = acc_.rows - 1, src_slack = src_w.rows - 1, wgt_slack = wgt_.rows - 1;
  if (reuse) {
    for (const Uop& u : last_.uops) {
      dst_slack = std::min<uint64_t>(dst_slack, acc_.end() - 1 - u.dst);
      src_slack = std::min<uint64_t>(src_slack, src_w.end() - 1 - u.src);
      wgt_slack = std::min<uint64_t>(wgt_slack, wgt_.end() - 1 - u.wgt);
    }
  }
  std::tie(i.dst_factor_out, i.dst_factor_in) = Factors(io, ii, dst_slack, dst_fmax);
  std::tie(i.src_factor_out, i.src_factor_in) = Factors(io, ii, src_slack, src_fmax);
  if (!alu) std::tie(i.wgt_factor_out, i.wgt_factor_in) = Factors(io, ii, wgt_slack, gemm_wgt_fmax_);
  i.iter_out = io;
  i.iter_in = ii;
  if (reuse) {
    // All of the resident micro-ops, or a sub-range of them.
    i.uop_bgn = last_.bgn + rng_.URange(0, last_.uops.size() - n);
    i.uop_end = i.uop_bgn + n;
  } else {
    const uint64_t dr = Reach(io, ii, i.dst_factor_out, i.dst_factor_in);
    const uint64_t sr = Reach(io, ii, i.src_factor_out, i.src_factor_in);
    const uint64_t wr = Reach(io, ii, i.wgt_factor_out, i.wgt_factor_in);
    std::vector<Uop> uops(static_cast<size_t>(n));
    for (uint64_t k = 0; k < n; ++k) {
      Uop& u = uops[size_t(k)];
      // Back-to-back micro-ops that write the same accumulator row.
      u.dst = uint32_t(k > 0 && rng_.Chance(35) ? uops[size_t(k - 1)].dst : rng_.URange(acc_.base, acc_.end() - 1 - dr));
      u.src = uint32_t(rng_.URange(src_w.base, src_w.end() - 1 - sr));
      u.wgt = uint32_t(rng_.URange(wgt_.base, wgt_.end() - 1 - wr));
    }
    i.uop_bgn = LoadUops(q, uops);
    i.uop_end = i.uop_bgn + n;
    --left;
    last_ = Resident{true, alu, i.uop_bgn, uops};
  }
  if (alu) RandomAluOp(i);
  // Edge cases that execute nothing: an empty micro-op range or a zero trip count (stock VTA's Chisel
  // design runs its counters through the field range there).
  if (o_.edge_cases && !vta_ && rng_.Chance(6)) {
    if (rng_.Chance(50)) i.uop_end = i.uop_bgn;
    else (rng_.Chance(50) ? i.iter_out : i.iter_in) = 0;
  }
  if (counts_macs) macs_left_ -= std::min(macs_left_, i.iter_out * i.iter_in * (i.uop_end - i.uop_bgn) * macs_per_uop);
  q.push_back(Item{i, counts_macs, true});
  --left;
}

void Generator::Block(int t) {
  const int slot = t % slots_;
  auto window = [&](int64_t depth, uint64_t row_bytes) {
    const uint64_t slot_rows = uint64_t(depth) / uint64_t(slots_);
    const uint64_t by_bytes = std::max<uint64_t>(1, uint64_t(o_.max_window_bytes) / row_bytes);
    const uint64_t cap = std::min({slot_rows, uint64_t(std::max(1, o_.max_window_rows)), by_bytes});
    Window w;
    w.rows = rng_.URange(1, cap);
    const uint64_t slot_base = uint64_t(slot) * slot_rows;
    // Often at the bottom of the slot, so blocks sharing a slot overlap (which is what the tokens
    // protect); now and then at its top, to exercise the high address bits.
    const int where = int(rng_.Range(0, 9));
    w.base = slot_base + (where < 4 ? 0 : where < 6 ? slot_rows - w.rows : rng_.URange(0, slot_rows - w.rows));
    return w;
  };
  // Stores of block t-2K and earlier happen before this block's loads (store t-2K -> compute t-K ->
  // load t through store->compute and compute->load tokens).
  feedback_bytes_ = t >= 2 * slots_ ? out_rows_after_[size_t(t - 2 * slots_)] * row_bytes_[kOutArea] : 0;
  inp_ = window(s_.inp_depth, row_bytes_[kInpArea]);
  wgt_ = window(s_.wgt_depth, row_bytes_[kWgtArea]);
  acc_ = window(s_.acc_depth, row_bytes_[kAccArea]);
  last_ = Resident{};

  // Instruction budget of this block: at least 6 (checked by the caller).
  int left = per_block_;
  auto& lq = queues_[0];
  auto& cq = queues_[1];
  auto& sq = queues_[2];
  const bool has_next = t + slots_ < blocks_;
  const bool last_block = t + 1 == blocks_;

  // ---- load module ----
  const size_t l0 = lq.size();
  int inp_chunks = int(rng_.Range(1, 3)), wgt_chunks = int(rng_.Range(1, 3)), stores = int(rng_.Range(1, 3));
  while (inp_chunks + wgt_chunks + stores + 3 > left / 2 && (inp_chunks > 1 || wgt_chunks > 1 || stores > 1)) {
    if (inp_chunks > 1) --inp_chunks;
    else if (wgt_chunks > 1) --wgt_chunks;
    else --stores;
  }
  // Token-only extras only when the budget has room for them.
  const bool extras = o_.edge_cases && per_block_ >= 16;
  const bool load_head = extras && rng_.Chance(15), load_tail = extras && rng_.Chance(15);
  if (load_head) lq.push_back(TokenOnly(Opcode::kLoad, rng_.Chance(50) ? MemType::kInp : MemType::kWgt));
  if (rng_.Chance(50)) {
    LoadWindow(lq, MemType::kInp, inp_, inp_chunks);
    LoadWindow(lq, MemType::kWgt, wgt_, wgt_chunks);
  } else {
    LoadWindow(lq, MemType::kWgt, wgt_, wgt_chunks);
    LoadWindow(lq, MemType::kInp, inp_, inp_chunks);
  }
  if (load_tail) lq.push_back(TokenOnly(Opcode::kLoad, rng_.Chance(50) ? MemType::kInp : MemType::kWgt));
  if (t >= slots_) lq[l0].insn.pop_next = true;  // slot released by block t-K's compute
  lq.back().insn.push_next = true;
  left -= int(lq.size() - l0);

  // ---- store module (generated before compute so the budget is known) ----
  std::vector<Item> st;
  const bool store_head = extras && rng_.Chance(15), store_tail = extras && rng_.Chance(15);
  if (store_head) st.push_back(TokenOnly(Opcode::kStore, MemType::kOut));
  const uint64_t block_out_begin = area_rows_[kOutArea];
  for (int k = 0; k < stores; ++k) {
    const uint64_t rows = rng_.URange(1, acc_.rows);
    const uint64_t cols = RandomDivisor(rows, std::min<uint64_t>(rows, size_max_));
    Instruction i = MemInsn(Opcode::kStore, MemType::kOut);
    i.sram_base = rng_.URange(acc_.base, acc_.end() - rows);
    i.x_size = cols;
    i.y_size = rows / cols;
    i.x_stride = RandomStride(cols);
    const uint64_t span = (i.y_size - 1) * i.x_stride + i.x_size;
    // Now and then over rows this block's earlier stores wrote (the later store wins; the store
    // module runs in order). Rows of earlier blocks stay final, for the loads that read them back.
    if (area_rows_[kOutArea] - block_out_begin >= span && rng_.Chance(15))
      i.dram_base = rng_.URange(block_out_begin, area_rows_[kOutArea] - span);
    else
      i.dram_base = AllocRows(kOutArea, span);
    st.push_back(Item{i, false});
  }
  if (store_tail) st.push_back(TokenOnly(Opcode::kStore, MemType::kOut));
  st.front().insn.pop_prev = true;
  if (has_next || last_block) st.back().insn.push_prev = true;
  left -= int(st.size());

  // ---- compute module ----
  std::vector<Item> cp;
  if (vta_) left -= 2;  // the window's final ALU pass (below)
  if (extras && rng_.Chance(15)) {
    cp.push_back(TokenOnly(Opcode::kLoad, rng_.Chance(50) ? MemType::kUop : MemType::kAcc));
    --left;
  }
  // Initialize the whole accumulator window: ACC loads (padded) and GEMM/ALU resets.
  {
    uint64_t cursor = acc_.base;
    while (cursor < acc_.end()) {
      const uint64_t rest = acc_.end() - cursor;
      const bool final_chunk = left <= 4;
      const uint64_t rows = final_chunk ? rest : rng_.URange(1, rest);
      const int kind = left <= 3 ? 0 : int(rng_.Range(0, 3));
      if (kind <= 1) {
        cp.push_back(LoadChunk(kind == 1 && !vta_ ? MemType::kAcc8 : MemType::kAcc, cursor, rows));
        --left;
      } else {
        CoverRows(cp, kind == 3 && !vta_ ? Cover::kAluReset : Cover::kGemmReset, cursor, rows);
        left -= 2;
      }
      cursor += rows;
    }
  }
  const int ops = int(rng_.Range(1, std::max(1, o_.max_ops_per_block)));
  for (int k = 0; k < ops && left >= 1; ++k) {
    const int r = int(rng_.Range(0, 99));
    if (r < 8 && left >= 1) {
      // Overwrite part of the window with an ACC load (a STORE may follow directly).
      const uint64_t rows = rng_.URange(1, acc_.rows);
      const MemType m = !vta_ && rng_.Chance(30) ? MemType::kAcc8 : MemType::kAcc;
      cp.push_back(LoadChunk(m, rng_.URange(acc_.base, acc_.end() - rows), rows));
      --left;
    } else if (r < 14 && left >= 2) {
      const uint64_t rows = rng_.URange(1, acc_.rows);
      CoverRows(cp, rng_.Chance(50) && !vta_ ? Cover::kAluReset : Cover::kGemmReset,
                rng_.URange(acc_.base, acc_.end() - rows), rows);
      left -= 2;
    } else {
      const bool alu = r >= 57;
      WorkOp(cp, alu, /*reset=*/alu && rng_.Chance(5) && !vta_, left);
    }
  }
  // Stock VTA's out buffer takes only GEMM and ALU results: one ALU pass over the whole window after
  // its ACC loads and resets, so every row a STORE reads is the accumulator narrowed on VTA too.
  if (vta_) CoverRows(cp, Cover::kAluImm, acc_.base, acc_.rows);
  // Token placement: pop load->compute before the first read of the input/weight windows and
  // store->compute before the first write of the accumulator window; push compute->load after the
  // last read and compute->store after the last write.
  size_t first_read = cp.size() - 1, last_read = 0, first_write = cp.size() - 1, last_write = 0;
  bool any_read = false;
  for (size_t k = 0; k < cp.size(); ++k) {
    if (cp[k].reads_inp_wgt) {
      if (!any_read) first_read = k;
      last_read = k;
      any_read = true;
    }
    if (cp[k].writes_acc) {
      first_write = std::min(first_write, k);
      last_write = k;
    }
  }
  const size_t pop_l = rng_.URange(0, first_read);
  cp[pop_l].insn.pop_prev = true;
  size_t pop_s = 0;
  if (t >= slots_) {
    pop_s = rng_.URange(0, first_write);
    cp[pop_s].insn.pop_next = true;
  }
  // compute->load goes after the store->compute pop too, so block t-K's stores happen before block
  // t+K's loads (which may read what they stored).
  if (has_next) cp[rng_.URange(std::max({pop_l, pop_s, any_read ? last_read : 0}), cp.size() - 1)].insn.push_prev = true;
  cp[rng_.URange(last_write, cp.size() - 1)].insn.push_next = true;
  cq.insert(cq.end(), cp.begin(), cp.end());
  sq.insert(sq.end(), st.begin(), st.end());
  out_rows_after_.push_back(area_rows_[kOutArea]);
}

// Merges the three module streams into one stream that is itself a legal sequential execution:
// each instruction appears after the tokens it pops were pushed and when the queues it pushes have
// room (capacity DEP_QUEUE_DEPTH). By determinacy of the token network, no interleaving deadlocks.
std::vector<Item> Generator::Merge() {
  std::array<size_t, 3> pos{};
  std::array<int, spec::kNumTokenQueues> tokens{};
  const int cap = s_.config.dep_queue_depth;
  std::vector<Item> out;
  const size_t total = queues_[0].size() + queues_[1].size() + queues_[2].size();
  while (out.size() < total) {
    std::array<int, 3> ready{};
    int n = 0;
    for (int m = 0; m < 3; ++m) {
      if (pos[size_t(m)] >= queues_[size_t(m)].size()) continue;
      const Instruction& i = queues_[size_t(m)][pos[size_t(m)]].insn;
      // FINISH goes last: only when the other modules are done.
      if (i.opcode == Opcode::kFinish && (pos[0] < queues_[0].size() || pos[2] < queues_[2].size())) continue;
      bool ok = !spec::HasFlagWithoutQueue(i, spec::Module(m));
      for (const auto& q : spec::PopQueues(i, spec::Module(m))) ok = ok && (!q || tokens[size_t(*q)] > 0);
      for (const auto& q : spec::PushQueues(i, spec::Module(m))) ok = ok && (!q || tokens[size_t(*q)] < cap);
      if (ok) ready[size_t(n++)] = m;
    }
    if (n == 0)
      throw Error(fmt::format("progen internal error: the generated program (seed {}) deadlocks with "
                              "DEP_QUEUE_DEPTH = {} after {} of {} instructions",
                              seed_, cap, out.size(), total));
    const size_t m = size_t(ready[size_t(rng_.Range(0, n - 1))]);
    const Item& item = queues_[m][pos[m]++];
    const Instruction& i = item.insn;
    for (const auto& q : spec::PopQueues(i, spec::Module(m)))
      if (q) --tokens[size_t(*q)];
    for (const auto& q : spec::PushQueues(i, spec::Module(m)))
      if (q) ++tokens[size_t(*q)];
    out.push_back(item);
  }
  if (tokens != std::array<int, spec::kNumTokenQueues>{})
    throw Error(fmt::format("progen internal error: the generated program (seed {}) leaves tokens in the queues", seed_));
  return out;
}

spec::Program Generator::Layout(std::vector<Item> items) {
  spec::Program p;
  p.config = s_.config;
  // Areas in the order uop, input, weight, acc, output, acc8; each aligned to every row size (and 64
  // bytes), since loads of any type may read the output area.
  static constexpr std::array<std::string_view, kNumAreas> kNames = {"uop", "input", "weight", "acc", "output", "acc8"};
  static constexpr std::array<spec::RegionKind, kNumAreas> kKinds = {
      spec::RegionKind::kUop, spec::RegionKind::kInput, spec::RegionKind::kWeight, spec::RegionKind::kAcc,
      spec::RegionKind::kOutput, spec::RegionKind::kAcc};
  std::array<uint64_t, kNumAreas> offset{};
  uint64_t size = 0;
  const uint64_t align = std::max<uint64_t>(64, *std::max_element(row_bytes_.begin(), row_bytes_.end()));
  for (int a = 0; a < kNumAreas; ++a) {
    size = (size + align - 1) / align * align;
    offset[size_t(a)] = size;
    size += area_bytes_[size_t(a)].size();
  }
  p.dram.assign(size_t(size), 0);
  for (int a = 0; a < kNumAreas; ++a) {
    std::copy(area_bytes_[size_t(a)].begin(), area_bytes_[size_t(a)].end(), p.dram.begin() + int64_t(offset[size_t(a)]));
    if (!area_bytes_[size_t(a)].empty())
      p.regions.push_back(spec::Region{std::string(kNames[size_t(a)]), kKinds[size_t(a)], offset[size_t(a)],
                                       area_bytes_[size_t(a)].size()});
  }
  // dram_base was relative to its area, in rows of its memory type; a zero-size access to an empty
  // area points at byte 0.
  std::vector<Instruction> insns;
  insns.reserve(items.size());
  for (Item& it : items) {
    Instruction& i = it.insn;
    if (i.IsMemory()) {
      const size_t a = size_t(it.area >= 0 ? it.area : AreaOf(i.memory_type));
      i.dram_base = area_bytes_[a].empty() ? 0 : i.dram_base + offset[a] / row_bytes_[size_t(AreaOf(i.memory_type))];
    }
    insns.push_back(i);
  }
  // Self-check: every field fits the configuration's layout.
  for (size_t n = 0; n < insns.size(); ++n) {
    try {
      (void)spec::Encode(s_.isa, insns[n]);
    } catch (const EncodeError& e) {
      throw Error(fmt::format("progen internal error: instruction {} does not encode: {}", n, e.what()));
    }
  }
  p.insns = std::move(insns);
  p.description = fmt::format(
      "random program: seed {}, {} block(s), {} slot(s) per scratchpad, config {}; options blocks={} max_insns={} "
      "max_ops_per_block={} max_window_rows={} max_window_bytes={} max_uops={} max_iter={} max_macs={} "
      "double_buffer={} edge_cases={} isa={}",
      seed_, blocks_, slots_, s_.tag, o_.blocks, o_.max_insns, o_.max_ops_per_block, o_.max_window_rows,
      o_.max_window_bytes, o_.max_uops, o_.max_iter, o_.max_macs, int(o_.double_buffer), int(o_.edge_cases),
      spec::Name(o_.isa));
  return p;
}

spec::Program Generator::Run() {
  if (o_.blocks < 0) throw UsageError(fmt::format("progen option blocks = {} must be >= 0 (0: random)", o_.blocks));
  if (o_.max_insns < (vta_ ? 9 : 7))
    throw UsageError(fmt::format("progen option max_insns = {} is too small: one block needs at least {} instructions",
                                 o_.max_insns, vta_ ? 9 : 7));
  for (auto [name, value] : {std::pair<std::string_view, int64_t>{"max_ops_per_block", o_.max_ops_per_block},
                              {"max_window_rows", o_.max_window_rows},
                              {"max_window_bytes", o_.max_window_bytes},
                              {"max_uops", o_.max_uops},
                              {"max_iter", o_.max_iter}})
    if (value < 1) throw UsageError(fmt::format("progen option {} = {} must be at least 1", name, value));
  const int per_block_min = vta_ ? 8 : 6;  // stock VTA: the window's final ALU pass and its micro-ops
  const int fit = (o_.max_insns - 1) / per_block_min;
  if (o_.blocks > fit)
    throw UsageError(fmt::format("progen option blocks = {} needs max_insns >= {} ({} per block + FINISH), got {}",
                                 o_.blocks, per_block_min * o_.blocks + 1, per_block_min, o_.max_insns));
  if (vta_) {
    const std::vector<std::string> problems = spec::VtaConfigProblems(s_);
    if (!problems.empty())
      throw UsageError(fmt::format("progen option isa = vta: configuration {} has no stock VTA bitstream: {}", s_.tag,
                                   problems.front()));
  }
  blocks_ = o_.blocks > 0 ? o_.blocks : int(rng_.Range(1, std::min(8, fit)));
  per_block_ = (o_.max_insns - 1) / blocks_;
  slots_ = (o_.double_buffer && s_.inp_depth >= 2 && s_.wgt_depth >= 2 && s_.acc_depth >= 2) ? 2 : 1;
  macs_left_ = o_.max_macs;
  macs_per_block_ = o_.max_macs / uint64_t(blocks_);
  for (int t = 0; t < blocks_; ++t) Block(t);
  Instruction finish;
  finish.opcode = Opcode::kFinish;
  finish.pop_next = true;  // the last block's store->compute token
  queues_[1].push_back(Item{finish, false, false});
  return Layout(Merge());
}

}  // namespace

spec::Program GenerateRandomProgram(const spec::HwConfig& cfg, uint64_t seed, const GenOptions& opts) {
  const spec::Spec s = spec::Spec::Create(cfg);
  Generator g(s, seed, opts);
  return g.Run();
}

}  // namespace dcoc::sim
