// The functional reference simulator: executes a program with the golden semantics of DESIGN.md.
// No timing, but the three modules (load, compute, store) run from their own instruction queues and
// synchronize only through the four dependency-token queues, so a program whose result depends on
// the interleaving, or that can deadlock, is caught here rather than in RTL.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "host/spec/hw_config.h"
#include "host/spec/isa.h"
#include "host/spec/program.h"
#include "host/spec/routing.h"
#include "host/spec/vta.h"

namespace dcoc::sim {

// The modules and token queues are the spec's (host/spec/routing.h).
using spec::kNumModules;
using spec::kNumTokenQueues;
using spec::Module;
using spec::TokenQueue;

// spec::RouteOf, throwing ExecError (naming instruction `index`) for an instruction no module executes:
// a LOAD of OUT, a STORE of anything but OUT.
Module RouteOf(const spec::Instruction& insn, size_t index);

struct Counters {
  std::array<uint64_t, kNumModules> insns{};            // instructions executed per module
  std::array<uint64_t, spec::kNumMemTypes> load_bytes{};  // DRAM bytes read per memory type (padding excluded)
  std::array<uint64_t, spec::kNumMemTypes> pad_rows{};    // rows written as padding per memory type
  uint64_t store_bytes = 0;                              // DRAM bytes written by STORE
  uint64_t gemm_uops = 0;                                // GEMM micro-op executions (loop iterations x uops)
  uint64_t alu_uops = 0;                                 // ALU micro-op executions
  std::array<uint64_t, kNumTokenQueues> tokens{};         // tokens pushed per queue
  bool operator==(const Counters&) const = default;
};

enum class Interleave : uint8_t { kDeterministic, kRandom };

struct FsimOptions {
  Interleave interleave = Interleave::kDeterministic;  // round-robin load, compute, store
  uint64_t seed = 1;                                   // for kRandom: which ready module runs next
  // spec::Isa::kVta: also reject, with an ExecError naming the instruction and the rule, everything
  // stock VTA would execute differently (spec/vta.h): the configuration, every instruction form
  // outside VTA's subset, a STORE of an out row last written by an ACC load or a GEMM reset (or never
  // written), and a tensor SHR by a value outside [0, 15].
  spec::Isa isa = spec::Isa::kVtaPlus;
};

class Fsim {
 public:
  explicit Fsim(const spec::Spec& spec);

  // Runs the stream to FINISH, reading and writing `dram` in place. Throws ExecError on an illegal
  // instruction, an out-of-bounds access (naming instruction, module and address), a deadlock (naming
  // each module's blocked instruction and every queue's tokens), or a FINISH that would race with
  // pending loads or stores. Scratchpads persist across runs; Reset() clears them.
  Counters Run(std::span<const spec::Instruction> insns, std::vector<uint8_t>& dram, const FsimOptions& opts = {});
  void Reset();

  const spec::Spec& spec() const { return spec_; }
  // Scratchpad contents (sign-extended elements), for directed tests and debugging.
  const std::vector<int64_t>& acc() const { return acc_; }
  const std::vector<int64_t>& out() const { return out_; }

 private:
  struct Context;
  void ExecLoad(const spec::Instruction& in, size_t index, Module m, std::span<const uint8_t> dram, Counters& c);
  void ExecStore(const spec::Instruction& in, size_t index, std::vector<uint8_t>& dram, Counters& c);
  void ExecGemm(const spec::Instruction& in, size_t index, Counters& c);
  void ExecAlu(const spec::Instruction& in, size_t index, Counters& c);
  // Isa::kVta: what last wrote each out row (a STORE of anything but kComputed differs on VTA).
  enum class OutSource : uint8_t { kNone, kComputed, kAccLoad, kReset };
  void SetOutSource(uint64_t row, OutSource src) { out_source_[size_t(row)] = src; }

  spec::Spec spec_;
  spec::Isa isa_ = spec::Isa::kVtaPlus;
  std::vector<OutSource> out_source_;
  std::vector<int64_t> inp_, wgt_, acc_, out_;  // element-wise, [row][...]
  std::vector<spec::Uop> uop_;
};

// Runs a whole program on a fresh simulator: the final DRAM image and the counters.
struct FsimResult {
  std::vector<uint8_t> dram;
  Counters counters;
};
FsimResult RunProgram(const spec::Program& p, const FsimOptions& opts = {});

}  // namespace dcoc::sim
