// The AXI4-Lite register map and the counter list of the VTA++ RTL. One table drives the generated SV
// package (REG_* offsets, CNT_* indices), the Verilator harness, and docs/registers.md.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace dcoc::rtl {

enum class Access : uint8_t { kRO, kRW, kWO };
std::string_view Name(Access a);

struct Register {
  std::string_view name;  // SV localparam REG_<name>
  uint32_t offset;        // byte offset on the 32-bit AXI4-Lite bus
  Access access;
  std::string_view description;
};

struct Counter {
  std::string_view name;         // SV localparam CNT_<NAME>, runtime counter name (lower case)
  std::string_view module;       // fetch, load, compute, store, core
  std::string_view description;
};

// Control and status registers (32 bits each).
const std::vector<Register>& Registers();
// 64-bit counters, counter i at COUNTER_BASE + 8*i (low word) and + 8*i + 4 (high word). Reading the
// low word latches the high word, so a LO-then-HI read pair is consistent.
const std::vector<Counter>& Counters();
constexpr uint32_t kCounterBase = 0x100;
constexpr int kAxilAddrBits = 12;

// Bits of STATUS and ERROR.
constexpr uint32_t kStatusDone = 1u << 0;
constexpr uint32_t kStatusRunning = 1u << 1;
constexpr uint32_t kStatusError = 1u << 2;
constexpr uint32_t kErrorBadInsn = 1u << 0;      // fetch: opcode or memory type that no module executes
constexpr uint32_t kErrorFinishRace = 1u << 1;   // FINISH executed while load or store had work left
constexpr uint32_t kErrorSramBounds = 1u << 2;   // a scratchpad row or micro-op range out of bounds

uint32_t RegisterOffset(std::string_view name);  // throws UsageError on an unknown name
int CounterIndex(std::string_view name);         // throws UsageError on an unknown name

// docs/registers.md, generated from the tables above.
std::string RegistersMarkdown();

}  // namespace dcoc::rtl
