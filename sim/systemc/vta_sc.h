// The SystemC virtual board's modules: the verilated VTA++ as a clocked SystemC module with TLM-2.0
// sockets on both AXI ports, the DRAM target with a board's timing, and the host CPU issuing register
// accesses. Every module here lives in the simulation context of one ScBoard (sc_board.h).
//
//   HostSc --TLM (b_transport, 32-bit)--> VtaSc.ctrl: AXI4-Lite slave bridge -> vta_top's s_axil pins
//   vta_top's m_axi pins -> VtaSc's AXI4-to-TLM bridge: one transaction per burst --> DramSc (timing)
//
// The bridge keeps the AXI protocol of the Verilator harness (sim/verilator/harness.cpp): read bursts
// are served in order, one beat per `beat_interval` cycles, after the latency the DRAM target
// annotates; at most `max_outstanding_reads` reads and 8 writes are accepted; a write response comes
// after the latency the target annotates for the burst. With the harness's DRAM timing the RTL
// therefore sees the same handshakes in the same cycles and counts the same cycles.
#pragma once

// Debian's SystemC 2.3.4 is built as C++17: every translation unit that includes it says so.
#ifndef SC_CPLUSPLUS
#error "compile SystemC code with -DSC_CPLUSPLUS=201703L"
#endif

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include "host/spec/hw_config.h"
#include "sim/verilator/vta_model.h"

namespace dcoc::sim {

// What the board's memory system looks like from the accelerator (times at the accelerator clock).
struct ScTiming {
  double clock_mhz = 100;
  sc_core::sc_time read_latency, write_latency;  // address accepted to first beat; last beat to response
  double bytes_per_second = 0;                   // DRAM bandwidth shared by reads and writes; 0: unlimited
  int beat_interval = 1;                         // cycles between two read beats on the R channel
  int max_outstanding_reads = 8;
  std::string name;                              // "harness" or the board's name
};

// The DRAM target: a byte array (the device memory), a latency and a bandwidth. A read or write of
// bytes outside the array answers TLM_ADDRESS_ERROR_RESPONSE; a read beat that starts inside and ends
// past it reads zeros there (streams may end mid-beat).
class DramSc : public sc_core::sc_module {
 public:
  tlm_utils::simple_target_socket<DramSc> socket;

  DramSc(sc_core::sc_module_name name, std::vector<uint8_t>& storage, const ScTiming& timing, int bus_bytes);

 private:
  void BTransport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);

  std::vector<uint8_t>& mem_;
  ScTiming timing_;
  int bus_bytes_;
  sc_core::sc_time free_at_;  // when the DRAM channel has moved every byte asked of it so far
};

// vta_top inside SystemC: evaluated on every rising edge of `clk` (both clock phases, as the harness
// does), with the AXI4-Lite slave reached through `ctrl` and the AXI4 master bridged to `mem`.
class VtaSc : public sc_core::sc_module {
 public:
  sc_core::sc_in<bool> clk;
  tlm_utils::simple_target_socket<VtaSc> ctrl;
  tlm_utils::simple_initiator_socket<VtaSc> mem;

  SC_HAS_PROCESS(VtaSc);
  VtaSc(sc_core::sc_module_name name, const spec::Spec& s, std::unique_ptr<VtaModel> model, const ScTiming& timing);
  ~VtaSc() override;

  // Holds reset for the next 4 cycles (scratchpads keep their contents, as on hardware).
  void RequestReset() { reset_cycles_ = 4; }
  uint64_t cycle() const { return cycle_; }
  // The first DRAM or protocol error the bridge saw, or "".
  const std::string& error() const { return error_; }
  void ClearError() { error_.clear(); }
  VtaModel& model() { return *model_; }

 private:
  struct ReadBurst {
    std::vector<uint8_t> data;
    int beats = 0, next = 0;
    uint8_t id = 0;
    uint64_t ready_cycle = 0;
  };
  struct WriteBurst {
    uint64_t addr = 0;
    int beats = 0, next = 0;
    std::vector<uint8_t> data, enable;
  };
  struct LiteRequest {
    bool write = false;
    uint32_t offset = 0, value = 0;
    int phase = 0;  // 0 address/data, 1 response, 2 done
  };

  void OnClock();
  void CtrlTransport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);
  void DriveLite();
  void FinishLite();
  void IssueRead(uint64_t addr, int beats, uint8_t id);
  void IssueWrite(WriteBurst& w);
  uint64_t Cycles(const sc_core::sc_time& t) const;

  spec::Spec spec_;
  std::unique_ptr<VtaModel> model_;
  ScTiming timing_;
  VtaPins pins_;
  uint64_t cycle_ = 0;
  int reset_cycles_ = 4;
  std::deque<ReadBurst> reads_;
  std::deque<WriteBurst> writes_;
  std::deque<uint64_t> bresp_;
  uint64_t next_beat_cycle_ = 0;
  LiteRequest* lite_ = nullptr;  // the register access in flight
  sc_core::sc_event lite_done_;
  void RecordAssertions();
  std::string error_;
};

// The host CPU: issues one register access at a time through its initiator socket, on request from
// outside the simulation, and pauses the simulation when it is done.
class HostSc : public sc_core::sc_module {
 public:
  tlm_utils::simple_initiator_socket<HostSc> bus;

  SC_HAS_PROCESS(HostSc);
  explicit HostSc(sc_core::sc_module_name name);

  // Queues an access; run the simulation until done() to complete it.
  void Post(bool write, uint32_t offset, uint32_t value);
  bool done() const { return done_; }
  uint32_t value() const { return value_; }
  const std::string& error() const { return error_; }

 private:
  void Main();

  sc_core::sc_event request_;
  bool write_ = false, done_ = true;
  uint32_t offset_ = 0, value_ = 0;
  std::string error_;
};

}  // namespace dcoc::sim
