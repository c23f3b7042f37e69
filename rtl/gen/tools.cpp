#include "rtl/gen/tools.h"

#include <chrono>
#include <cstdlib>
#include <regex>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "host/common/error.h"
#include "host/spec/program.h"
#include "rtl/gen/rtlgen.h"

namespace dcoc::rtl {

namespace fs = std::filesystem;

namespace {

std::string ReadText(const fs::path& p) {
  if (!fs::exists(p)) return "";
  const std::vector<uint8_t> b = spec::ReadFile(p);
  return std::string(b.begin(), b.end());
}

std::string Tail(const std::string& s, size_t n = 4000) { return s.size() > n ? "..." + s.substr(s.size() - n) : s; }

// CPU seconds (user + system) of the shell's children from the second line of sh's `times` ("0m1.5s 0m0.2s"):
// the tool and its own children (Yosys's ABC runs as a child process), whatever the load.
double ChildCpuSeconds(const std::string& times) {
  static const std::regex kTime("([0-9]+)m([0-9.]+)s");
  const size_t nl = times.find('\n');
  if (nl == std::string::npos) return 0;
  double s = 0;
  const std::string line = times.substr(nl + 1);
  for (auto it = std::sregex_iterator(line.begin(), line.end(), kTime); it != std::sregex_iterator(); ++it)
    s += std::stod((*it)[1]) * 60 + std::stod((*it)[2]);
  return s;
}

ToolResult RunTool(const std::string& cmd, const fs::path& log) {
  const auto t0 = std::chrono::steady_clock::now();
  const fs::path times = log.string() + ".times";
  const int rc = std::system(
      fmt::format("{} > '{}' 2>&1; rc=$?; times > '{}'; exit $rc", cmd, log.string(), times.string()).c_str());
  ToolResult r;
  r.ok = rc == 0;
  r.log = Tail(ReadText(log));
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  r.cpu_seconds = ChildCpuSeconds(ReadText(times));
  std::error_code ec;
  fs::remove(times, ec);
  return r;
}

std::string Files(const Generated& g) {
  std::string s;
  for (const auto& f : g.sources) {  // yosys -p takes no shell quoting
    s.push_back(' ');
    s.append(f.string());
  }
  return s;
}

}  // namespace

ToolResult Lint(const spec::Spec& s, const fs::path& work_dir) {
  const Generated g = Generate(s, work_dir);
  ToolResult r = RunTool(fmt::format("verilator --lint-only -Wall --top-module vta_top -F '{}'", g.filelist.string()),
                         work_dir / "lint.log");
  return r;
}

ToolResult YosysParse(const spec::Spec& s, const fs::path& work_dir) {
  const Generated g = Generate(s, work_dir);
  return RunTool(fmt::format("yosys -q -p \"read_verilog -sv{}; hierarchy -check -top vta_top; proc\"", Files(g)),
                 work_dir / "yosys_parse.log");
}

std::string SynthScript(const std::string& family, const std::string& top) {
  return fmt::format("synth_xilinx -family {} -top {} -flatten", family, top);
}

nlohmann::ordered_json ToJson(const SynthEstimate& r) {
  nlohmann::ordered_json j = boards::ToJson(r.used);
  j["family"] = r.family;
  j["synth_seconds"] = r.seconds;
  j["cpu_seconds"] = r.cpu_seconds;
  j["cached"] = r.cached;
  return j;
}

SynthEstimate EstimateResources(const spec::Spec& s, const std::string& family, const fs::path& cache_dir,
                                const std::string& top) {
  static const std::regex kName("^[a-z0-9_]+$");
  if (!std::regex_match(family, kName)) throw UsageError(fmt::format("bad FPGA family \"{}\"", family));
  if (!std::regex_match(top, kName)) throw UsageError(fmt::format("bad top module \"{}\"", top));
  SynthEstimate r;
  r.family = family;
  r.dir = cache_dir / "resources" /
          fmt::format("{}-h{:016x}-d{}-{}{}", s.tag, s.config_hash, DesignHash(s), family,
                      top == "vta_top" ? "" : "-" + top);
  const fs::path cached = r.dir / "resources.json";
  if (fs::exists(cached)) {
    const auto j = nlohmann::json::parse(ReadText(cached));
    r.used = boards::ResourcesFromJson(j);
    r.seconds = j.at("synth_seconds");
    r.cpu_seconds = j.value("cpu_seconds", 0.0);
    r.cached = true;
    return r;
  }
  fs::create_directories(r.dir);
  const Generated g = Generate(s, r.dir / "src");
  const fs::path stat = r.dir / "stat.json";
  const ToolResult t = RunTool(
      fmt::format("yosys -q -d -l {} -p \"read_verilog -sv{}; {}; tee -q -o {} stat -json\"",
                  (r.dir / "yosys.log").string(), Files(g), SynthScript(family, top), stat.string()),
      r.dir / "synth.log");
  if (!t.ok)
    throw Error(fmt::format("yosys synth_xilinx failed for {} ({}):\n{}", s.tag, (r.dir / "synth.log").string(), t.log));
  r.used = CountCells(nlohmann::json::parse(ReadText(stat)));
  r.seconds = t.seconds;
  r.cpu_seconds = t.cpu_seconds;
  nlohmann::ordered_json out = ToJson(r);
  out["config"] = s.tag;
  const std::string text = out.dump(2);
  spec::WriteFile(cached, std::span(reinterpret_cast<const uint8_t*>(text.data()), text.size()));
  return r;
}

boards::Resources CountCells(const nlohmann::json& stat) {
  boards::Resources r;
  const auto& cells = stat.at("design").at("num_cells_by_type");
  for (const auto& [type, count_j] : cells.items()) {
    const double n = count_j.get<double>();
    if (type.rfind("LUT", 0) == 0) r.lut += n;
    else if (type.rfind("FD", 0) == 0) r.ff += n;
    else if (type.rfind("DSP48", 0) == 0) r.dsp += n;
    else if (type.rfind("RAMB36", 0) == 0) r.bram36 += n;
    else if (type.rfind("RAMB18", 0) == 0) r.bram36 += n / 2;
    else if (type.rfind("URAM", 0) == 0) r.uram += n;
    else if (type == "RAM64M" || type == "RAM32M" || type == "RAM128X1D" || type == "RAM64M8" || type == "RAM32M16") {
      const double luts = (type == "RAM64M8" || type == "RAM32M16") ? 8 : 4;
      r.lutram += n * luts;
    } else if (type.rfind("RAM", 0) == 0) {
      r.lutram += n * 2;  // RAM32X1D / RAM64X1D and friends: two LUTs
    } else if (type.rfind("SRL", 0) == 0) {
      r.lutram += n;
    }
  }
  r.lut += r.lutram;
  return r;
}

}  // namespace dcoc::rtl
