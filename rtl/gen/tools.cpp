#include "rtl/gen/tools.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <regex>
#include <set>
#include <string_view>

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

// Inputs per LUT of a Yosys synth_xilinx family (its lut_size); a family it does not know (it stops on it before the
// `coarse` section) or a placeholder such as "<family>" gets a placeholder.
std::string LutInputs(const std::string& family) {
  static const std::set<std::string> kLut6 = {"xc5v", "xc6v", "xc6s", "xc7", "xcu", "xcup"};
  static const std::set<std::string> kLut4 = {"xcv", "xcve", "xc2v", "xc2vp", "xc3s", "xc3se", "xc3sa", "xc3sda", "xc4v"};
  return kLut6.count(family) ? "6" : kLut4.count(family) ? "4" : "<lut inputs>";
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
  const std::string run = fmt::format("synth_xilinx -family {} -top {} -flatten -run", family, top);
  // synth_xilinx minus `share` (0.23 has no -noshare): it never merged a VTA ALU lane (all active together) and its
  // SAT pair checks grow as lanes^2 (> 18 CPU-min on 2x16x32); scripts/yosys_share_check.py reads it from a log.
  return fmt::format("{} :coarse; techmap -map +/cmp2lut.v -map +/cmp2lcu.v -D LUT_WIDTH={}; alumacc; opt; "
                     "memory -nomap; opt_clean; {} map_memory:",
                     run, LutInputs(family), run);
}

bool ShareChangedNothing(const std::string& log, const std::string& family, const std::string& top) {
  const size_t command = log.find("-- Running command `");
  if (command == std::string::npos) return false;
  const size_t whole = log.find(fmt::format("; synth_xilinx -family {} -top {} -flatten; ", family, top), command);
  if (whole == std::string::npos || whole > log.find('\n', command)) return false;
  const size_t begin = log.find("Executing SHARE pass");
  if (begin == std::string::npos) return false;
  // The section ends at the next pass's header ("19.26. Executing OPT pass ..."); a killed run's log has none.
  for (size_t line = log.find('\n', begin) + 1; line != 0 && line < log.size(); line = log.find('\n', line) + 1) {
    const std::string_view l(log.data() + line, std::min(log.find('\n', line), log.size()) - line);
    if (!l.empty() && std::isdigit(static_cast<unsigned char>(l[0])) && l.find(". Executing ") != std::string_view::npos)
      return true;
    // share changes a module only when it merges ("New cell: ...") or drops cells ("Removing N cells ...").
    if (l.find("New cell:") != std::string_view::npos || l.rfind("Removing ", 0) == 0 ||
        l.find("never active") != std::string_view::npos)
      return false;
  }
  return false;
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
  const std::string script = SynthScript(family, top);
  // An entry counts only if made by this script (entries of another flow are synthesized again, in place).
  nlohmann::json j = fs::exists(cached) ? nlohmann::json::parse(ReadText(cached)) : nlohmann::json::object();
  if (j.is_object() && !j.contains("script") && ShareChangedNothing(ReadText(r.dir / "yosys.log"), family, top)) {
    // Measured before share was left out, by a run whose share pass left the netlist alone: the same netlist.
    nlohmann::ordered_json stamped = nlohmann::ordered_json::parse(ReadText(cached));
    stamped["script"] = script;
    stamped["script_note"] = "measured with the whole synth_xilinx; its share pass changed nothing (yosys.log)";
    const std::string text = stamped.dump(2);
    spec::WriteFile(cached, std::span(reinterpret_cast<const uint8_t*>(text.data()), text.size()));
    j["script"] = script;
  }
  if (j.value("script", "") == script) {
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
                  (r.dir / "yosys.log").string(), Files(g), script, stat.string()),
      r.dir / "synth.log");
  if (!t.ok)
    throw Error(fmt::format("yosys synth_xilinx failed for {} ({}):\n{}", s.tag, (r.dir / "synth.log").string(), t.log));
  r.used = CountCells(nlohmann::json::parse(ReadText(stat)));
  r.seconds = t.seconds;
  r.cpu_seconds = t.cpu_seconds;
  nlohmann::ordered_json out = ToJson(r);
  out["config"] = s.tag;
  out["script"] = script;
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
