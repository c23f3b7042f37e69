// The AXI4-Lite register map of VTA++: control and status registers, the counter block, and the bit
// layouts of STATUS, ERROR, TOKENS_*, STATE and ERROR_INFO. One table drives the generated SV package
// (REG_* offsets, CNT_* indices), every driver of the registers (the Verilator harness, board
// backends) and docs/registers.md.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "host/spec/hw_constants.h"
#include "host/spec/isa.h"
#include "host/spec/routing.h"

namespace dcoc::spec {

enum class Access : uint8_t { kRO, kRW, kWO };
std::string_view Name(Access a);

struct Register {
  std::string_view name;  // SV localparam REG_<name>
  uint32_t offset;        // byte offset on the 32-bit AXI4-Lite bus
  Access access;
  std::string_view description;
};

// Control and status registers (32 bits each).
const std::vector<Register>& Registers();
uint32_t RegisterOffset(std::string_view name);  // throws UsageError naming the unknown register

// 64-bit counters (spec::RtlCounters()), counter i at kCounterBase + 8*i (low word) and + 8*i + 4 (high
// word). Reading the low word latches the high word, so a LO-then-HI read pair is consistent.
constexpr uint32_t kCounterBase = 0x100;
constexpr uint32_t CounterOffset(int index) { return kCounterBase + 8 * uint32_t(index); }

// Bits of STATUS and ERROR.
constexpr uint32_t kStatusDone = 1u << 0;
constexpr uint32_t kStatusRunning = 1u << 1;
constexpr uint32_t kStatusError = 1u << 2;
constexpr uint32_t kErrorBadInsn = 1u << 0;     // fetch: opcode or memory type that no module executes
constexpr uint32_t kErrorFinishRace = 1u << 1;  // FINISH executed while load or store had work left
constexpr uint32_t kErrorSramBounds = 1u << 2;  // a scratchpad row or micro-op range out of bounds

// TOKENS_0 / TOKENS_1: tokens waiting in queue q (16 bits each).
uint32_t TokensInQueue(uint32_t tokens_0, uint32_t tokens_1, TokenQueue q);

// STATE: a state nibble per module and whether each module's instruction queue holds instructions.
struct ModuleStates {
  uint32_t fetch = 0;                       // bit 0 busy, 1 instruction at the head, 2 waits for its
                                            // module's queue, 3 no room in the buffer for the next chunk
  std::array<uint32_t, kNumModules> state{};  // load, compute, store nibbles
  std::array<bool, kNumModules> queued{};     // instruction queue not empty
};
ModuleStates DecodeState(uint32_t state);

// ERROR_INFO of the first SRAM_BOUNDS error (ERROR_ADDR holds the row index).
struct BoundsErrorInfo {
  Module module = Module::kLoad;
  MemType buffer = MemType::kUop;
  uint32_t ordinal = 0;  // position of the instruction in that module's stream, from 0
};
BoundsErrorInfo DecodeErrorInfo(uint32_t info);

// docs/registers.md, generated from the tables above and the counter table.
std::string RegistersMarkdown();

}  // namespace dcoc::spec
