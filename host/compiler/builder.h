// The program builder every operator is written against (conv2d, dense, depthwise, element-wise,
// pooling): one object that owns the four things every lowering needs, in the order it needs them.
//   1. Image placement: operands and outputs go into the DRAM image in placement order, each aligned
//      to max(64 B, its row size) and named as a region; the micro-op region follows them.
//   2. Micro-op cache: kernels deduplicated in DRAM and kept resident in the micro-op buffer
//      (stream.h's UopCache); the first kernel fixes where the micro-op region starts, so every
//      placement comes before it.
//   3. Op graph: ops (a few instructions of one module and the scratchpad slots they read and write);
//      dependency tokens are derived from the slots (stream.h's OpGraph).
//   4. Build: hazards resolved, FINISH appended, the token-queue depth checked against
//      DEP_QUEUE_DEPTH, every instruction encoded once (a field that does not fit is an internal error),
//      and, for stock VTA's instruction set, every instruction checked against VTA's subset.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "host/compiler/stream.h"
#include "host/spec/hw_config.h"
#include "host/spec/program.h"
#include "host/spec/vta.h"

namespace dcoc::compiler {

// A compiled program and what its construction revealed.
struct BuiltProgram {
  spec::Program program;
  std::array<int, 4> queue_depth{};  // tokens each queue must hold (load->compute, compute->load, ...)
  uint64_t uop_kernels = 0, uop_loads = 0;
};

class ProgramBuilder {
 public:
  explicit ProgramBuilder(const spec::Spec& s, spec::Isa isa = spec::Isa::kVtaPlus) : spec_(s), isa_(isa), uops_(s) {}
  const spec::Spec& spec() const { return spec_; }
  // The instruction set the program is for (epilogue.h emits accordingly).
  spec::Isa isa() const { return isa_; }

  // Places `bytes` in the DRAM image as region `name` and returns its base in rows of `row_bytes`.
  // An empty operand is not a region (the alignment still applies).
  uint64_t Place(std::string name, spec::RegionKind kind, std::span<const uint8_t> bytes, int row_bytes);
  // Reserves `bytes` zero bytes (an output) as region `name`; returns its base in rows of `row_bytes`.
  uint64_t Reserve(std::string name, spec::RegionKind kind, uint64_t bytes, int row_bytes);

  // The micro-op buffer offset of `kernel`, appending the LOAD UOP that makes it resident to `out`.
  uint32_t Uops(const std::vector<spec::Uop>& kernel, std::vector<spec::Instruction>& out);

  // An op of module `m` reading and writing scratchpad resources (OpGraph::Resource).
  void AddOp(Module m, std::vector<spec::Instruction> insns, std::vector<int> reads, std::vector<int> writes) {
    graph_.AddOp(m, std::move(insns), std::move(reads), std::move(writes));
  }

  // The finished program, described as `description`. Throws ScheduleError when a token queue would
  // need more than DEP_QUEUE_DEPTH tokens; Error (internal) when an instruction does not encode.
  BuiltProgram Build(std::string description);

 private:
  uint64_t Align(int row_bytes) const;
  uint64_t UopBase();

  const spec::Spec& spec_;
  spec::Isa isa_;
  std::vector<uint8_t> dram_;
  std::vector<spec::Region> regions_;
  std::optional<uint64_t> uop_offset_;  // bytes; fixed by the first kernel
  OpGraph graph_;
  UopCache uops_;
};

}  // namespace dcoc::compiler
