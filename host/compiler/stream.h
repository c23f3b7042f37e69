// The instruction-stream side of the runtime, as the compiler uses it:
//  - InsnStream: VTA-runtime-style token management. Pops are pending until the module's next
//    instruction, which carries them; a push attaches to the producer's last instruction, or becomes a
//    token-only no-op (a zero-sized LOAD/STORE) when that instruction already pushes on that queue.
//  - OpGraph: the compiler emits "ops" (a few instructions of one module that read and write named
//    scratchpad slots); Finalize() derives every cross-module hazard (RAW, WAR, WAW) from the slots,
//    turns each into one token (keeping every queue FIFO-consistent), emits the stream and FINISH.
//    Every push has exactly one pop, so the queues are empty at FINISH.
//  - UopCache: micro-op kernels (one loop body of a GEMM or ALU instruction), deduplicated into a DRAM
//    region and kept resident in the micro-op buffer; a kernel that is not resident is (re)loaded
//    with a LOAD UOP into a ring, evicting whatever it overlaps (VTA's kernel cache).
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "host/spec/hw_config.h"
#include "host/spec/isa.h"
#include "host/spec/routing.h"

namespace dcoc::compiler {

using spec::Module;
// spec::RouteOf for the instructions the compiler emits (an unroutable one is an internal error).
Module ModuleOf(const spec::Instruction& insn);

// A LOAD or STORE without padding or dependency flags (sizes, stride and bases in rows of `m`).
spec::Instruction MemInsn(spec::Opcode op, spec::MemType m, uint64_t sram, uint64_t dram, uint64_t y, uint64_t x,
                          uint64_t stride);

class InsnStream {
 public:
  void Emit(spec::Instruction insn);
  // `consumer` waits for a token from the adjacent module `producer` before its next instruction.
  void Pop(Module consumer, Module producer);
  // `producer` sends a token to the adjacent module `consumer` after its last instruction so far.
  void Push(Module producer, Module consumer);
  // FINISH on the compute module, carrying the compute module's pending pops.
  void Finish();
  const std::vector<spec::Instruction>& insns() const { return insns_; }
  // Largest number of tokens waiting in each queue (load->compute, compute->load, compute->store,
  // store->compute) when the stream executes in program order: the queue depth it needs.
  std::array<int, spec::kNumTokenQueues> MaxOutstanding() const;

 private:
  void EmitNoop(Module m);
  std::vector<spec::Instruction> insns_;
  std::array<int64_t, 3> last_{-1, -1, -1};
  std::array<bool, 3> pending_prev_{}, pending_next_{};
};

class OpGraph {
 public:
  // A scratchpad resource, e.g. Resource(kInp, slot). Distinct ids never alias.
  enum Buffer : int { kInp = 0, kWgt = 1, kAcc = 2 };
  static int Resource(Buffer b, int slot) { return int(b) * 64 + slot; }

  void AddOp(Module m, std::vector<spec::Instruction> insns, std::vector<int> reads, std::vector<int> writes);
  // Resolves hazards, emits tokens and FINISH. Returns the stream's required queue depths too.
  InsnStream Finalize() const;
  size_t size() const { return ops_.size(); }

 private:
  struct Op {
    Module module;
    std::vector<spec::Instruction> insns;
    std::vector<int> reads, writes;
  };
  std::vector<Op> ops_;
};

class UopCache {
 public:
  explicit UopCache(const spec::Spec& s) : spec_(s) {}
  // The buffer offset of `kernel`, appending the LOAD UOP that makes it resident to `out` if needed.
  // `dram_base_rows` is where the micro-op region will start in DRAM, in micro-op words.
  uint32_t Use(const std::vector<spec::Uop>& kernel, uint64_t dram_base_rows, std::vector<spec::Instruction>& out);
  // The micro-op region: every distinct kernel once, encoded.
  std::vector<uint8_t> Image() const;
  size_t kernels() const { return dram_offset_.size(); }
  uint64_t loads() const { return loads_; }

 private:
  struct Resident {
    uint32_t offset, size;
    std::vector<uint64_t> key;
  };
  const spec::Spec& spec_;
  std::map<std::vector<uint64_t>, uint64_t> dram_offset_;  // kernel words -> offset in the region (words)
  std::vector<uint64_t> words_;
  std::vector<Resident> resident_;
  uint32_t next_ = 0;
  uint64_t loads_ = 0;
};

}  // namespace dcoc::compiler
