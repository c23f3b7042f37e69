// The module structure every executor shares: which module runs an instruction (VTA's fetch routing),
// the four dependency-token queues, and which queue each dependency flag of each module pops or
// pushes. fsim, the RTL harness, the program generator, the hazard checker and the compiler's stream
// builder all read these tables; none keeps its own copy.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

#include "host/spec/isa.h"

namespace dcoc::spec {

// The three execution modules, in pipeline order: a module's "previous" neighbour has the lower index.
enum class Module : uint8_t { kLoad = 0, kCompute = 1, kStore = 2 };
constexpr int kNumModules = 3;
std::string_view Name(Module m);  // "load", "compute", "store"

// The four token queues, named producer-to-consumer. The numbering is the one of docs/semantics.md,
// of the RTL's TOKENS_0/TOKENS_1 registers (queue q in bits [16*(q%2) +: 16] of TOKENS_(q/2)) and of
// vta_core's queue instances.
enum class TokenQueue : uint8_t { kLoadToCompute = 0, kComputeToLoad = 1, kComputeToStore = 2, kStoreToCompute = 3 };
constexpr int kNumTokenQueues = 4;
std::string_view Name(TokenQueue q);       // "load->compute", ...
std::string_view ShortName(TokenQueue q);  // "l2c", "c2l", "c2s", "s2c" (counter and signal names)
Module Producer(TokenQueue q);
Module Consumer(TokenQueue q);

// Which module executes an instruction: LOAD INP/WGT -> load; LOAD UOP/ACC, GEMM, ALU, FINISH ->
// compute; STORE OUT -> store. No module executes a LOAD of OUT, a STORE of another type or an unknown
// opcode: the RTL's fetch drops such an instruction (ERROR.BAD_INSN), the others refuse it.
std::optional<Module> RouteOf(const Instruction& insn);

// The queue behind each dependency flag of a module; empty where the module has no such neighbour
// (load has no previous module, store no next one), and a flag there is refused.
struct QueuePorts {
  std::optional<TokenQueue> pop_prev, pop_next, push_prev, push_next;
};
const QueuePorts& PortsOf(Module m);

// The queue from `producer` to `consumer`; empty when the two modules are not neighbours.
std::optional<TokenQueue> QueueBetween(Module producer, Module consumer);

// The queues an instruction of module `m` pops (pop_prev, then pop_next) and pushes (push_prev, then
// push_next); an entry is empty when its flag is clear or the module has no such queue.
std::array<std::optional<TokenQueue>, 2> PopQueues(const Instruction& insn, Module m);
std::array<std::optional<TokenQueue>, 2> PushQueues(const Instruction& insn, Module m);
// True when `insn` sets a flag for a neighbour module `m` does not have.
bool HasFlagWithoutQueue(const Instruction& insn, Module m);

}  // namespace dcoc::spec
