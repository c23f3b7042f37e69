#include "host/spec/counters.h"

#include <algorithm>

#include <fmt/format.h>

#include "host/common/error.h"

namespace dcoc::spec {

const std::vector<CounterInfo>& Counters() {
  // RTL counters first (their order is the register order), then fsim-only ones.
  static const std::vector<CounterInfo> kCounters = {
      {"cycles", "core", "cycles from start to DONE", true, false},
      {"fetch_insns", "fetch", "instructions routed to the module queues", true, true},
      {"fetch_stall_queue", "fetch", "cycles an instruction waited for room in its module's queue", true, false},
      {"fetch_bytes_read", "fetch", "DRAM bytes of instructions read", true, true},
      {"load_busy", "load", "cycles executing an instruction (after its tokens were popped)", true, false},
      {"load_insns", "load", "instructions executed", true, true},
      {"load_stall_c2l", "load", "cycles waiting for a compute->load token (pop_next)", true, false},
      {"load_stall_l2c", "load", "cycles waiting for room in load->compute (push_next)", true, false},
      {"load_stall_mem", "load", "cycles a data row was due but not yet read from DRAM", true, false},
      {"load_bytes_read", "load", "DRAM bytes read into INP and WGT (padding excluded)", true, true},
      {"compute_busy", "compute", "cycles executing an instruction (after its tokens were popped)", true, false},
      {"compute_insns", "compute", "instructions executed (FINISH included)", true, true},
      {"compute_stall_l2c", "compute", "cycles waiting for a load->compute token (pop_prev)", true, false},
      {"compute_stall_s2c", "compute", "cycles waiting for a store->compute token (pop_next)", true, false},
      {"compute_stall_c2l", "compute", "cycles waiting for room in compute->load (push_prev)", true, false},
      {"compute_stall_c2s", "compute", "cycles waiting for room in compute->store (push_next)", true, false},
      {"compute_stall_mem", "compute", "cycles a UOP, ACC or ACC_8BIT row was due but not yet read from DRAM", true, false},
      {"compute_bytes_read", "compute", "DRAM bytes read into UOP and ACC, ACC_8BIT included (padding excluded)", true, true},
      {"gemm_uops", "compute", "GEMM micro-ops executed (loop iterations x micro-ops)", true, true},
      {"alu_uops", "compute", "ALU micro-ops executed", true, true},
      {"store_busy", "store", "cycles executing an instruction (after its tokens were popped)", true, false},
      {"store_insns", "store", "instructions executed", true, true},
      {"store_stall_c2s", "store", "cycles waiting for a compute->store token (pop_prev)", true, false},
      {"store_stall_s2c", "store", "cycles waiting for room in store->compute (push_prev)", true, false},
      {"store_stall_mem", "store", "cycles a write beat or response waited on the AXI bus", true, false},
      {"store_bytes_written", "store", "DRAM bytes written by STORE", true, true},
      // fsim's breakdowns.
      {"uop_bytes_read", "compute", "DRAM bytes read into UOP", false, true},
      {"inp_bytes_read", "load", "DRAM bytes read into INP", false, true},
      {"wgt_bytes_read", "load", "DRAM bytes read into WGT", false, true},
      {"acc_bytes_read", "compute", "DRAM bytes read into ACC", false, true},
      {"acc_8bit_bytes_read", "compute", "DRAM bytes read into ACC by ACC_8BIT loads (8-bit values)", false, true},
      {"uop_pad_rows", "compute", "UOP rows written as padding", false, true},
      {"inp_pad_rows", "load", "INP rows written as padding", false, true},
      {"wgt_pad_rows", "load", "WGT rows written as padding", false, true},
      {"acc_pad_rows", "compute", "ACC rows written as padding", false, true},
      {"acc_8bit_pad_rows", "compute", "ACC rows written as padding by ACC_8BIT loads", false, true},
      {"tokens_l2c", "load", "tokens pushed on load->compute", false, true},
      {"tokens_c2l", "compute", "tokens pushed on compute->load", false, true},
      {"tokens_c2s", "compute", "tokens pushed on compute->store", false, true},
      {"tokens_s2c", "store", "tokens pushed on store->compute", false, true},
  };
  return kCounters;
}

std::span<const CounterInfo> RtlCounters() {
  static const size_t n = size_t(std::find_if(Counters().begin(), Counters().end(),
                                              [](const CounterInfo& c) { return !c.rtl; }) -
                                 Counters().begin());
  return std::span(Counters()).first(n);
}

const CounterInfo& FindCounter(std::string_view name) {
  for (const CounterInfo& c : Counters())
    if (c.name == name) return c;
  std::string known;
  for (const CounterInfo& c : Counters()) known += (known.empty() ? "" : ", ") + std::string(c.name);
  throw UsageError(fmt::format("no counter named \"{}\" (known: {})", name, known));
}

int RtlCounterIndex(std::string_view name) {
  const auto rtl = RtlCounters();
  for (size_t i = 0; i < rtl.size(); ++i)
    if (rtl[i].name == name) return int(i);
  (void)FindCounter(name);  // throws for an unknown name
  throw UsageError(fmt::format("counter \"{}\" is reported by fsim only; the RTL has no register for it", name));
}

}  // namespace dcoc::spec
