#include "host/compiler/stream.h"

#include <fmt/format.h>

#include <algorithm>

#include "host/common/error.h"
#include "host/compiler/layout.h"

namespace dcoc::compiler {

using spec::Instruction;
using spec::MemType;
using spec::Opcode;

spec::Instruction MemInsn(spec::Opcode op, spec::MemType m, uint64_t sram, uint64_t dram, uint64_t y, uint64_t x,
                          uint64_t stride) {
  spec::Instruction in;
  in.opcode = op;
  in.memory_type = m;
  in.sram_base = sram;
  in.dram_base = dram;
  in.y_size = y;
  in.x_size = x;
  in.x_stride = stride;
  return in;
}

Module ModuleOf(const Instruction& in) {
  if (const std::optional<Module> m = spec::RouteOf(in)) return *m;
  throw Error(fmt::format("internal compiler error: no module executes {} of memory type {}", spec::Name(in.opcode),
                          spec::Name(in.memory_type)));
}

namespace {
bool IsPrev(Module from, Module to) { return int(from) < int(to); }  // `from` is `to`'s previous module
void CheckAdjacent(Module a, Module b) {
  if (!spec::QueueBetween(a, b))
    throw Error(fmt::format("internal compiler error: token between non-adjacent modules {} and {}", spec::Name(a),
                            spec::Name(b)));
}
}  // namespace

void InsnStream::Emit(Instruction insn) {
  const Module m = ModuleOf(insn);
  const size_t i = size_t(m);
  insn.pop_prev = pending_prev_[i];
  insn.pop_next = pending_next_[i];
  pending_prev_[i] = pending_next_[i] = false;
  last_[i] = int64_t(insns_.size());
  insns_.push_back(insn);
}

void InsnStream::EmitNoop(Module m) {
  Instruction in;
  in.opcode = m == Module::kStore ? Opcode::kStore : Opcode::kLoad;
  in.memory_type = m == Module::kLoad ? MemType::kInp : m == Module::kStore ? MemType::kOut : MemType::kUop;
  Emit(in);
}

void InsnStream::Pop(Module consumer, Module producer) {
  CheckAdjacent(consumer, producer);
  const size_t i = size_t(consumer);
  bool& flag = IsPrev(producer, consumer) ? pending_prev_[i] : pending_next_[i];
  if (flag) EmitNoop(consumer);  // a second pop on the same queue needs its own instruction
  (IsPrev(producer, consumer) ? pending_prev_[i] : pending_next_[i]) = true;
}

void InsnStream::Push(Module producer, Module consumer) {
  CheckAdjacent(consumer, producer);
  const size_t i = size_t(producer);
  const bool to_next = IsPrev(producer, consumer);
  if (last_[i] < 0 || (to_next ? insns_[size_t(last_[i])].push_next : insns_[size_t(last_[i])].push_prev)) {
    // No instruction to carry it, or it already pushes there: a token-only no-op carries the push.
    // Pending pops stay pending: they belong after this push.
    const bool prev = pending_prev_[i], next = pending_next_[i];
    pending_prev_[i] = pending_next_[i] = false;
    EmitNoop(producer);
    pending_prev_[i] = prev;
    pending_next_[i] = next;
  }
  Instruction& last = insns_[size_t(last_[i])];
  (to_next ? last.push_next : last.push_prev) = true;
}

void InsnStream::Finish() {
  Instruction fin;
  fin.opcode = Opcode::kFinish;
  Emit(fin);
}

std::array<int, spec::kNumTokenQueues> InsnStream::MaxOutstanding() const {
  std::array<int, spec::kNumTokenQueues> cur{}, mx{};
  for (const Instruction& in : insns_) {
    const Module m = ModuleOf(in);
    for (const auto& q : spec::PopQueues(in, m))
      if (q) --cur[size_t(*q)];
    for (const auto& q : spec::PushQueues(in, m))
      if (q) mx[size_t(*q)] = std::max(mx[size_t(*q)], ++cur[size_t(*q)]);
  }
  return mx;
}

void OpGraph::AddOp(Module m, std::vector<Instruction> insns, std::vector<int> reads, std::vector<int> writes) {
  if (insns.empty()) return;
  for (const Instruction& in : insns)
    if (ModuleOf(in) != m) throw Error("internal compiler error: an op mixes instructions of two modules");
  ops_.push_back({m, std::move(insns), std::move(reads), std::move(writes)});
}

InsnStream OpGraph::Finalize() const {
  const size_t n = ops_.size();
  // need[c][p]: the latest op of module p that op c must wait for (-1: none).
  std::vector<std::array<int64_t, 3>> need(n + 1, {-1, -1, -1});
  struct State {
    int64_t writer = -1;
    std::array<int64_t, 3> readers{-1, -1, -1};
  };
  std::map<int, State> res;
  auto dep = [&](size_t c, int64_t p) {
    if (p < 0) return;
    const Module pm = ops_[size_t(p)].module, cm = ops_[c].module;
    if (pm == cm) return;  // a module executes in order
    CheckAdjacent(pm, cm);
    need[c][size_t(pm)] = std::max(need[c][size_t(pm)], p);
  };
  for (size_t c = 0; c < n; ++c) {
    const Op& op = ops_[c];
    for (int r : op.reads) dep(c, res[r].writer);
    for (int r : op.writes) {
      dep(c, res[r].writer);
      for (int64_t rd : res[r].readers) dep(c, rd);
    }
    for (int r : op.reads) res[r].readers[size_t(op.module)] = int64_t(c);
    for (int r : op.writes) res[r] = State{int64_t(c), {-1, -1, -1}};
  }
  // FINISH (compute) waits for the last load and the last store.
  int64_t last_load = -1, last_store = -1;
  for (size_t c = 0; c < n; ++c) {
    if (ops_[c].module == Module::kLoad) last_load = int64_t(c);
    if (ops_[c].module == Module::kStore) last_store = int64_t(c);
  }
  need[n][size_t(Module::kLoad)] = last_load;
  need[n][size_t(Module::kStore)] = last_store;

  // One token per (consumer, producer module) whose requirement is not already implied by an earlier
  // wait of the same consumer module on the same producer module.
  std::array<std::array<int64_t, 3>, 3> waited;  // [consumer module][producer module]
  for (auto& w : waited) w = {-1, -1, -1};
  std::vector<std::array<bool, 3>> push_to(n, {false, false, false});  // [producer op][consumer module]
  std::vector<std::array<bool, 3>> pop_from(n + 1, {false, false, false});
  for (size_t c = 0; c <= n; ++c) {
    const Module cm = c < n ? ops_[c].module : Module::kCompute;
    for (size_t pm = 0; pm < 3; ++pm) {
      const int64_t p = need[c][pm];
      if (p < 0 || p <= waited[size_t(cm)][pm]) continue;
      waited[size_t(cm)][pm] = p;
      pop_from[c][pm] = true;
      push_to[size_t(p)][size_t(cm)] = true;
    }
  }
  InsnStream s;
  for (size_t c = 0; c <= n; ++c) {
    const Module cm = c < n ? ops_[c].module : Module::kCompute;
    for (size_t pm = 0; pm < 3; ++pm)
      if (pop_from[c][pm]) s.Pop(cm, Module(pm));
    if (c == n) break;
    for (const Instruction& in : ops_[c].insns) s.Emit(in);
    for (size_t to = 0; to < 3; ++to)
      if (push_to[c][to]) s.Push(cm, Module(to));
  }
  s.Finish();
  return s;
}

uint32_t UopCache::Use(const std::vector<spec::Uop>& kernel, uint64_t dram_base_rows, std::vector<Instruction>& out) {
  std::vector<uint64_t> key;
  key.reserve(kernel.size());
  for (const spec::Uop& u : kernel) key.push_back(spec::EncodeUop(spec_.isa.uop, u));
  for (const Resident& r : resident_)
    if (r.key == key) return r.offset;
  const uint64_t size = key.size();
  if (size == 0 || int64_t(size) > spec_.uop_depth)
    throw Error(
        fmt::format("internal compiler error: micro-op kernel of {} words, buffer holds {}", size, spec_.uop_depth));
  auto [it, inserted] = dram_offset_.try_emplace(key, words_.size());
  if (inserted) words_.insert(words_.end(), key.begin(), key.end());
  if (next_ + size > uint64_t(spec_.uop_depth)) next_ = 0;
  const uint32_t off = next_;
  std::erase_if(resident_, [&](const Resident& r) { return r.offset < off + size && off < r.offset + r.size; });
  resident_.push_back({off, uint32_t(size), key});
  next_ = off + uint32_t(size);
  Instruction ld;
  ld.opcode = Opcode::kLoad;
  ld.memory_type = MemType::kUop;
  ld.sram_base = off;
  ld.dram_base = dram_base_rows + it->second;
  ld.y_size = 1;
  ld.x_size = size;
  ld.x_stride = size;
  out.push_back(ld);
  ++loads_;
  return off;
}

std::vector<uint8_t> UopCache::Image() const {
  std::vector<uint8_t> img(words_.size() * size_t(spec_.uop_bytes));
  for (size_t i = 0; i < words_.size(); ++i)
    PutElem(img, i * size_t(spec_.uop_bytes), spec_.uop_bytes * 8, int64_t(words_[i]));
  return img;
}

}  // namespace dcoc::compiler
