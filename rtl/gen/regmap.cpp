#include "rtl/gen/regmap.h"

#include <fmt/format.h>

#include "host/common/error.h"

namespace dcoc::rtl {

std::string_view Name(Access a) {
  switch (a) {
    case Access::kRO: return "RO";
    case Access::kRW: return "RW";
    case Access::kWO: return "WO";
  }
  return "?";
}

const std::vector<Register>& Registers() {
  static const std::vector<Register> kRegs = {
      {"CTRL", 0x000, Access::kWO, "bit 0: write 1 to start (ignored while running); clears DONE, ERROR and every counter"},
      {"STATUS", 0x004, Access::kRO, "bit 0 DONE (FINISH executed since the last start), bit 1 RUNNING, bit 2 ERROR (see ERROR)"},
      {"INSN_ADDR_LO", 0x008, Access::kRW, "instruction stream byte address, bits 31:0 (16-byte aligned)"},
      {"INSN_ADDR_HI", 0x00C, Access::kRW, "instruction stream byte address, bits 63:32"},
      {"INSN_COUNT", 0x010, Access::kRW, "number of 128-bit instructions to fetch"},
      {"ERROR", 0x014, Access::kRO, "bit 0 BAD_INSN (an opcode/memory type no module executes; dropped), bit 1 FINISH_RACE "
                                    "(FINISH executed while load or store still had instructions), bit 2 SRAM_BOUNDS "
                                    "(a scratchpad row or micro-op range out of bounds; see ERROR_ADDR/ERROR_INFO)"},
      {"CONFIG_HASH_LO", 0x018, Access::kRO, "configuration hash (FNV-1a of the configuration tag), bits 31:0"},
      {"CONFIG_HASH_HI", 0x01C, Access::kRO, "configuration hash, bits 63:32"},
      {"TOKENS_0", 0x020, Access::kRO, "tokens in queue load->compute [15:0] and compute->load [31:16]"},
      {"TOKENS_1", 0x024, Access::kRO, "tokens in queue compute->store [15:0] and store->compute [31:16]"},
      {"STATE", 0x028, Access::kRO, "module states: fetch [3:0], load [7:4], compute [11:8], store [15:12]; instruction "
                                    "queue not empty: load bit 16, compute bit 17, store bit 18"},
      {"INSN_DONE", 0x02C, Access::kRO, "instructions fetched [31:0] (low 32 bits of counter fetch_insns)"},
      {"ERROR_ADDR", 0x030, Access::kRO, "first SRAM_BOUNDS error: the row index past the buffer (or uop_end of a bad "
                                         "micro-op range)"},
      {"ERROR_INFO", 0x034, Access::kRO, "first SRAM_BOUNDS error: module [1:0] (0 load, 1 compute, 2 store), buffer "
                                         "[4:2] (memory type: 0 UOP, 1 WGT, 2 INP, 3 ACC, 4 OUT), instruction [31:8] "
                                         "(its position in that module's stream, from 0)"},
  };
  return kRegs;
}

const std::vector<Counter>& Counters() {
  static const std::vector<Counter> kCounters = {
      {"cycles", "core", "cycles from start to DONE"},
      {"fetch_insns", "fetch", "instructions routed to the module queues"},
      {"fetch_stall_queue", "fetch", "cycles an instruction waited for room in its module's queue"},
      {"fetch_bytes_read", "fetch", "DRAM bytes of instructions read"},
      {"load_busy", "load", "cycles executing an instruction (after its tokens were popped)"},
      {"load_insns", "load", "instructions executed"},
      {"load_stall_c2l", "load", "cycles waiting for a compute->load token (pop_next)"},
      {"load_stall_l2c", "load", "cycles waiting for room in load->compute (push_next)"},
      {"load_stall_mem", "load", "cycles a data row was due but not yet read from DRAM"},
      {"load_bytes_read", "load", "DRAM bytes read into INP and WGT (padding excluded)"},
      {"compute_busy", "compute", "cycles executing an instruction (after its tokens were popped)"},
      {"compute_insns", "compute", "instructions executed (FINISH included)"},
      {"compute_stall_l2c", "compute", "cycles waiting for a load->compute token (pop_prev)"},
      {"compute_stall_s2c", "compute", "cycles waiting for a store->compute token (pop_next)"},
      {"compute_stall_c2l", "compute", "cycles waiting for room in compute->load (push_prev)"},
      {"compute_stall_c2s", "compute", "cycles waiting for room in compute->store (push_next)"},
      {"compute_stall_mem", "compute", "cycles a UOP or ACC row was due but not yet read from DRAM"},
      {"compute_bytes_read", "compute", "DRAM bytes read into UOP and ACC (padding excluded)"},
      {"gemm_uops", "compute", "GEMM micro-ops executed (loop iterations x micro-ops)"},
      {"alu_uops", "compute", "ALU micro-ops executed"},
      {"store_busy", "store", "cycles executing an instruction (after its tokens were popped)"},
      {"store_insns", "store", "instructions executed"},
      {"store_stall_c2s", "store", "cycles waiting for a compute->store token (pop_prev)"},
      {"store_stall_s2c", "store", "cycles waiting for room in store->compute (push_prev)"},
      {"store_stall_mem", "store", "cycles a write beat or response waited on the AXI bus"},
      {"store_bytes_written", "store", "DRAM bytes written by STORE"},
  };
  return kCounters;
}

uint32_t RegisterOffset(std::string_view name) {
  for (const Register& r : Registers())
    if (r.name == name) return r.offset;
  throw UsageError(fmt::format("no register named {}", name));
}

int CounterIndex(std::string_view name) {
  const auto& c = Counters();
  for (size_t i = 0; i < c.size(); ++i)
    if (c[i].name == name) return int(i);
  throw UsageError(fmt::format("no counter named {}", name));
}

std::string RegistersMarkdown() {
  std::string s =
      "# VTA++ register map\n\n"
      "<!-- Generated by `dcoc rtl regdoc` from rtl/gen/regmap.cpp; do not edit by hand. -->\n\n"
      "The control port is an AXI4-Lite slave with 32-bit data and a " +
      std::to_string(kAxilAddrBits) +
      "-bit address. Writes to read-only registers and reads of\n"
      "write-only ones are accepted and ignored (reads return 0). Every offset below is also a `REG_<NAME>`\n"
      "localparam in the generated `vta_pkg`.\n\n"
      "Typical use: write INSN_ADDR_LO/HI and INSN_COUNT, write 1 to CTRL, poll STATUS until DONE, read the\n"
      "counters. DONE is cleared by the start write itself, so a poll can never see the previous run's DONE.\n\n"
      "## Control and status\n\n| Offset | Name | Access | Description |\n|---|---|---|---|\n";
  for (const Register& r : Registers())
    s += fmt::format("| 0x{:03X} | {} | {} | {} |\n", r.offset, r.name, Name(r.access), r.description);
  s += fmt::format(
      "\n## Counters\n\nEach counter is 64 bits at 0x{:03X} + 8 x index: the low word first, then the high word. Reading "
      "the low\nword latches the high word. All counters are cleared by a start.\n\n"
      "| Index | Offset | Name | Module | Description |\n|---|---|---|---|---|\n",
      kCounterBase);
  const auto& c = Counters();
  for (size_t i = 0; i < c.size(); ++i)
    s += fmt::format("| {} | 0x{:03X} | {} | {} | {} |\n", i, kCounterBase + 8 * i, c[i].name, c[i].module,
                     c[i].description);
  return s;
}

}  // namespace dcoc::rtl
