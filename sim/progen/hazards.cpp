#include "sim/progen/hazards.h"

#include <algorithm>
#include <array>
#include <optional>
#include <set>
#include <tuple>

#include <fmt/format.h>

#include "host/common/error.h"
#include "host/spec/hw_config.h"
#include "host/spec/isa.h"
#include "host/spec/routing.h"

namespace dcoc::sim {

std::string_view Name(HazardKind k) {
  switch (k) {
    case HazardKind::kRace: return "race";
    case HazardKind::kUninitialized: return "uninitialized read";
    case HazardKind::kDeadlock: return "deadlock";
    case HazardKind::kUnpoppedToken: return "unpopped token";
    case HazardKind::kInvalid: return "invalid";
    case HazardKind::kVtaDiffers: return "differs on stock VTA";
  }
  return "?";
}

namespace {

using spec::Instruction;
using spec::MemType;
using spec::Opcode;

// Modules and token queues by their spec numbers (host/spec/routing.h); kNone: no module or queue.
constexpr int kLoadM = int(spec::Module::kLoad), kComputeM = int(spec::Module::kCompute),
              kStoreM = int(spec::Module::kStore), kModules = spec::kNumModules;
constexpr int kNone = -1;
std::string_view ModuleName(int m) { return spec::Name(spec::Module(m)); }
std::string_view QueueName(int q) { return spec::Name(spec::TokenQueue(q)); }
std::array<int, 2> QueueIds(const std::array<std::optional<spec::TokenQueue>, 2>& q) {
  return {q[0] ? int(*q[0]) : kNone, q[1] ? int(*q[1]) : kNone};
}

enum Buf : int { kUopBuf = 0, kInpBuf, kWgtBuf, kAccBuf, kDramBuf, kNumBufs };
constexpr std::array<std::string_view, kNumBufs> kBufNames = {"micro-op", "input", "weight", "accumulator/out", "DRAM"};

using Clock = std::array<uint32_t, kModules>;
constexpr uint64_t kMaxWork = uint64_t(1) << 26;  // GEMM/ALU micro-op executions the checker follows

std::string Describe(const Instruction& in, size_t index) {
  const auto op = uint8_t(in.opcode);
  if (op > 4) return fmt::format("instruction {} (opcode {})", index, op);
  if (in.IsMemory()) {
    if (uint8_t(in.memory_type) >= spec::kNumMemTypes)
      return fmt::format("instruction {} ({} memory type {})", index, spec::Name(in.opcode), int(in.memory_type));
    return fmt::format("instruction {} ({} {})", index, spec::Name(in.opcode), spec::Name(in.memory_type));
  }
  return fmt::format("instruction {} ({})", index, spec::Name(in.opcode));
}

// One scratchpad row or DRAM unit: its last write and every module's latest read since.
struct Cell {
  int8_t w_mod = -1;  // -1: never written by the program
  bool reported_uninit = false;
  uint32_t w_clk = 0;
  size_t w_insn = 0;
  Clock r_clk{};
  std::array<size_t, kModules> r_insn{};
};

class Checker {
 public:
  Checker(const spec::Program& p, size_t max, spec::Isa isa)
      : p_(p), s_(spec::Spec::Create(p.config)), max_(max), isa_(isa) {
    depth_ = {uint64_t(s_.uop_depth), uint64_t(s_.inp_depth), uint64_t(s_.wgt_depth), uint64_t(s_.acc_depth)};
    unit_ = uint64_t(std::min({s_.uop_bytes, s_.inp_row_bytes, s_.wgt_row_bytes, s_.acc_row_bytes, s_.out_row_bytes}));
    for (int b = 0; b < kDramBuf; ++b) cells_[size_t(b)].resize(size_t(depth_[size_t(b)]));
    cells_[kDramBuf].resize(size_t((p.dram.size() + unit_ - 1) / unit_));
    uops_.assign(size_t(s_.uop_depth), std::nullopt);
  }

  std::vector<Hazard> Run();

