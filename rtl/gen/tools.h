// External RTL tools on a generated configuration: Verilator lint, Yosys parse, Yosys synthesis for a
// resource estimate (cached per configuration), and the board descriptors in boards/.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "host/spec/hw_config.h"

namespace dcoc::rtl {

struct ToolResult {
  bool ok = false;
  std::string log;  // the tool's output (tail)
  double seconds = 0;
};

// verilator --lint-only -Wall on the generated sources (with rtl/sv/vta.vlt).
ToolResult Lint(const spec::Spec& s, const std::filesystem::path& work_dir);
// yosys: read_verilog -sv of every file, hierarchy -check, proc.
ToolResult YosysParse(const spec::Spec& s, const std::filesystem::path& work_dir);

struct Resources {
  std::string family;  // yosys synth_xilinx -family
  double lut = 0, ff = 0, dsp = 0, bram36 = 0, uram = 0, lutram = 0;  // lut includes lutram
  double seconds = 0;  // synthesis time (0 when cached)
  bool cached = false;
};
nlohmann::ordered_json ToJson(const Resources& r);

// yosys synth_xilinx -family <family> -top vta_top; parses `stat`. Cached in cache_dir by
// configuration hash, RTL sources hash and family. Throws Error with the yosys log tail on failure.
Resources EstimateResources(const spec::Spec& s, const std::string& family, const std::filesystem::path& cache_dir);

struct Board {
  std::string name, part, family, memory;
  double lut = 0, ff = 0, dsp = 0, bram36 = 0, uram = 0;
  double clock_mhz = 0;
  int bus_bits = 0;
  double bandwidth_gbps = 0;  // GB/s
  std::vector<std::string> sources;
};
std::filesystem::path BoardsDir();
std::vector<std::string> BoardNames();
Board LoadBoard(const std::string& name);  // throws UsageError naming the known boards

struct Fit {
  bool fits = true;
  double cap = 0.8;  // utilization cap
  // Per resource: used / available.
  std::vector<std::pair<std::string, double>> utilization;
  std::string limiting;  // resource with the highest utilization
};
Fit CheckFit(const Resources& r, const Board& b, double cap = 0.8);

}  // namespace dcoc::rtl
