// External RTL tools on a generated configuration: Verilator lint, Yosys parse, Yosys synthesis for a
// resource estimate (cached per configuration and design).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "boards/board.h"
#include "host/spec/hw_config.h"

namespace dcoc::rtl {

struct ToolResult {
  bool ok = false;
  std::string log;  // the tool's output (tail)
  double seconds = 0;      // wall
  double cpu_seconds = 0;  // user + system of the tool and its children (independent of the machine's load)
};

// verilator --lint-only -Wall on the generated sources (with rtl/sv/vta.vlt).
ToolResult Lint(const spec::Spec& s, const std::filesystem::path& work_dir);
// yosys: read_verilog -sv of every file, hierarchy -check, proc.
ToolResult YosysParse(const spec::Spec& s, const std::filesystem::path& work_dir);

// A Yosys synthesis estimate of a configuration.
struct SynthEstimate {
  boards::Resources used;
  std::string family;  // yosys synth_xilinx -family
  double seconds = 0;      // synthesis wall time (0 when cached)
  double cpu_seconds = 0;  // its CPU time, ABC included (wall / CPU shows how loaded the machine was)
  bool cached = false;
  std::filesystem::path dir;  // the cache entry (generated sources, log, stat.json)
};
nlohmann::ordered_json ToJson(const SynthEstimate& r);

// The Yosys synthesis commands between reading the sources and `stat` (the same for every configuration):
// synth_xilinx -family <family> -top <top> -flatten without its `share` pass (run in two -run parts around the
// `coarse` section's other commands).
std::string SynthScript(const std::string& family, const std::string& top = "vta_top");

// Whether a yosys.log of the flow before SynthScript (the whole `synth_xilinx -family <family> -top <top> -flatten`)
// has SynthScript's netlist: its share pass finished without merging or removing a cell. Such cache entries are
// kept (stamped with the script) instead of being synthesized again.
bool ShareChangedNothing(const std::string& yosys_log, const std::string& family, const std::string& top);

// Yosys SynthScript (the log ends with every pass's CPU time: -d), counting LUT (LUTRAM included), FF, DSP,
// BRAM36 (RAMB18 as half) and URAM from `stat`. Cached in cache_dir/resources by configuration hash,
// design hash (generated package and top, hand-written sources), family and top; an entry whose
// resources.json names another script is synthesized again. Throws Error with the yosys log tail on failure.
// `top` another module of the design (e.g. vta_gemm_dp) synthesizes that module alone.
SynthEstimate EstimateResources(const spec::Spec& s, const std::string& family, const std::filesystem::path& cache_dir,
                                const std::string& top = "vta_top");
// The resources counted from the JSON of yosys `stat -json` after synth_xilinx.
boards::Resources CountCells(const nlohmann::json& stat);

}  // namespace dcoc::rtl
