// HwConfig: the one hardware configuration every part of dcoc derives from, and Spec: everything
// derived from it (widths, depths, the ISA layout). No width or depth is computed anywhere else.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "host/spec/isa_layout.h"

namespace dcoc::spec {

enum class MemType : uint8_t;  // host/spec/isa.h

// How the GEMM's BATCH x BLOCK_IN x BLOCK_OUT products are built (GEMM_MAC): one DSP48 each (dsp), LUT
// logic (lut), two int8 products that share their input operand per DSP48 (pack), or DSP48s up to
// GEMM_DSP_BUDGET, packed where the operands allow, and LUTs for the rest (mix). Results and cycle
// counts are the same for every choice; only the resources differ.
enum class GemmMac { kDsp, kLut, kPack, kMix };
std::string_view Name(GemmMac m);
GemmMac GemmMacFromName(std::string_view name);  // throws ConfigError naming the choices

// The knobs, named as in VTA's vta_config.json plus the VTA++ keys. All sizes are log2.
struct HwConfig {
  int log_inp_width = 3;        // input element bits = 2^x
  int log_wgt_width = 3;        // weight element bits
  int log_acc_width = 5;        // accumulator element bits
  int log_batch = 0;            // BATCH = 2^x
  int log_block_in = 4;         // BLOCK_IN = 2^x (reduction axis)
  int log_block_out = 4;        // BLOCK_OUT = 2^x (output channels)
  int log_uop_buff_size = 15;   // micro-op buffer bytes = 2^x
  int log_inp_buff_size = 15;   // input scratchpad bytes
  int log_wgt_buff_size = 18;   // weight scratchpad bytes
  int log_acc_buff_size = 17;   // accumulator scratchpad bytes
  int log_bus_width = 6;        // AXI data bits = 2^x (64..512)
  int dep_queue_depth = 256;    // capacity of each dependency-token queue
  double clock_mhz = 100.0;     // board clock, converts cycles to time
  GemmMac gemm_mac = GemmMac::kDsp;  // GEMM_MAC: how the products are implemented
  int gemm_dsp_budget = 0;      // GEMM_DSP_BUDGET: DSP48 blocks the GEMM may use (mix only)
  std::string target = "sim";   // VTA's TARGET key, kept for round trips
  std::string hw_ver = "0.0.2"; // VTA's HW_VER key, kept for round trips

  bool operator==(const HwConfig&) const = default;
};

// The allowed range of one integer key, used for validation and by tests and tuners.
struct KeyRange {
  std::string_view key;  // as written in JSON, e.g. "LOG_BATCH"
  int lo;
  int hi;
  int HwConfig::*member;
};
const std::vector<KeyRange>& IntegerKeyRanges();

// Parses VTA's vta_config.json format (LOG_BLOCK sets both block sizes) plus the VTA++ keys.
// Unknown keys, wrong types and out-of-range values throw ConfigError naming the key.
HwConfig ConfigFromJson(const nlohmann::json& j);
nlohmann::ordered_json ConfigToJson(const HwConfig& c);  // keys in VTA's order

// VTA's tag form "1x16_i8w8a32_15_15_18_17"; VTA++ adds BLOCK_OUT ("1x16x32_..."), and the optional
// suffixes "_bus128" and "_dq64" when the bus or queue depth differ from the defaults, and "_lut", "_pack"
// or "_mix<budget>" when the GEMM products are not one DSP48 each.
HwConfig ConfigFromTag(std::string_view tag);
std::string ConfigTag(const HwConfig& c);

// The configuration hash: the RTL's read-only CONFIG_HASH register (a runtime refuses a model built for
// another configuration), model and synthesis caches, tuning databases. FNV-1a 64 of the tag: the tag
// names every hardware knob; the clock is not part of the hardware.
uint64_t ConfigHash(const HwConfig& c);

// Named presets ("default", "1x8x8", ...), each a valid, encodable configuration.
struct Preset {
  std::string_view name;
  std::string_view description;
  HwConfig config;
};
const std::vector<Preset>& Presets();

// Resolves a preset name, a tag, or a path to a JSON file, in that order of attempt.
HwConfig LoadConfig(std::string_view preset_tag_or_path);

// Checks ranges and cross-key rules; throws ConfigError with the key, the value and the bound.
void Validate(const HwConfig& c);

// Everything derived from a configuration. Create() validates and builds the ISA layout once.
struct Spec {
  HwConfig config;
  std::string tag;
  uint64_t config_hash;  // ConfigHash(config)

  int batch, block_in, block_out;
  int inp_bits, wgt_bits, acc_bits, out_bits;  // element widths
  int bus_bits, bus_bytes;

  // One "row" of each buffer: the unit of SRAM addressing and of DRAM addressing for its type.
  int inp_row_bytes;  // BATCH x BLOCK_IN inputs
  int wgt_row_bytes;  // BLOCK_OUT x BLOCK_IN weights
  int acc_row_bytes;  // BATCH x BLOCK_OUT accumulators
  int out_row_bytes;  // BATCH x BLOCK_OUT outputs
  int acc8_row_bytes; // BATCH x BLOCK_OUT 8-bit values: a DRAM row of LOAD ACC_8BIT (widened into an ACC row)
  int uop_bytes;      // one micro-op word (4 or 8)

  int64_t uop_depth, inp_depth, wgt_depth, acc_depth, out_depth;  // rows per buffer
  int log_uop_depth, log_inp_depth, log_wgt_depth, log_acc_depth, log_out_depth;

  IsaLayout isa;

  // The GEMM's multipliers (GEMM_MAC): products on DSP48 blocks, the rest built from LUTs.
  bool gemm_pack = false;     // DSP48s hold two products sharing the input operand (int8 inputs and weights)
  int gemm_dsp_units = 0;     // DSP48 blocks the GEMM's products use (pairs when packed)
  int gemm_lut_products = 0;  // products built from LUTs

  static Spec Create(const HwConfig& c);
  // The DRAM row of memory type `m` in bytes (the unit of its dram_base, x_stride and sizes).
  int RowBytes(MemType m) const;
  double ClockHz() const { return config.clock_mhz * 1e6; }
  int64_t MacsPerCycle() const { return int64_t(batch) * block_in * block_out; }
};

}  // namespace dcoc::spec