 private:
  bool Full() const { return out_.size() >= max_; }
  void Add(HazardKind k, size_t insn, std::string msg) {
    if (!Full()) out_.push_back(Hazard{k, insn, std::move(msg)});
  }
  // Returns false (after reporting) when the access is out of bounds.
  bool InBounds(size_t insn, Buf b, uint64_t row, uint64_t rows) {
    if (row + rows <= depth_[size_t(b)] && row + rows >= row) return true;
    Add(HazardKind::kInvalid, insn,
        fmt::format("{}: {} rows [{}, {}) past the buffer's depth {}", Describe(p_.insns[insn], insn), kBufNames[size_t(b)],
                    row, row + rows, depth_[size_t(b)]));
    return false;
  }
  void Access(Buf b, uint64_t unit, bool write, size_t insn, int m, const Clock& vc);
  void AccessRows(Buf b, uint64_t row, uint64_t rows, bool write, size_t insn, int m, const Clock& vc) {
    for (uint64_t r = row; r < row + rows; ++r) Access(b, r, write, insn, m, vc);
  }
  void AccessDram(uint64_t byte, uint64_t bytes, bool write, size_t insn, int m, const Clock& vc) {
    for (uint64_t u = byte / unit_; u < (byte + bytes) / unit_; ++u) Access(kDramBuf, u, write, insn, m, vc);
  }
  bool Execute(size_t insn, int m, const Clock& vc);  // false: stop checking
  // Isa::kVta: stock VTA's out buffer takes only GEMM and ALU results (spec/vta.h).
  void CheckStoredRows(size_t insn, uint64_t row, uint64_t rows) {
    for (uint64_t r = row; r < row + rows; ++r) {
      const Cell& c = cells_[kAccBuf][size_t(r)];
      if (c.w_mod < 0) continue;  // reported as uninitialized
      const Instruction& w = p_.insns[c.w_insn];
      const bool stale = w.opcode == Opcode::kLoad || (w.opcode == Opcode::kGemm && w.reset);
      if (!stale || !vta_reported_.insert(c.w_insn).second) continue;
      Add(HazardKind::kVtaDiffers, insn,
          fmt::format("{} stores out row {}, last written by {}: stock VTA's out buffer takes only GEMM and ALU "
                      "results (an ACC load leaves it stale, a GEMM reset writes its sum or nothing)",
                      Describe(p_.insns[insn], insn), r, Describe(w, c.w_insn)));
    }
  }

