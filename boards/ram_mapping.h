// The RAMs of a configuration's design and how Yosys synth_xilinx maps each to FPGA primitives: the
// exact block-RAM (and UltraRAM, LUTRAM) part of the resource model.
//
// Every RAM of VTA++ is a vta_ram_1r1w: one synchronous write port, one synchronous read port. Yosys
// (memory_libmap) maps such a W x D memory to the cheapest tiling by one primitive geometry, the cost
// of a tiling being (number of primitives) x (the primitive's cost in the Yosys library): a 36 Kb block
// RAM costs 257, an 18 Kb half 129, an UltraRAM 1024, a LUTRAM 8 (xc7) or 16 (xcup). This file
// enumerates the same geometries and costs, so the mapping is the one Yosys picks (checked against
// Yosys runs of single RAMs and of whole designs, see docs/benchmarks.md).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "host/spec/hw_config.h"

namespace dcoc::boards {

// One RAM of the design: `width` bits x `depth` words.
struct Memory {
  std::string name;
  int64_t width = 0, depth = 0;
};
// The scratchpads, micro-op buffer, instruction queues and fetch buffer of a configuration's RTL, and
// the store module's small burst-length FIFO.
std::vector<Memory> DesignMemories(const spec::Spec& s);

struct MemoryMapping {
  std::string_view primitive;  // e.g. "RAMB18 2Kx9", "RAMB36 SDP 512x72", "URAM 4Kx72", "RAM64M"
  int64_t units = 0;           // primitives used
  double bram36 = 0;           // 36 Kb blocks (an 18 Kb half counts 0.5)
  double uram = 0;
  double lutram_luts = 0;      // LUTs used as memory
  double cost = 0;             // in the units of the Yosys library
};
// Throws UsageError for an unknown family (xc7 and xcup are known) or a non-positive shape.
MemoryMapping MapMemory(int64_t width, int64_t depth, std::string_view family);

}  // namespace dcoc::boards
