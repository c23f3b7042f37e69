// A static checker for the properties a program needs to give the same result on every backend and
// under every interleaving of the load, compute and store modules — independent of any one run:
//  - no data race: two accesses to the same scratchpad row or DRAM bytes from different modules, at
//    least one a write, must be ordered by dependency tokens (happens-before);
//  - no read of a scratchpad row the program has not written first (its contents at reset are not
//    part of the semantics, and differ between fsim, the RTL and a board);
//  - FINISH ordered after every load and store; no deadlock; every pushed token popped.
// Happens-before is the same in every execution: the k-th pop of a queue always takes the k-th push
// (pushed after its instruction executed, popped before the popping one executes). The checker
// computes vector clocks from that, replays one legal execution and checks each access against the
// last write and the latest read of every module (the FastTrack scheme), so it finds a race whenever
// one exists, whatever fsim's interleaving happens to be. Queue capacity is not counted as ordering:
// in fsim's atomic model a push that waited for room runs after the instruction whose pop made it,
// but in hardware the pop frees the room as that instruction starts, so both may run at once.
// The accumulator and out buffers count as one (they mirror each other).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "host/spec/program.h"
#include "host/spec/vta.h"

namespace dcoc::sim {

enum class HazardKind : uint8_t {
  kRace,            // conflicting accesses (or FINISH and a load/store) not ordered by tokens
  kUninitialized,   // a scratchpad row read before anything wrote it
  kDeadlock,        // no module can proceed before FINISH
  kUnpoppedToken,   // a token still queued when FINISH executes
  kInvalid,         // an instruction fsim would reject (encoding, route, flags, bounds), or a program
                    // of more than 2^26 micro-op executions; checking stops there
  kVtaDiffers,      // (Isa::kVta only) something stock VTA executes differently (host/spec/vta.h): the
                    // configuration, an instruction form, or a STORE of an out row an ACC load or a GEMM
                    // reset wrote last
};
std::string_view Name(HazardKind k);

struct Hazard {
  HazardKind kind;
  size_t insn;          // the instruction index where it was found (the later access of a race)
  std::string message;  // names both instructions, their modules, the buffer and the row or byte
};

// Checks `p`; returns at most `max_hazards` findings (empty: the program is well-formed). Throws
// ConfigError if the program's configuration is invalid. With Isa::kVta, also everything that stock VTA
// would execute differently, as far as it shows without data (a tensor SHR's amounts are data: fsim
// checks them with FsimOptions::isa).
std::vector<Hazard> FindHazards(const spec::Program& p, size_t max_hazards = 16, spec::Isa isa = spec::Isa::kVtaPlus);

}  // namespace dcoc::sim
