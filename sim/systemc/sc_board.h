// The SystemC virtual board (backend "systemc"): the verilated VTA++ in a SystemC simulation with a
// DRAM target that has a board's timing, driven by the host at register level through TLM-2.0. It is
// a runtime::Board, so runtime::DriverDevice runs programs on it with the same register sequence as
// the XRT backend on real hardware.
//
// Without a board the DRAM target reproduces the Verilator harness's default memory model (16-cycle
// latencies, a beat per cycle, 8 outstanding reads), and the cycle counts equal the verilator
// backend's. With --board (boards/<name>.json) it uses the board's latencies and bandwidth.
#pragma once

#include <memory>
#include <string>

#include "boards/board.h"
#include "host/runtime/driver_device.h"
#include "host/runtime/registry.h"
#include "host/spec/hw_config.h"

namespace dcoc::sim {

// The memory timing of the virtual board, in the accelerator's terms.
struct BoardTiming {
  double clock_mhz = 100;          // the accelerator clock (the configuration's CLOCK_MHZ)
  double read_latency_ns = 0;      // read address accepted to first beat
  double write_latency_ns = 0;     // last write beat to response
  double bytes_per_second = 0;     // DRAM bandwidth shared by reads and writes; 0: unlimited
  int beat_interval = 1;           // cycles between read beats (the port's width against the DRAM's rate)
  int max_outstanding_reads = 8;
  std::string name;                // "harness" or the board's name
};

// The Verilator harness's default DRAM model (sim::DramTiming) at the configuration's clock.
BoardTiming HarnessTiming(const spec::Spec& s);
// A board's memory system: latencies, bandwidth x efficiency, and a read beat no faster than the DRAM
// delivers a bus word.
BoardTiming TimingOf(const boards::Board& b, const spec::Spec& s);

// A virtual board for `s` (the verilated model prebuilt or built on demand). Each board owns its
// SystemC simulation context.
std::unique_ptr<runtime::Board> CreateScBoard(const spec::Spec& s, const BoardTiming& timing);

// Adds "systemc" to `r`. DeviceOptions::board selects the board's timing (empty: the harness's).
void AddSystemcBackend(runtime::Registry& r);

}  // namespace dcoc::sim
