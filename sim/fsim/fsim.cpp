#include "sim/fsim/fsim.h"

#include <algorithm>
#include <deque>
#include <random>

#include <fmt/format.h>

#include "host/common/error.h"

namespace dcoc::sim {

using spec::AluOp;
using spec::Instruction;
using spec::MemType;
using spec::Opcode;

namespace {

int64_t Wrap(int64_t x, int bits) {
  const uint64_t mask = bits >= 64 ? ~0ULL : (1ULL << bits) - 1;
  const uint64_t sign = 1ULL << (bits - 1);
  return int64_t(((uint64_t(x) & mask) ^ sign) - sign);
}

int64_t MinOf(int bits) { return -(int64_t(1) << (bits - 1)); }

std::string Describe(const Instruction& in, size_t index) {
  if (in.IsMemory()) return fmt::format("instruction {} ({} {})", index, spec::Name(in.opcode), spec::Name(in.memory_type));
  if (in.opcode == Opcode::kAlu) return fmt::format("instruction {} (ALU {})", index, spec::Name(in.alu_opcode));
  return fmt::format("instruction {} ({})", index, spec::Name(in.opcode));
}

int64_t ReadElem(std::span<const uint8_t> dram, uint64_t off, int bytes) {
  uint64_t v = 0;
  for (int b = 0; b < bytes; ++b) v |= uint64_t(dram[size_t(off) + size_t(b)]) << (8 * b);
  return Wrap(int64_t(v), bytes * 8);
}

void WriteElem(std::vector<uint8_t>& dram, uint64_t off, int bytes, int64_t v) {
  for (int b = 0; b < bytes; ++b) dram[size_t(off) + size_t(b)] = uint8_t(uint64_t(v) >> (8 * b));
}

}  // namespace

Module RouteOf(const Instruction& in, size_t index) {
  if (const std::optional<Module> m = spec::RouteOf(in)) return *m;
  if (in.opcode == Opcode::kLoad)
    throw ExecError(fmt::format("{}: LOAD cannot target the OUT buffer (only UOP, INP, WGT, ACC)", Describe(in, index)));
  if (in.opcode == Opcode::kStore)
    throw ExecError(fmt::format("{}: STORE reads only the OUT buffer", Describe(in, index)));
  throw ExecError(fmt::format("instruction {}: unknown opcode {}", index, int(in.opcode)));
}

Fsim::Fsim(const spec::Spec& spec) : spec_(spec) { Reset(); }

void Fsim::Reset() {
  const auto& s = spec_;
  inp_.assign(size_t(s.inp_depth) * size_t(s.batch * s.block_in), 0);
  wgt_.assign(size_t(s.wgt_depth) * size_t(s.block_out * s.block_in), 0);
  acc_.assign(size_t(s.acc_depth) * size_t(s.batch * s.block_out), 0);
  out_.assign(acc_.size(), 0);
  uop_.assign(size_t(s.uop_depth), spec::Uop{});
  out_source_.assign(size_t(s.acc_depth), OutSource::kNone);
}

// LOAD: writes (y_pad_0 + y_size + y_pad_1) x (x_pad_0 + x_size + x_pad_1) rows from sram_base,
// row-major; rows inside the pads come from dram_base + y * x_stride + x, the rest are padding.
void Fsim::ExecLoad(const Instruction& in, size_t index, Module m, std::span<const uint8_t> dram, Counters& c) {
  if (in.pad_min && in.memory_type == MemType::kUop)
    throw ExecError(fmt::format("{}: pad_min is not defined for micro-op loads", Describe(in, index)));
  if (in.y_size == 0 || in.x_size == 0) return;  // token-only no-op
  const auto& s = spec_;
  int64_t depth = 0, row_bytes = 0, elems = 0, elem_bits = 0;
  std::string_view buffer;
  switch (in.memory_type) {
    case MemType::kUop: depth = s.uop_depth, row_bytes = s.uop_bytes, elems = 1, elem_bits = 0, buffer = "micro-op"; break;
    case MemType::kInp: depth = s.inp_depth, row_bytes = s.inp_row_bytes, elems = s.batch * s.block_in, elem_bits = s.inp_bits, buffer = "input"; break;
    case MemType::kWgt: depth = s.wgt_depth, row_bytes = s.wgt_row_bytes, elems = s.block_out * s.block_in, elem_bits = s.wgt_bits, buffer = "weight"; break;
    case MemType::kAcc: depth = s.acc_depth, row_bytes = s.acc_row_bytes, elems = s.batch * s.block_out, elem_bits = s.acc_bits, buffer = "accumulator"; break;
    case MemType::kAcc8: depth = s.acc_depth, row_bytes = s.acc8_row_bytes, elems = s.batch * s.block_out, elem_bits = 8, buffer = "accumulator"; break;
    case MemType::kOut: throw ExecError(fmt::format("{}: LOAD cannot target OUT", Describe(in, index)));
  }

  const uint64_t ny = in.y_pad_0 + in.y_size + in.y_pad_1, nx = in.x_pad_0 + in.x_size + in.x_pad_1;
  const uint64_t rows = ny * nx;
  if (in.sram_base + rows > uint64_t(depth))
    throw ExecError(fmt::format("{}, {} module: writes {} buffer rows [{}, {}), past its depth {}", Describe(in, index),
                                Name(m), buffer, in.sram_base, in.sram_base + rows, depth));
  const uint64_t last_row = in.dram_base + (in.y_size - 1) * in.x_stride + in.x_size - 1;
  if ((last_row + 1) * uint64_t(row_bytes) > dram.size())
    throw ExecError(fmt::format("{}, {} module: reads DRAM bytes up to {} (row {} of {} bytes), past the {}-byte DRAM",
                                Describe(in, index), Name(m), (last_row + 1) * uint64_t(row_bytes), last_row,
                                row_bytes, dram.size()));

  const int elem_bytes = int(elem_bits / 8);
  const int64_t pad = in.pad_min ? MinOf(int(elem_bits)) : 0;
  uint64_t idx = in.sram_base;
  for (uint64_t y = 0; y < ny; ++y) {
    for (uint64_t x = 0; x < nx; ++x, ++idx) {
      const bool inside = y >= in.y_pad_0 && y < in.y_pad_0 + in.y_size && x >= in.x_pad_0 && x < in.x_pad_0 + in.x_size;
      const uint64_t off = inside ? (in.dram_base + (y - in.y_pad_0) * in.x_stride + (x - in.x_pad_0)) * uint64_t(row_bytes) : 0;
      if (!inside) ++c.pad_rows[size_t(in.memory_type)];
      if (in.memory_type == MemType::kUop) {
        uint64_t w = 0;
        if (inside)
          for (int b = 0; b < s.uop_bytes; ++b) w |= uint64_t(dram[size_t(off) + size_t(b)]) << (8 * b);
        uop_[idx] = spec::DecodeUop(s.isa.uop, w);
        continue;
      }
      std::vector<int64_t>& buf = in.memory_type == MemType::kInp ? inp_ : in.memory_type == MemType::kWgt ? wgt_ : acc_;
      int64_t* row = &buf[idx * uint64_t(elems)];
      // ACC_8BIT: 8-bit values (or padding of 8-bit values) sign-extended into the accumulator.
      for (int64_t e = 0; e < elems; ++e) row[e] = inside ? ReadElem(dram, off + uint64_t(e * elem_bytes), elem_bytes) : pad;
      if (&buf == &acc_) {
        for (int64_t e = 0; e < elems; ++e) out_[idx * uint64_t(elems) + uint64_t(e)] = Wrap(row[e], s.out_bits);
        SetOutSource(idx, OutSource::kAccLoad);
      }
    }
  }
  c.load_bytes[size_t(in.memory_type)] += in.y_size * in.x_size * uint64_t(row_bytes);
}

// STORE: dram_row(dram_base + y * x_stride + x) = out[sram_base + y * x_size + x].
void Fsim::ExecStore(const Instruction& in, size_t index, std::vector<uint8_t>& dram, Counters& c) {
  if (in.y_pad_0 || in.y_pad_1 || in.x_pad_0 || in.x_pad_1 || in.pad_min)
    throw ExecError(fmt::format("{}, store module: STORE does not pad (pads [{},{},{},{}], pad_min {})",
                                Describe(in, index), in.y_pad_0, in.y_pad_1, in.x_pad_0, in.x_pad_1, int(in.pad_min)));
  if (in.y_size == 0 || in.x_size == 0) return;
  const auto& s = spec_;
  const uint64_t rows = in.y_size * in.x_size;
  if (in.sram_base + rows > uint64_t(s.out_depth))
    throw ExecError(fmt::format("{}, store module: reads output buffer rows [{}, {}), past its depth {}", Describe(in, index),
                                in.sram_base, in.sram_base + rows, s.out_depth));
  const uint64_t last_row = in.dram_base + (in.y_size - 1) * in.x_stride + in.x_size - 1;
  if ((last_row + 1) * uint64_t(s.out_row_bytes) > dram.size())
    throw ExecError(fmt::format("{}, store module: writes DRAM bytes up to {} (row {} of {} bytes), past the {}-byte DRAM",
                                Describe(in, index), (last_row + 1) * uint64_t(s.out_row_bytes), last_row,
                                s.out_row_bytes, dram.size()));
  const int elems = s.batch * s.block_out, elem_bytes = s.out_bits / 8;
  if (isa_ == spec::Isa::kVta) {
    for (uint64_t y = 0; y < in.y_size; ++y)
      for (uint64_t x = 0; x < in.x_size; ++x) {
        const uint64_t row = in.sram_base + y * in.x_size + x;
        const OutSource src = out_source_[size_t(row)];
        if (src == OutSource::kComputed) continue;
        throw ExecError(fmt::format(
            "{}, store module: stores out row {}, {}; stock VTA's out buffer differs there (only GEMM and ALU "
            "results reach it: an ACC load leaves it stale, a GEMM reset writes its sum or nothing)",
            Describe(in, index), row,
            src == OutSource::kNone      ? "which nothing wrote"
            : src == OutSource::kAccLoad ? "last written by an ACC load"
                                         : "last written by a GEMM reset"));
      }
  }
  for (uint64_t y = 0; y < in.y_size; ++y)
    for (uint64_t x = 0; x < in.x_size; ++x) {
      const uint64_t src = (in.sram_base + y * in.x_size + x) * uint64_t(elems);
      const uint64_t dst = (in.dram_base + y * in.x_stride + x) * uint64_t(s.out_row_bytes);
      for (int e = 0; e < elems; ++e) WriteElem(dram, dst + uint64_t(e * elem_bytes), elem_bytes, out_[src + uint64_t(e)]);
    }
  c.store_bytes += rows * uint64_t(s.out_row_bytes);
}

namespace {
void CheckUopRange(const Instruction& in, size_t index, int64_t uop_depth) {
  if (in.uop_bgn > in.uop_end || in.uop_end > uint64_t(uop_depth))
    throw ExecError(fmt::format("{}, compute module: micro-op range [{}, {}) is not within the micro-op buffer [0, {})",
                                Describe(in, index), in.uop_bgn, in.uop_end, uop_depth));
}

// Rows a micro-op touches grow with both loop indices, so checking the last iteration of every
// micro-op bounds the whole instruction: nothing is written unless every access is in bounds.
void CheckRows(const Instruction& in, size_t index, std::span<const spec::Uop> uops, std::string_view what,
               uint32_t spec::Uop::*field, uint64_t factor_out, uint64_t factor_in, int64_t depth) {
  if (in.iter_out == 0 || in.iter_in == 0) return;
  for (size_t u = size_t(in.uop_bgn); u < size_t(in.uop_end); ++u) {
    const uint64_t row = uops[u].*field + (in.iter_out - 1) * factor_out + (in.iter_in - 1) * factor_in;
    if (row >= uint64_t(depth))
      throw ExecError(fmt::format("{}, compute module: {} row {} out of bounds (depth {}) at micro-op {}, iteration ({}, {})",
                                  Describe(in, index), what, row, depth, u, in.iter_out - 1, in.iter_in - 1));
  }
}
}  // namespace

// GEMM: for i0 < iter_out, i1 < iter_in, u in [uop_bgn, uop_end):
//   acc[d] = reset ? 0 : acc[d] + inp[s] x wgt[w]^T, out[d] = narrow(acc[d]).
void Fsim::ExecGemm(const Instruction& in, size_t index, Counters& c) {
  const auto& s = spec_;
  CheckUopRange(in, index, s.uop_depth);
  CheckRows(in, index, uop_, "accumulator", &spec::Uop::dst, in.dst_factor_out, in.dst_factor_in, s.acc_depth);
  if (!in.reset) {
    CheckRows(in, index, uop_, "input", &spec::Uop::src, in.src_factor_out, in.src_factor_in, s.inp_depth);
    CheckRows(in, index, uop_, "weight", &spec::Uop::wgt, in.wgt_factor_out, in.wgt_factor_in, s.wgt_depth);
  }
  const int B = s.batch, I = s.block_in, O = s.block_out;
  for (uint64_t i0 = 0; i0 < in.iter_out; ++i0)
    for (uint64_t i1 = 0; i1 < in.iter_in; ++i1)
      for (uint64_t u = in.uop_bgn; u < in.uop_end; ++u) {
        const spec::Uop& op = uop_[u];
        const uint64_t d = op.dst + i0 * in.dst_factor_out + i1 * in.dst_factor_in;
        int64_t* acc = &acc_[d * uint64_t(B * O)];
        if (in.reset) {
          std::fill(acc, acc + B * O, 0);
        } else {
          const uint64_t sr = op.src + i0 * in.src_factor_out + i1 * in.src_factor_in;
          const uint64_t w = op.wgt + i0 * in.wgt_factor_out + i1 * in.wgt_factor_in;
          const int64_t* x = &inp_[sr * uint64_t(B * I)];
          const int64_t* wt = &wgt_[w * uint64_t(O * I)];
          for (int b = 0; b < B; ++b)
            for (int o = 0; o < O; ++o) {
              int64_t sum = 0;
              for (int i = 0; i < I; ++i) sum += x[b * I + i] * wt[o * I + i];
              acc[b * O + o] = Wrap(acc[b * O + o] + sum, s.acc_bits);
            }
        }
        int64_t* out = &out_[d * uint64_t(B * O)];
        for (int e = 0; e < B * O; ++e) out[e] = Wrap(acc[e], s.out_bits);
        SetOutSource(d, in.reset ? OutSource::kReset : OutSource::kComputed);
        ++c.gemm_uops;
      }
}

namespace {
int64_t AluApply(AluOp op, int64_t a, int64_t v, int acc_bits, int log_acc_bits) {
  switch (op) {
    case AluOp::kMin: return std::min(a, v);
    case AluOp::kMax: return std::max(a, v);
    case AluOp::kAdd: return Wrap(a + v, acc_bits);
    case AluOp::kMul: return Wrap(int64_t(uint64_t(a) * uint64_t(v)), acc_bits);
    case AluOp::kShr: {
      const int64_t k = Wrap(v, log_acc_bits + 1);
      if (k >= 0) return a >> std::min<int64_t>(k, acc_bits - 1);
      if (-k >= acc_bits) return 0;
      return Wrap(int64_t(uint64_t(a) << (-k)), acc_bits);
    }
    case AluOp::kClip: {
      const int64_t lo = std::min(v, ~v), hi = std::max(v, ~v);
      return std::clamp(a, lo, hi);
    }
    case AluOp::kMov: return v;
  }
  return a;
}
}  // namespace

// ALU: the GEMM loop nest; acc[d] = op(acc[d], use_imm ? imm : acc[s]) element-wise.
void Fsim::ExecAlu(const Instruction& in, size_t index, Counters& c) {
  const auto& s = spec_;
  if (uint8_t(in.alu_opcode) >= spec::kNumAluOps)
    throw ExecError(fmt::format("instruction {}: ALU opcode {} does not exist", index, int(in.alu_opcode)));
  CheckUopRange(in, index, s.uop_depth);
  CheckRows(in, index, uop_, "accumulator", &spec::Uop::dst, in.dst_factor_out, in.dst_factor_in, s.acc_depth);
  if (!in.reset && !in.use_imm)
    CheckRows(in, index, uop_, "accumulator (ALU source)", &spec::Uop::src, in.src_factor_out, in.src_factor_in,
              s.acc_depth);
  const int n = s.batch * s.block_out;
  const int64_t imm = Wrap(in.imm, spec::IsaLayout::kImmBits);
  const bool vta_shr = isa_ == spec::Isa::kVta && in.alu_opcode == AluOp::kShr;
  for (uint64_t i0 = 0; i0 < in.iter_out; ++i0)
    for (uint64_t i1 = 0; i1 < in.iter_in; ++i1)
      for (uint64_t u = in.uop_bgn; u < in.uop_end; ++u) {
        const spec::Uop& op = uop_[u];
        const uint64_t d = op.dst + i0 * in.dst_factor_out + i1 * in.dst_factor_in;
        int64_t* acc = &acc_[d * uint64_t(n)];
        if (in.reset) {
          std::fill(acc, acc + n, 0);
        } else {
          const int64_t* src = nullptr;
          if (!in.use_imm) {
            const uint64_t sr = op.src + i0 * in.src_factor_out + i1 * in.src_factor_in;
            src = &acc_[sr * uint64_t(n)];
          }
          if (src && vta_shr)
            for (int e = 0; e < n; ++e)
              if (src[e] < spec::kVtaShrTensorMin || src[e] > spec::kVtaShrTensorMax)
                throw ExecError(fmt::format(
                    "{}, compute module: tensor SHR by {} (source row {}, element {}), outside [{}, {}]: stock VTA's "
                    "designs disagree on such shifts",
                    Describe(in, index), src[e], op.src + i0 * in.src_factor_out + i1 * in.src_factor_in, e,
                    spec::kVtaShrTensorMin, spec::kVtaShrTensorMax));
          for (int e = 0; e < n; ++e)
            acc[e] = AluApply(in.alu_opcode, acc[e], src ? src[e] : imm, s.acc_bits, s.config.log_acc_width);
        }
        int64_t* out = &out_[d * uint64_t(n)];
        for (int e = 0; e < n; ++e) out[e] = Wrap(acc[e], s.out_bits);
        SetOutSource(d, OutSource::kComputed);
        ++c.alu_uops;
      }
}

Counters Fsim::Run(std::span<const Instruction> insns, std::vector<uint8_t>& dram, const FsimOptions& opts) {
  // Fetch: route every instruction and check the stream's shape before anything executes.
  isa_ = opts.isa;
  if (isa_ == spec::Isa::kVta) {
    const std::vector<std::string> problems = spec::VtaConfigProblems(spec_);
    if (!problems.empty()) {
      std::string msg = fmt::format("configuration {} has no stock VTA bitstream:", spec_.tag);
      for (const std::string& p : problems) msg += "\n  " + p;
      throw ExecError(msg);
    }
  }
  if (insns.empty() || insns.back().opcode != Opcode::kFinish)
    throw ExecError(fmt::format("the instruction stream ({} instructions) must end with FINISH", insns.size()));
  std::array<std::vector<size_t>, kNumModules> queue;
  for (size_t i = 0; i < insns.size(); ++i) {
    const Instruction& in = insns[i];
    if (in.opcode == Opcode::kFinish && i + 1 != insns.size())
      throw ExecError(fmt::format("instruction {}: FINISH before the end of the stream ({} instructions)", i, insns.size()));
    try {  // every field must fit its encoding: the hardware could not receive anything else
      spec::Encode(spec_.isa, in);
    } catch (const EncodeError& e) {
      throw ExecError(fmt::format("instruction {}: {}", i, e.what()));
    }
    const Module m = RouteOf(in, i);
    if (isa_ == spec::Isa::kVta)
      if (const std::optional<std::string> why = spec::VtaInsnProblem(spec_, in))
        throw ExecError(fmt::format("{}: stock VTA would not execute it as dcoc does: {}", Describe(in, i), *why));
    const spec::QueuePorts& p = spec::PortsOf(m);
    auto bad = [&](bool set, const std::optional<TokenQueue>& port, std::string_view flag) {
      if (set && !port)
        throw ExecError(fmt::format("{}: {} is set, but the {} module has no {} neighbour", Describe(in, i), flag, Name(m),
                                    flag.substr(flag.find('_') + 1)));
    };
    bad(in.pop_prev, p.pop_prev, "pop_prev");
    bad(in.pop_next, p.pop_next, "pop_next");
    bad(in.push_prev, p.push_prev, "push_prev");
    bad(in.push_next, p.push_next, "push_next");
    queue[size_t(m)].push_back(i);
  }

  Counters c;
  std::array<uint64_t, kNumTokenQueues> tokens{};
  std::array<size_t, kNumModules> pc{};
  const uint64_t cap = uint64_t(spec_.config.dep_queue_depth);
  std::mt19937_64 rng(opts.seed);
  // Vector clocks: clock[m][k] = how many of module k's instructions happen before module m's current
  // point. Tokens carry their producer's clock, so the order FINISH relies on is checked exactly,
  // whatever the interleaving: the k-th pop of a queue always receives its k-th push.
  using Clock = std::array<uint64_t, kNumModules>;
  std::array<Clock, kNumModules> clock{};
  std::array<std::deque<Clock>, kNumTokenQueues> carried;

  // Why instruction `i` of module `m` cannot run now, or empty if it can.
  auto blocked_on = [&](Module m, const Instruction& in) -> std::string {
    std::string why;
    for (const auto& q : spec::PopQueues(in, m))
      if (q && tokens[size_t(*q)] == 0) why += fmt::format("{}waits for a token on {}", why.empty() ? "" : ", ", Name(*q));
    for (const auto& q : spec::PushQueues(in, m))
      if (q && tokens[size_t(*q)] >= cap)
        why += fmt::format("{}waits for room on {} (full at {})", why.empty() ? "" : ", ", Name(*q), cap);
    return why;
  };

  auto can_run = [&](Module m, const Instruction& in) {
    for (const auto& q : spec::PopQueues(in, m))
      if (q && tokens[size_t(*q)] == 0) return false;
    for (const auto& q : spec::PushQueues(in, m))
      if (q && tokens[size_t(*q)] >= cap) return false;
    return true;
  };

  bool finished = false;
  std::array<Module, kNumModules> ready{};
  size_t rr = 0;
  while (!finished) {
    size_t n_ready = 0;
    for (int k = 0; k < kNumModules; ++k) {
      const Module m = Module(k);
      if (pc[size_t(k)] < queue[size_t(k)].size() && can_run(m, insns[queue[size_t(k)][pc[size_t(k)]]]))
        ready[n_ready++] = m;
    }
    if (n_ready == 0) {
      std::string msg = "deadlock: no module can proceed;";
      for (int k = 0; k < kNumModules; ++k) {
        if (pc[size_t(k)] < queue[size_t(k)].size()) {
          const size_t i = queue[size_t(k)][pc[size_t(k)]];
          msg += fmt::format(" {} module blocked at {}: {};", Name(Module(k)), Describe(insns[i], i),
                             blocked_on(Module(k), insns[i]));
        } else {
          msg += fmt::format(" {} module idle (all {} instructions done);", Name(Module(k)), queue[size_t(k)].size());
        }
      }
      msg += " tokens:";
      for (int q = 0; q < kNumTokenQueues; ++q) msg += fmt::format(" {}={}", Name(TokenQueue(q)), tokens[size_t(q)]);
      throw ExecError(msg);
    }
    Module m;
    if (opts.interleave == Interleave::kRandom) {
      m = ready[size_t(rng() % n_ready)];
    } else {  // round-robin: the first ready module at or after rr
      m = ready[0];
      for (size_t r = 0; r < n_ready; ++r)
        if (size_t(ready[r]) >= rr) {
          m = ready[r];
          break;
        }
      rr = (size_t(m) + 1) % kNumModules;
    }
    const size_t i = queue[size_t(m)][pc[size_t(m)]++];
    const Instruction& in = insns[i];
    for (const auto& q : spec::PopQueues(in, m)) {
      if (!q) continue;
      --tokens[size_t(*q)];
      const Clock& t = carried[size_t(*q)].front();
      for (int k = 0; k < kNumModules; ++k) clock[size_t(m)][size_t(k)] = std::max(clock[size_t(m)][size_t(k)], t[size_t(k)]);
      carried[size_t(*q)].pop_front();
    }
    clock[size_t(m)][size_t(m)] = pc[size_t(m)];
    switch (in.opcode) {
      case Opcode::kLoad: ExecLoad(in, i, m, dram, c); break;
      case Opcode::kStore: ExecStore(in, i, dram, c); break;
      case Opcode::kGemm: ExecGemm(in, i, c); break;
      case Opcode::kAlu: ExecAlu(in, i, c); break;
      case Opcode::kFinish:
        for (Module other : {Module::kLoad, Module::kStore}) {
          const uint64_t ordered = clock[size_t(Module::kCompute)][size_t(other)];
          const size_t total = queue[size_t(other)].size();
          if (ordered < total) {
            const size_t next = queue[size_t(other)][ordered];
            throw ExecError(fmt::format("{} is not ordered after {} of the {} module's {} instruction(s) (first: {}); "
                                        "FINISH must wait for them through dependency tokens, or it races with them",
                                        Describe(in, i), total - ordered, Name(other), total, Describe(insns[next], next)));
          }
        }
        finished = true;
        break;
    }
    ++c.insns[size_t(m)];
    for (const auto& q : spec::PushQueues(in, m)) {
      if (!q) continue;
      ++tokens[size_t(*q)];
      ++c.tokens[size_t(*q)];
      carried[size_t(*q)].push_back(clock[size_t(m)]);
    }
  }
  return c;
}

FsimResult RunProgram(const spec::Program& p, const FsimOptions& opts) {
  Fsim sim(spec::Spec::Create(p.config));
  FsimResult r{p.dram, {}};
  r.counters = sim.Run(p.insns, r.dram, opts);
  return r;
}

}  // namespace dcoc::sim
