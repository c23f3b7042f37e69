// A seeded generator of random, valid VTA++ programs for any configuration. Later issues use it to
// test the RTL, the HLS kernel and the other backends against the functional simulator.
//
// What "valid" means here, and what every generated program guarantees:
//  - every field fits its bit width in the configuration's ISA layout (checked with spec::Encode);
//  - every SRAM row and DRAM byte accessed is in bounds;
//  - the token protocol is balanced (every pushed token is popped) and the instruction stream, in its
//    own order, is an execution that respects each queue's capacity (DEP_QUEUE_DEPTH), so no
//    interleaving of the three modules can deadlock and FINISH never races with a load or a store;
//  - the result does not depend on how the modules interleave: a scratchpad row is never written by
//    one module while another may read or write it;
//  - nothing reads a scratchpad row the program has not written first (the result does not depend on
//    the scratchpads' contents at reset), and the stores write only the output region;
//  - the DRAM image holds micro-ops, inputs, weights and accumulators (read-only) and an output region
//    pre-filled with random bytes, so a backend that writes outside its stores, or drops a store,
//    shows up in the output region's digest; later blocks also load back rows earlier blocks stored
//    (ordered by the tokens), so data goes through DRAM as between the layers of a network.
// FindHazards (sim/progen/hazards.h) checks these properties statically; tests/sim runs it, fsim
// under several interleavings and a plain sequential model on every generated program.
//
// Structure. The program is a sequence of blocks; block t works in slot t % K of the input, weight
// and accumulator scratchpads (K = 2, double buffering, when every buffer has at least two rows and
// GenOptions::double_buffer is set; otherwise K = 1). For each block:
//  - load module: loads the block's input and weight windows (2-D loads, zero or minimum padding),
//    first waiting for block t-K's compute to release the slot (compute->load token), and finally
//    pushes load->compute;
//  - compute module: pops load->compute (and store->compute from block t-K's store), initializes
//    its accumulator window (ACC and ACC_8BIT loads with padding, GEMM or ALU with reset), runs GEMMs (reset 0/1,
//    2-level micro-op loops, back-to-back micro-ops writing the same row) and ALU ops (all seven,
//    immediate and tensor-tensor), loading micro-ops as it goes; it pushes compute->load (when block
//    t+K exists) after its last read of the input and weight windows, and compute->store after its
//    last write of the accumulator window;
//  - store module: pops compute->store, stores rows of the window to fresh places of the output
//    region, and pushes store->compute when block t+K exists or t is the last block;
//  - FINISH (compute) pops the last block's store->compute token.
// Zero-size loads and stores (token-only, some with non-zero padding fields), empty micro-op ranges
// and zero iteration counts appear now and then. The three module streams are merged into one
// instruction stream in a random order that is itself a legal sequential execution.
#pragma once

#include <cstdint>

#include "host/spec/hw_config.h"
#include "host/spec/program.h"
#include "host/spec/vta.h"

namespace dcoc::sim {

// Bounds on the size of a generated program. The defaults make programs of about a hundred
// instructions (up to max_insns) that run in milliseconds on fsim for every configuration. Invalid
// values throw UsageError naming the option; max_iter is also capped by the iteration fields' width.
struct GenOptions {
  int blocks = 0;               // blocks (load, compute, store rounds); 0: seeded choice in [1, 8]
  int max_insns = 400;          // upper bound on instructions, FINISH included (>= 6 per block + 1)
  int max_ops_per_block = 6;    // GEMM/ALU work instructions per block, after the window is initialized
  int max_window_rows = 32;     // rows of each scratchpad (input, weight, accumulator) one block uses
  int64_t max_window_bytes = 1 << 16;  // ... and their bytes (large rows get fewer of them)
  int max_uops = 12;            // micro-ops per GEMM/ALU instruction
  int max_iter = 4;             // upper bound of iter_out and iter_in
  uint64_t max_macs = uint64_t(1) << 22;  // GEMM multiply-accumulates over the whole program
  bool double_buffer = true;    // two slots per scratchpad when the buffers allow it
  bool edge_cases = true;       // zero-size loads/stores with pads, empty uop ranges, zero iterations
  // spec::Isa::kVta: only what stock VTA executes as dcoc does (host/spec/vta.h): ALU MIN, MAX, ADD and
  // SHR by an immediate in [-16, 15], no ALU reset, padding on INP loads only and with zeros, one-run
  // micro-op loads, no ACC_8BIT, no zero-size forms other than x_size = 0 without pads, no empty work;
  // and every stored out row passes through the ALU after its window's ACC loads and resets. The
  // configuration must be one a VTA bitstream has (UsageError otherwise).
  spec::Isa isa = spec::Isa::kVtaPlus;
};

// Generates a program for `cfg` (validated; throws ConfigError if it is not a valid configuration).
// The same (cfg, seed, opts) always gives the same program, on every platform: the generator uses its
// own random-number generator and no std:: distributions. Regions: "uop", "input", "weight", "acc"
// (read-only data) and "output" (written by the stores). Program::description says how it was made.
spec::Program GenerateRandomProgram(const spec::HwConfig& cfg, uint64_t seed, const GenOptions& opts = {});

}  // namespace dcoc::sim
