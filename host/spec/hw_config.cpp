#include "host/spec/hw_config.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <regex>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "host/common/error.h"
#include "host/common/hash.h"
#include "host/spec/isa.h"

namespace dcoc::spec {

const std::vector<KeyRange>& IntegerKeyRanges() {
  // VTA++ ranges (TVMCon 2021): LOG_BATCH 0-2, blocks 8-64, scratchpads 2^13-2^18 bytes,
  // micro-op buffer 2^7-2^15 bytes, bus 64-512 bits. Element widths: int8/int16 data, 16/32-bit accumulators.
  static const std::vector<KeyRange> kRanges = {
      {"LOG_INP_WIDTH", 3, 4, &HwConfig::log_inp_width},
      {"LOG_WGT_WIDTH", 3, 4, &HwConfig::log_wgt_width},
      {"LOG_ACC_WIDTH", 4, 5, &HwConfig::log_acc_width},
      {"LOG_BATCH", 0, 2, &HwConfig::log_batch},
      {"LOG_BLOCK_IN", 3, 6, &HwConfig::log_block_in},
      {"LOG_BLOCK_OUT", 3, 6, &HwConfig::log_block_out},
      {"LOG_UOP_BUFF_SIZE", 7, 15, &HwConfig::log_uop_buff_size},
      {"LOG_INP_BUFF_SIZE", 13, 18, &HwConfig::log_inp_buff_size},
      {"LOG_WGT_BUFF_SIZE", 13, 18, &HwConfig::log_wgt_buff_size},
      {"LOG_ACC_BUFF_SIZE", 13, 18, &HwConfig::log_acc_buff_size},
      {"LOG_BUS_WIDTH", 6, 9, &HwConfig::log_bus_width},
      {"DEP_QUEUE_DEPTH", 1, 4096, &HwConfig::dep_queue_depth},
  };
  return kRanges;
}

namespace {
constexpr double kMaxClockMhz = 1000.0;
constexpr int kMaxGemmDspBudget = 1 << 16;
constexpr GemmMac kGemmMacs[] = {GemmMac::kDsp, GemmMac::kLut, GemmMac::kPack, GemmMac::kMix};

int ExpectInt(const nlohmann::json& v, std::string_view key) {
  if (!v.is_number_integer())
    throw ConfigError(fmt::format("configuration key {} must be an integer, got {}", key, v.dump()));
  return v.get<int>();
}
}  // namespace

std::string_view Name(GemmMac m) {
  switch (m) {
    case GemmMac::kDsp: return "dsp";
    case GemmMac::kLut: return "lut";
    case GemmMac::kPack: return "pack";
    case GemmMac::kMix: return "mix";
  }
  return "?";
}

GemmMac GemmMacFromName(std::string_view name) {
  for (GemmMac m : kGemmMacs)
    if (Name(m) == name) return m;
  throw ConfigError(fmt::format("configuration key GEMM_MAC = \"{}\" is not one of dsp, lut, pack, mix", name));
}

void Validate(const HwConfig& c) {
  for (const KeyRange& r : IntegerKeyRanges()) {
    const int v = c.*r.member;
    if (v < r.lo || v > r.hi)
      throw ConfigError(fmt::format("configuration key {} = {} is out of range [{}, {}]", r.key, v, r.lo, r.hi));
  }
  if (c.log_acc_width <= c.log_inp_width || c.log_acc_width <= c.log_wgt_width)
    throw ConfigError(fmt::format("configuration key LOG_ACC_WIDTH = {} must exceed LOG_INP_WIDTH = {} and "
                                  "LOG_WGT_WIDTH = {} (the accumulator must be wider than its operands)",
                                  c.log_acc_width, c.log_inp_width, c.log_wgt_width));
  if (c.gemm_mac == GemmMac::kPack && (c.log_inp_width != 3 || c.log_wgt_width != 3))
    throw ConfigError(fmt::format("configuration key GEMM_MAC = pack needs 8-bit inputs and weights (LOG_INP_WIDTH = "
                                  "LOG_WGT_WIDTH = 3), the configuration has LOG_INP_WIDTH = {}, LOG_WGT_WIDTH = {}; "
                                  "use dsp, lut or mix",
                                  c.log_inp_width, c.log_wgt_width));
  if (c.gemm_mac == GemmMac::kMix && (c.gemm_dsp_budget < 1 || c.gemm_dsp_budget > kMaxGemmDspBudget))
    throw ConfigError(fmt::format("configuration key GEMM_DSP_BUDGET = {} is out of range [1, {}] (GEMM_MAC = mix)",
                                  c.gemm_dsp_budget, kMaxGemmDspBudget));
  if (c.gemm_mac != GemmMac::kMix && c.gemm_dsp_budget != 0)
    throw ConfigError(fmt::format("configuration key GEMM_DSP_BUDGET = {} applies only to GEMM_MAC = mix (GEMM_MAC is "
                                  "{})",
                                  c.gemm_dsp_budget, Name(c.gemm_mac)));
  if (!(c.clock_mhz > 0.0 && c.clock_mhz <= kMaxClockMhz))
    throw ConfigError(fmt::format("configuration key CLOCK_MHZ = {} is out of range (0, {}]", c.clock_mhz, kMaxClockMhz));
}

HwConfig ConfigFromJson(const nlohmann::json& j) {
  if (!j.is_object()) throw ConfigError(fmt::format("configuration must be a JSON object, got {}", j.type_name()));
  HwConfig c;
  bool has_block = false, has_block_in = false, has_block_out = false;
  for (const auto& [key, value] : j.items()) {
    if (key == "TARGET" || key == "HW_VER") {
      if (!value.is_string()) throw ConfigError(fmt::format("configuration key {} must be a string", key));
      (key == "TARGET" ? c.target : c.hw_ver) = value.get<std::string>();
      continue;
    }
    if (key == "CLOCK_MHZ") {
      if (!value.is_number()) throw ConfigError("configuration key CLOCK_MHZ must be a number");
      c.clock_mhz = value.get<double>();
      continue;
    }
    if (key == "GEMM_MAC") {
      if (!value.is_string()) throw ConfigError(fmt::format("configuration key GEMM_MAC must be a string, got {}", value.dump()));
      c.gemm_mac = GemmMacFromName(value.get<std::string>());
      continue;
    }
    if (key == "GEMM_DSP_BUDGET") {
      c.gemm_dsp_budget = ExpectInt(value, key);
      continue;
    }
    if (key == "LOG_BLOCK") {
      c.log_block_in = c.log_block_out = ExpectInt(value, key);
      has_block = true;
      continue;
    }
    bool known = false;
    for (const KeyRange& r : IntegerKeyRanges()) {
      if (r.key == key) {
        c.*r.member = ExpectInt(value, key);
        known = true;
        has_block_in |= key == "LOG_BLOCK_IN";
        has_block_out |= key == "LOG_BLOCK_OUT";
      }
    }
    if (!known) {
      std::string keys = "TARGET, HW_VER, CLOCK_MHZ, GEMM_MAC, GEMM_DSP_BUDGET, LOG_BLOCK";
      for (const KeyRange& r : IntegerKeyRanges()) keys += fmt::format(", {}", r.key);
      throw ConfigError(fmt::format("unknown configuration key \"{}\" (known keys: {})", key, keys));
    }
  }
  // LOG_BLOCK sets both; an explicit LOG_BLOCK_IN/OUT must agree with it rather than silently win.
  if (has_block && (has_block_in || has_block_out)) {
    const int b = j.at("LOG_BLOCK").get<int>();
    if ((has_block_in && j.at("LOG_BLOCK_IN").get<int>() != b) || (has_block_out && j.at("LOG_BLOCK_OUT").get<int>() != b))
      throw ConfigError("configuration keys LOG_BLOCK and LOG_BLOCK_IN/LOG_BLOCK_OUT disagree; give LOG_BLOCK or the pair");
    c.log_block_in = has_block_in ? j.at("LOG_BLOCK_IN").get<int>() : b;
    c.log_block_out = has_block_out ? j.at("LOG_BLOCK_OUT").get<int>() : b;
  }
  Validate(c);
  return c;
}

nlohmann::ordered_json ConfigToJson(const HwConfig& c) {
  nlohmann::ordered_json j;
  j["TARGET"] = c.target;
  j["HW_VER"] = c.hw_ver;
  for (const KeyRange& r : IntegerKeyRanges()) {
    if (r.key == "LOG_BLOCK_IN" && c.log_block_in == c.log_block_out) j["LOG_BLOCK"] = c.log_block_in;
    if ((r.key == "LOG_BLOCK_IN" || r.key == "LOG_BLOCK_OUT") && c.log_block_in == c.log_block_out) continue;
    j[std::string(r.key)] = c.*r.member;
  }
  j["CLOCK_MHZ"] = c.clock_mhz;
  if (c.gemm_mac != GemmMac::kDsp) j["GEMM_MAC"] = Name(c.gemm_mac);
  if (c.gemm_mac == GemmMac::kMix) j["GEMM_DSP_BUDGET"] = c.gemm_dsp_budget;
  return j;
}

std::string ConfigTag(const HwConfig& c) {
  std::string tag = fmt::format("{}x{}", 1 << c.log_batch, 1 << c.log_block_in);
  if (c.log_block_out != c.log_block_in) tag += fmt::format("x{}", 1 << c.log_block_out);
  tag += fmt::format("_i{}w{}a{}_{}_{}_{}_{}", 1 << c.log_inp_width, 1 << c.log_wgt_width, 1 << c.log_acc_width,
                     c.log_uop_buff_size, c.log_inp_buff_size, c.log_wgt_buff_size, c.log_acc_buff_size);
  const HwConfig d;
  if (c.log_bus_width != d.log_bus_width) tag += fmt::format("_bus{}", 1 << c.log_bus_width);
  if (c.dep_queue_depth != d.dep_queue_depth) tag += fmt::format("_dq{}", c.dep_queue_depth);
  if (c.gemm_mac == GemmMac::kMix) tag += fmt::format("_mix{}", c.gemm_dsp_budget);
  else if (c.gemm_mac != GemmMac::kDsp) tag += fmt::format("_{}", Name(c.gemm_mac));
  return tag;
}

namespace {
int ExactLog2(int64_t v, std::string_view what, std::string_view tag) {
  if (v <= 0 || (v & (v - 1)) != 0)
    throw ConfigError(fmt::format("configuration tag \"{}\": {} = {} is not a power of two", tag, what, v));
  int l = 0;
  while ((int64_t(1) << l) < v) ++l;
  return l;
}
}  // namespace

HwConfig ConfigFromTag(std::string_view tag) {
  static const std::regex kTag(
      R"(^(\d+)x(\d+)(?:x(\d+))?_i(\d+)w(\d+)a(\d+)_(\d+)_(\d+)_(\d+)_(\d+)(?:_bus(\d+))?(?:_dq(\d+))?(?:_(lut|pack|mix(\d+)))?$)");
  std::cmatch m;
  const std::string s(tag);
  if (!std::regex_match(s.c_str(), m, kTag))
    throw ConfigError(fmt::format("\"{}\" is not a configuration tag (expected e.g. 1x16_i8w8a32_15_15_18_17, "
                                  "1x16x32_i8w8a32_15_15_18_17_bus128_dq64_pack)",
                                  tag));
  auto num = [&](int g) { return std::stoll(m[g].str()); };
  HwConfig c;
  c.log_batch = ExactLog2(num(1), "BATCH", tag);
  c.log_block_in = ExactLog2(num(2), "BLOCK_IN", tag);
  c.log_block_out = m[3].matched ? ExactLog2(num(3), "BLOCK_OUT", tag) : c.log_block_in;
  c.log_inp_width = ExactLog2(num(4), "input width", tag);
  c.log_wgt_width = ExactLog2(num(5), "weight width", tag);
  c.log_acc_width = ExactLog2(num(6), "accumulator width", tag);
  c.log_uop_buff_size = int(num(7));
  c.log_inp_buff_size = int(num(8));
  c.log_wgt_buff_size = int(num(9));
  c.log_acc_buff_size = int(num(10));
  if (m[11].matched) c.log_bus_width = ExactLog2(num(11), "bus width", tag);
  if (m[12].matched) c.dep_queue_depth = int(std::min<long long>(num(12), 1 << 30));
  if (m[14].matched) {
    c.gemm_mac = GemmMac::kMix;
    c.gemm_dsp_budget = int(std::min<long long>(num(14), 1 << 30));
  } else if (m[13].matched) {
    c.gemm_mac = GemmMacFromName(m[13].str());
  }
  Validate(c);
  return c;
}

const std::vector<Preset>& Presets() {
  static const std::vector<Preset> kPresets = [] {
    auto make = [](int lb, int lbi, int lbo, int uop, int inp, int wgt, int acc, int bus) {
      HwConfig c;
      c.log_batch = lb;
      c.log_block_in = lbi;
      c.log_block_out = lbo;
      c.log_uop_buff_size = uop;
      c.log_inp_buff_size = inp;
      c.log_wgt_buff_size = wgt;
      c.log_acc_buff_size = acc;
      c.log_bus_width = bus;
      return c;
    };
    return std::vector<Preset>{
        {"default", "VTA's default (Pynq): 1x16x16, int8/int32, 32/256/128 KiB scratchpads, 64-bit bus",
         make(0, 4, 4, 15, 15, 18, 17, 6)},
        {"1x8x8", "small core: 1x8x8 with 16/64/64 KiB scratchpads, 64-bit bus", make(0, 3, 3, 13, 14, 16, 16, 6)},
        {"2x16x32", "batch 2, BLOCK_IN 16, BLOCK_OUT 32, 128-bit bus", make(1, 4, 5, 15, 15, 18, 17, 7)},
        {"4x32x8", "batch 4, BLOCK_IN 32, BLOCK_OUT 8, 128-bit bus", make(2, 5, 3, 15, 15, 18, 17, 7)},
        {"1x32x32", "1x32x32 with a 256-bit bus (Ultra96/ZCU104 class)", make(0, 5, 5, 15, 15, 18, 17, 8)},
        {"1x64x64", "1x64x64 with a 512-bit bus (Alveo class)", make(0, 6, 6, 15, 16, 18, 17, 9)},
        {"min", "1x16x16 with the smallest buffers: 128 B micro-ops, 8 KiB scratchpads", make(0, 4, 4, 7, 13, 13, 13, 6)},
    };
  }();
  return kPresets;
}

HwConfig LoadConfig(std::string_view what) {
  for (const Preset& p : Presets())
    if (p.name == what) return p.config;
  if (std::filesystem::is_regular_file(std::filesystem::path(what))) {
    std::ifstream in{std::string(what)};
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(in);
    } catch (const nlohmann::json::parse_error& e) {
      throw ConfigError(fmt::format("configuration file {}: {}", what, e.what()));
    }
    try {
      return ConfigFromJson(j);
    } catch (const ConfigError& e) {
      throw ConfigError(fmt::format("configuration file {}: {}", what, e.what()));
    }
  }
  if (!what.empty() && std::isdigit(static_cast<unsigned char>(what.front()))) return ConfigFromTag(what);
  std::string names;
  for (const Preset& p : Presets()) names += fmt::format("{}{}", names.empty() ? "" : ", ", p.name);
  throw ConfigError(fmt::format("\"{}\" is not a preset ({}), a configuration tag, or a readable JSON file", what, names));
}