  const spec::Program& p_;
  spec::Spec s_;
  size_t max_;
  spec::Isa isa_;
  std::set<size_t> vta_reported_;  // writers already reported by CheckStoredRows
  std::array<uint64_t, kDramBuf> depth_{};
  uint64_t unit_ = 4;
  std::array<std::vector<Cell>, kNumBufs> cells_;
  std::vector<std::optional<spec::Uop>> uops_;
  std::set<std::tuple<size_t, size_t, int>> reported_;  // (earlier insn, later insn, buffer)
  std::vector<Hazard> out_;
};

void Checker::Access(Buf b, uint64_t unit, bool write, size_t insn, int m, const Clock& vc) {
  Cell& c = cells_[size_t(b)][size_t(unit)];
  const uint64_t where = b == kDramBuf ? unit * unit_ : unit;
  const std::string_view where_name = b == kDramBuf ? "byte" : "row";
  auto race = [&](size_t other, int other_m, bool other_writes) {
    if (!reported_.insert({other, insn, int(b)}).second) return;
    Add(HazardKind::kRace, insn,
        fmt::format("race on {} {} {}: {} ({} module) {} it and {} ({} module) {} it, and no dependency token orders "
                    "them",
                    kBufNames[size_t(b)], where_name, where, Describe(p_.insns[other], other), ModuleName(other_m),
                    other_writes ? "writes" : "reads", Describe(p_.insns[insn], insn), ModuleName(m),
                    write ? "writes" : "reads"));
  };
  if (c.w_mod >= 0 && c.w_mod != m && c.w_clk > vc[size_t(c.w_mod)]) race(c.w_insn, c.w_mod, true);
  if (!write && c.w_mod < 0 && b != kDramBuf && !c.reported_uninit) {
    c.reported_uninit = true;
    Add(HazardKind::kUninitialized, insn,
        fmt::format("{} ({} module) reads {} row {}, which nothing wrote before", Describe(p_.insns[insn], insn),
                    ModuleName(m), kBufNames[size_t(b)], where));
  }
  if (write) {
    for (int k = 0; k < kModules; ++k)
      if (k != m && c.r_clk[size_t(k)] > vc[size_t(k)]) race(c.r_insn[size_t(k)], k, false);
    c.w_mod = int8_t(m);
    c.w_clk = vc[size_t(m)];
    c.w_insn = insn;
    c.r_clk = {};
  } else {
    c.r_clk[size_t(m)] = vc[size_t(m)];
    c.r_insn[size_t(m)] = insn;
  }
}

bool Checker::Execute(size_t insn, int m, const Clock& vc) {
  const Instruction& in = p_.insns[insn];
  switch (in.opcode) {
    case Opcode::kLoad: {
      if (in.y_size == 0 || in.x_size == 0) return true;
      Buf b = kInpBuf;
      uint64_t row_bytes = 0;
      switch (in.memory_type) {
        case MemType::kUop: b = kUopBuf, row_bytes = uint64_t(s_.uop_bytes); break;
        case MemType::kInp: b = kInpBuf, row_bytes = uint64_t(s_.inp_row_bytes); break;
        case MemType::kWgt: b = kWgtBuf, row_bytes = uint64_t(s_.wgt_row_bytes); break;
        case MemType::kAcc:
        case MemType::kAcc8: b = kAccBuf, row_bytes = uint64_t(s_.RowBytes(in.memory_type)); break;
        default: return false;  // rejected at routing
      }
      const uint64_t ny = in.y_pad_0 + in.y_size + in.y_pad_1, nx = in.x_pad_0 + in.x_size + in.x_pad_1;
      if (!InBounds(insn, b, in.sram_base, ny * nx)) return false;
      const uint64_t last = (in.dram_base + (in.y_size - 1) * in.x_stride + in.x_size) * row_bytes;
      if (last > p_.dram.size()) {
        Add(HazardKind::kInvalid, insn,
            fmt::format("{}: reads DRAM bytes up to {}, past the {}-byte image", Describe(in, insn), last, p_.dram.size()));
        return false;
      }
      for (uint64_t y = 0; y < in.y_size; ++y)
        for (uint64_t x = 0; x < in.x_size; ++x) {
          const uint64_t row = in.dram_base + y * in.x_stride + x;
          AccessDram(row * row_bytes, row_bytes, false, insn, m, vc);
          if (b != kUopBuf) continue;
          // Micro-op values, for the rows GEMM and ALU will touch (from the initial image).
          const uint64_t unit0 = row * row_bytes / unit_;
          if (cells_[kDramBuf][size_t(unit0)].w_mod >= 0) {
            Add(HazardKind::kInvalid, insn,
                fmt::format("{}: loads micro-ops from DRAM bytes a STORE wrote; the checker follows only the initial "
                            "image",
                            Describe(in, insn)));
            return false;
          }
          uint64_t w = 0;
          for (uint64_t k = 0; k < row_bytes; ++k) w |= uint64_t(p_.dram[size_t(row * row_bytes + k)]) << (8 * k);
          uops_[size_t(in.sram_base + (y + in.y_pad_0) * nx + x + in.x_pad_0)] = spec::DecodeUop(s_.isa.uop, w);
        }
      if (b == kUopBuf)  // padding rows hold micro-op 0
        for (uint64_t y = 0; y < ny; ++y)
          for (uint64_t x = 0; x < nx; ++x)
            if (y < in.y_pad_0 || y >= in.y_pad_0 + in.y_size || x < in.x_pad_0 || x >= in.x_pad_0 + in.x_size)
              uops_[size_t(in.sram_base + y * nx + x)] = spec::Uop{};
      AccessRows(b, in.sram_base, ny * nx, true, insn, m, vc);
      return true;
    }
    case Opcode::kStore: {
      if (in.y_size == 0 || in.x_size == 0) return true;
      if (!InBounds(insn, kAccBuf, in.sram_base, in.y_size * in.x_size)) return false;
      const uint64_t rb = uint64_t(s_.out_row_bytes);
      const uint64_t last = (in.dram_base + (in.y_size - 1) * in.x_stride + in.x_size) * rb;
      if (last > p_.dram.size()) {
        Add(HazardKind::kInvalid, insn,
            fmt::format("{}: writes DRAM bytes up to {}, past the {}-byte image", Describe(in, insn), last, p_.dram.size()));
        return false;
      }
      AccessRows(kAccBuf, in.sram_base, in.y_size * in.x_size, false, insn, m, vc);
      if (isa_ == spec::Isa::kVta) CheckStoredRows(insn, in.sram_base, in.y_size * in.x_size);
      for (uint64_t y = 0; y < in.y_size; ++y)
        for (uint64_t x = 0; x < in.x_size; ++x) AccessDram((in.dram_base + y * in.x_stride + x) * rb, rb, true, insn, m, vc);
      return true;
    }
    case Opcode::kGemm:
    case Opcode::kAlu: {
      const bool alu = in.opcode == Opcode::kAlu;
      if (in.uop_bgn > in.uop_end || in.uop_end > uint64_t(s_.uop_depth)) {
        Add(HazardKind::kInvalid, insn,
            fmt::format("{}: micro-op range [{}, {}) is not within [0, {})", Describe(in, insn), in.uop_bgn, in.uop_end,
                        s_.uop_depth));
        return false;
      }
      if (in.iter_out == 0 || in.iter_in == 0) return true;
      AccessRows(kUopBuf, in.uop_bgn, in.uop_end - in.uop_bgn, false, insn, m, vc);
      for (uint64_t i0 = 0; i0 < in.iter_out; ++i0)
        for (uint64_t i1 = 0; i1 < in.iter_in; ++i1)
          for (uint64_t u = in.uop_bgn; u < in.uop_end; ++u) {
            if (!uops_[size_t(u)]) continue;  // reported as an uninitialized read
            const spec::Uop& op = *uops_[size_t(u)];
            const uint64_t d = op.dst + i0 * in.dst_factor_out + i1 * in.dst_factor_in;
            const uint64_t sr = op.src + i0 * in.src_factor_out + i1 * in.src_factor_in;
            const uint64_t w = op.wgt + i0 * in.wgt_factor_out + i1 * in.wgt_factor_in;
            if (!InBounds(insn, kAccBuf, d, 1)) return false;
            if (!in.reset) {
              if (alu) {
                if (!in.use_imm && !InBounds(insn, kAccBuf, sr, 1)) return false;
                if (!in.use_imm) Access(kAccBuf, sr, false, insn, m, vc);
              } else {
                if (!InBounds(insn, kInpBuf, sr, 1) || !InBounds(insn, kWgtBuf, w, 1)) return false;
                Access(kInpBuf, sr, false, insn, m, vc);
                Access(kWgtBuf, w, false, insn, m, vc);
              }
              // MOV replaces the row without reading it (an initialization, as compilers use it).
              if (!(alu && in.alu_opcode == spec::AluOp::kMov)) Access(kAccBuf, d, false, insn, m, vc);
            }
            Access(kAccBuf, d, true, insn, m, vc);
          }
      return true;
    }
    case Opcode::kFinish: return true;
  }
  return false;
}

std::vector<Hazard> Checker::Run() {
  const auto& insns = p_.insns;
  if (insns.empty() || insns.back().opcode != Opcode::kFinish) {
    Add(HazardKind::kInvalid, insns.size(), "the instruction stream must end with FINISH");
    return out_;
  }
  if (isa_ == spec::Isa::kVta)
    for (const std::string& problem : spec::VtaConfigProblems(s_))
      Add(HazardKind::kVtaDiffers, 0, fmt::format("configuration {} has no stock VTA bitstream: {}", s_.tag, problem));
  // Encoding, routing and flags, as fsim's fetch checks them; and a bound on the work.
  std::array<std::vector<size_t>, kModules> queue;
  uint64_t work = 0;
  for (size_t i = 0; i < insns.size(); ++i) {
    const Instruction& in = insns[i];
    try {
      (void)spec::Encode(s_.isa, in);
    } catch (const EncodeError& e) {
      Add(HazardKind::kInvalid, i, fmt::format("instruction {}: {}", i, e.what()));
      return out_;
    }
    if (in.uop_end > in.uop_bgn) work += in.iter_out * in.iter_in * (in.uop_end - in.uop_bgn);
    if (work > kMaxWork) {
      Add(HazardKind::kInvalid, i,
          fmt::format("{}: the program runs more than {} micro-ops, more than the checker follows", Describe(in, i),
                      kMaxWork));
      return out_;
    }
    int m = kNone;
    if (!(in.opcode == Opcode::kFinish && i + 1 != insns.size()))
      if (const std::optional<spec::Module> r = spec::RouteOf(in)) m = int(*r);
    if (m == kNone || spec::HasFlagWithoutQueue(in, spec::Module(m))) {
      Add(HazardKind::kInvalid, i, fmt::format("{}: not routable, or a dependency flag its module has no queue for",
                                               Describe(in, i)));
      return out_;
    }
    if (isa_ == spec::Isa::kVta)
      if (const std::optional<std::string> why = spec::VtaInsnProblem(s_, in))
        Add(HazardKind::kVtaDiffers, i, fmt::format("{}: {}", Describe(in, i), *why));
    queue[size_t(m)].push_back(i);
  }

  const uint64_t cap = uint64_t(p_.config.dep_queue_depth);
  // Per queue, by token number: the clocks of the pushes, and the pops so far (only counted; the
  // room a pop frees does not order anything, see the header).
  std::array<std::vector<Clock>, 4> push_clk, pop_clk;
  std::array<Clock, kModules> clock{};
  std::array<size_t, kModules> pc{};
  size_t rr = 0;
  auto pops = [](const Instruction& in, int m) { return QueueIds(spec::PopQueues(in, spec::Module(m))); };
  auto pushes = [](const Instruction& in, int m) { return QueueIds(spec::PushQueues(in, spec::Module(m))); };
  auto ready = [&](int m) {
    if (pc[size_t(m)] >= queue[size_t(m)].size()) return false;
    const Instruction& in = insns[queue[size_t(m)][pc[size_t(m)]]];
    for (int q : pops(in, m))
      if (q != kNone && push_clk[size_t(q)].size() <= pop_clk[size_t(q)].size()) return false;
    for (int q : pushes(in, m))
      if (q != kNone && push_clk[size_t(q)].size() - pop_clk[size_t(q)].size() >= cap) return false;
    return true;
  };
  for (;;) {
    int m = kNone;
    for (int k = 0; k < kModules && m == kNone; ++k)
      if (ready(int((rr + size_t(k)) % kModules))) m = int((rr + size_t(k)) % kModules);
    if (m == kNone) {
      std::string msg = "deadlock: no module can proceed;";
      size_t at = insns.size() - 1;
      for (int k = 0; k < kModules; ++k)
        if (pc[size_t(k)] < queue[size_t(k)].size()) {
          at = std::min(at, queue[size_t(k)][pc[size_t(k)]]);
          msg += fmt::format(" {} module blocked at {};", ModuleName(k),
                             Describe(insns[queue[size_t(k)][pc[size_t(k)]]], queue[size_t(k)][pc[size_t(k)]]));
        }
      msg += " queued tokens:";
      for (int q = 0; q < 4; ++q)
        msg += fmt::format(" {}={}", QueueName(q), push_clk[size_t(q)].size() - pop_clk[size_t(q)].size());
      Add(HazardKind::kDeadlock, at, msg);
      return out_;
    }
    rr = size_t(m + 1) % kModules;
    const size_t i = queue[size_t(m)][pc[size_t(m)]++];
    const Instruction& in = insns[i];
    Clock vc = clock[size_t(m)];
    auto join = [&](const Clock& o) {
      for (int k = 0; k < kModules; ++k) vc[size_t(k)] = std::max(vc[size_t(k)], o[size_t(k)]);
    };
    for (int q : pops(in, m))
      if (q != kNone) join(push_clk[size_t(q)][pop_clk[size_t(q)].size()]);
    vc[size_t(m)] = uint32_t(pc[size_t(m)]);
    for (int q : pops(in, m))
      if (q != kNone) pop_clk[size_t(q)].push_back(vc);
    if (!Execute(i, m, vc) || Full()) return out_;
    for (int q : pushes(in, m))
      if (q != kNone) push_clk[size_t(q)].push_back(vc);
    clock[size_t(m)] = vc;
    if (in.opcode == Opcode::kFinish) {
      for (int other : {kLoadM, kStoreM}) {
        const size_t total = queue[size_t(other)].size();
        if (vc[size_t(other)] < total) {
          const size_t first = queue[size_t(other)][vc[size_t(other)]];
          Add(HazardKind::kRace, i,
              fmt::format("{} is not ordered after {} of the {} module's {} instruction(s) (first: {})", Describe(in, i),
                          total - vc[size_t(other)], ModuleName(other), total, Describe(insns[first], first)));
        }
      }
      for (int q = 0; q < 4; ++q) {
        const size_t left = push_clk[size_t(q)].size() - pop_clk[size_t(q)].size();
        if (left > 0)
          Add(HazardKind::kUnpoppedToken, i, fmt::format("{} token(s) still queued on {} at FINISH", left, QueueName(q)));
      }
      return out_;
    }
  }
}

}  // namespace

std::vector<Hazard> FindHazards(const spec::Program& p, size_t max_hazards, spec::Isa isa) {
  Checker c(p, max_hazards, isa);
  return c.Run();
}

}  // namespace dcoc::sim
