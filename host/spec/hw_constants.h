// Fixed parameters of the VTA++ microarchitecture that no configuration key changes. The generator
// writes them into vta_pkg; the harness, the resource model and the board backends read them here.
#pragma once

#include "host/spec/isa_layout.h"

namespace dcoc::spec {

// Instruction FIFO between fetch and each module (block RAM): fetch routes in order, as VTA does; a
// deeper queue lets fetch run further ahead of a module that waits on tokens.
constexpr int kInsnQueueDepth = 512;
constexpr int kInsnBytes = IsaLayout::kInsnBits / 8;

// AXI4 memory master.
constexpr int kAxiAddrBits = 64;
constexpr int kAxiIdBits = 3;
constexpr int kAxiMaxOutstanding = 4;    // bursts in flight per DMA reader
constexpr int kAxiMaxBurstBeats = 256;   // AXI4 INCR burst limit
constexpr int kAxiBoundaryBytes = 4096;  // no burst crosses a 4 KiB boundary
constexpr int kNumDmaReaders = 5;        // AXI read IDs: 0 fetch, 1 INP, 2 WGT, 3 UOP, 4 ACC
constexpr int kDmaXSizeBits = 32;        // the DMA's x size; fetch passes INSN_COUNT (32-bit) through it

// The store module's FIFO of burst lengths between its AW and W sides (vta_store.sv).
constexpr int kStoreLenFifoDepth = 4;
constexpr int kStoreLenFifoBits = 8;  // AXI AxLEN

// AXI4-Lite control slave and counters.
constexpr int kAxilAddrBits = 12;
constexpr int kAxilDataBits = 32;
constexpr int kCounterBits = 64;
constexpr int kCounterIncBits = 16;  // largest per-cycle increment of a counter: one row of bytes

// Fetch reads the stream in chunks of one burst (at most 256 beats and 4 KiB) into a buffer two chunks deep.
constexpr int FetchChunkInsns(int bus_bytes) {
  const int burst = kAxiMaxBurstBeats * bus_bytes;
  return (burst < kAxiBoundaryBytes ? burst : kAxiBoundaryBytes) / kInsnBytes;
}
constexpr int FetchBufferInsns(int bus_bytes) { return 2 * FetchChunkInsns(bus_bytes); }

}  // namespace dcoc::spec