namespace {
int Log2Exact(int64_t v) {
  int l = 0;
  while ((int64_t(1) << l) < v) ++l;
  return l;
}

// Rows of `row_bytes` that fit in 2^log_bytes; at least two must fit, so loads can double-buffer
// against compute (the RTL's scratchpads assume it too).
int64_t Depth(std::string_view key, int log_bytes, int64_t row_bytes, std::string_view row_desc) {
  const int64_t bytes = int64_t(1) << log_bytes;
  if (bytes < 2 * row_bytes)
    throw ConfigError(fmt::format("configuration key {} = {} ({} bytes) cannot hold two rows of {} ({} bytes each)",
                                  key, log_bytes, bytes, row_desc, row_bytes));
  return bytes / row_bytes;
}
}  // namespace

uint64_t ConfigHash(const HwConfig& c) {
  Fnv1a64 h;
  h.Update(ConfigTag(c));
  return h.Digest();
}

Spec Spec::Create(const HwConfig& c) {
  Validate(c);
  Spec s;
  s.config = c;
  s.tag = ConfigTag(c);
  s.config_hash = ConfigHash(c);
  s.batch = 1 << c.log_batch;
  s.block_in = 1 << c.log_block_in;
  s.block_out = 1 << c.log_block_out;
  s.inp_bits = 1 << c.log_inp_width;
  s.wgt_bits = 1 << c.log_wgt_width;
  s.acc_bits = 1 << c.log_acc_width;
  s.out_bits = s.inp_bits;  // outputs feed the next layer's inputs
  s.bus_bits = 1 << c.log_bus_width;
  s.bus_bytes = s.bus_bits / 8;
  s.inp_row_bytes = s.batch * s.block_in * s.inp_bits / 8;
  s.wgt_row_bytes = s.block_out * s.block_in * s.wgt_bits / 8;
  s.acc_row_bytes = s.batch * s.block_out * s.acc_bits / 8;
  s.out_row_bytes = s.batch * s.block_out * s.out_bits / 8;
  s.acc8_row_bytes = s.batch * s.block_out;

  s.inp_depth = Depth("LOG_INP_BUFF_SIZE", c.log_inp_buff_size, s.inp_row_bytes, "BATCH x BLOCK_IN inputs");
  s.wgt_depth = Depth("LOG_WGT_BUFF_SIZE", c.log_wgt_buff_size, s.wgt_row_bytes, "BLOCK_OUT x BLOCK_IN weights");
  s.acc_depth = Depth("LOG_ACC_BUFF_SIZE", c.log_acc_buff_size, s.acc_row_bytes, "BATCH x BLOCK_OUT accumulators");
  s.out_depth = s.acc_depth;  // the out buffer mirrors the accumulator row for row
  s.log_inp_depth = Log2Exact(s.inp_depth);
  s.log_wgt_depth = Log2Exact(s.wgt_depth);
  s.log_acc_depth = Log2Exact(s.acc_depth);
  s.log_out_depth = s.log_acc_depth;

  // The micro-op's width depends on the other depths, and the micro-op buffer's depth on that width.
  IsaWidths w{0, s.log_inp_depth, s.log_wgt_depth, s.log_acc_depth, s.log_out_depth};
  const int uop_bits = IsaLayout::Build({1, w.log_inp_depth, w.log_wgt_depth, w.log_acc_depth, w.log_out_depth}).uop.word_bits;
  s.uop_bytes = uop_bits / 8;
  s.uop_depth = Depth("LOG_UOP_BUFF_SIZE", c.log_uop_buff_size, s.uop_bytes, "one micro-op");
  s.log_uop_depth = Log2Exact(s.uop_depth);
  w.log_uop_depth = s.log_uop_depth;
  s.isa = IsaLayout::Build(w);

  // GEMM multipliers: packing needs int8 operands (a 25 x 18 DSP48E1 multiplier holds w1 * 2^16 + w2
  // times an 8-bit input); a mix packs when it can and puts the products its budget does not cover in LUTs.
  const int products = int(s.MacsPerCycle());
  const bool can_pack = s.inp_bits == 8 && s.wgt_bits == 8;
  s.gemm_pack = c.gemm_mac == GemmMac::kPack || (c.gemm_mac == GemmMac::kMix && can_pack);
  const int units_needed = s.gemm_pack ? products / 2 : products;
  switch (c.gemm_mac) {
    case GemmMac::kDsp:
    case GemmMac::kPack:
      s.gemm_dsp_units = units_needed;
      break;
    case GemmMac::kLut:
      s.gemm_dsp_units = 0;
      break;
    case GemmMac::kMix:
      s.gemm_dsp_units = std::min(c.gemm_dsp_budget, units_needed);
      break;
  }
  s.gemm_lut_products = products - s.gemm_dsp_units * (s.gemm_pack ? 2 : 1);
  return s;
}

int Spec::RowBytes(MemType m) const {
  switch (m) {
    case MemType::kUop: return uop_bytes;
    case MemType::kWgt: return wgt_row_bytes;
    case MemType::kInp: return inp_row_bytes;
    case MemType::kAcc: return acc_row_bytes;
    case MemType::kOut: return out_row_bytes;
    case MemType::kAcc8: return acc8_row_bytes;
  }
  return 1;
}

}  // namespace dcoc::spec
