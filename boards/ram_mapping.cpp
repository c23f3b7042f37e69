#include "boards/ram_mapping.h"

#include <span>

#include <fmt/format.h>

#include "host/common/error.h"
#include "host/spec/hw_constants.h"

namespace dcoc::boards {

std::vector<Memory> DesignMemories(const spec::Spec& s) {
  const int64_t insn_bits = spec::IsaLayout::kInsnBits;
  return {
      {"inp", int64_t(s.inp_row_bytes) * 8, s.inp_depth},
      {"wgt", int64_t(s.wgt_row_bytes) * 8, s.wgt_depth},
      {"acc", int64_t(s.acc_row_bytes) * 8, s.acc_depth},
      {"out", int64_t(s.out_row_bytes) * 8, s.out_depth},
      {"uop", int64_t(s.uop_bytes) * 8, s.uop_depth},
      {"load_insn_queue", insn_bits, spec::kInsnQueueDepth},
      {"compute_insn_queue", insn_bits, spec::kInsnQueueDepth},
      {"store_insn_queue", insn_bits, spec::kInsnQueueDepth},
      {"fetch_buffer", insn_bits, spec::FetchBufferInsns(s.bus_bytes)},
      {"store_len_fifo", spec::kStoreLenFifoBits, spec::kStoreLenFifoDepth},
  };
}

namespace {

struct Geometry {
  std::string_view primitive;
  int64_t depth, width;
  double cost;
  double bram36, uram, luts;  // per primitive
};

// The block RAM geometries of brams_xc4v.txt (7-series and UltraScale alike: HAS_SIZE_36, cascade):
// true dual port FULL (RAMB36) and HALF (RAMB18) in every aspect ratio, simple dual port 512 x 72 and
// 512 x 36 (the only SDP shapes that add anything), and the 64K x 1 cascade of two RAMB36.
constexpr Geometry kBram[] = {
    {"RAMB36 32Kx1", 32768, 1, 257, 1, 0, 0},    {"RAMB36 16Kx2", 16384, 2, 257, 1, 0, 0},
    {"RAMB36 8Kx4", 8192, 4, 257, 1, 0, 0},      {"RAMB36 4Kx9", 4096, 9, 257, 1, 0, 0},
    {"RAMB36 2Kx18", 2048, 18, 257, 1, 0, 0},    {"RAMB36 1Kx36", 1024, 36, 257, 1, 0, 0},
    {"RAMB36 SDP 512x72", 512, 72, 257, 1, 0, 0}, {"RAMB18 16Kx1", 16384, 1, 129, 0.5, 0, 0},
    {"RAMB18 8Kx2", 8192, 2, 129, 0.5, 0, 0},    {"RAMB18 4Kx4", 4096, 4, 129, 0.5, 0, 0},
    {"RAMB18 2Kx9", 2048, 9, 129, 0.5, 0, 0},    {"RAMB18 1Kx18", 1024, 18, 129, 0.5, 0, 0},
    {"RAMB18 SDP 512x36", 512, 36, 129, 0.5, 0, 0}, {"RAMB36 cascade 64Kx1", 65536, 1, 513, 2, 0, 0},
};
// LUTRAM simple dual port (lutrams_xc5v.txt): RAM32M (32 x 6) and RAM64M (64 x 3), 4 LUTs each.
constexpr Geometry kLutramXc7[] = {{"RAM32M", 32, 6, 8, 0, 0, 4}, {"RAM64M", 64, 3, 8, 0, 0, 4}};
// LUTRAM simple dual port (lutrams_xcu.txt): RAM32M16 (32 x 14) and RAM64M8 (64 x 7), 8 LUTs each.
constexpr Geometry kLutramXcu[] = {{"RAM32M16", 32, 14, 16, 0, 0, 8}, {"RAM64M8", 64, 7, 16, 0, 0, 8}};
// UltraRAM (urams.txt): 4K x 72.
constexpr Geometry kUram[] = {{"URAM 4Kx72", 4096, 72, 1024, 0, 1, 0}};

int64_t CeilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

}  // namespace

MemoryMapping MapMemory(int64_t width, int64_t depth, std::string_view family) {
  if (width <= 0 || depth <= 0)
    throw UsageError(fmt::format("memory shape {} x {} must be positive", width, depth));
  const bool xcup = family == "xcup";
  if (!xcup && family != "xc7")
    throw UsageError(fmt::format("no RAM mapping for FPGA family \"{}\" (known: xc7, xcup)", family));
  MemoryMapping best;
  bool found = false;
  auto consider = [&](const Geometry& g) {
    const int64_t units = CeilDiv(width, g.width) * CeilDiv(depth, g.depth);
    const double cost = double(units) * g.cost;
    if (found && cost >= best.cost) return;  // on equal cost the first listed stays
    found = true;
    best = {g.primitive, units, double(units) * g.bram36, double(units) * g.uram, double(units) * g.luts, cost};
  };
  for (const Geometry& g : xcup ? std::span<const Geometry>(kLutramXcu) : std::span<const Geometry>(kLutramXc7))
    consider(g);
  for (const Geometry& g : kBram) consider(g);
  if (xcup)
    for (const Geometry& g : kUram) consider(g);
  return best;
}

}  // namespace dcoc::boards
