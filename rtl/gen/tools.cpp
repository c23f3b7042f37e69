#include "rtl/gen/tools.h"

#include <chrono>
#include <cstdlib>
#include <regex>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "host/common/error.h"
#include "host/spec/program.h"
#include "rtl/gen/rtlgen.h"

#ifndef DCOC_BOARDS_DIR
#error "DCOC_BOARDS_DIR must name boards/"
#endif

namespace dcoc::rtl {

namespace fs = std::filesystem;

namespace {

std::string ReadText(const fs::path& p) {
  if (!fs::exists(p)) return "";
  const std::vector<uint8_t> b = spec::ReadFile(p);
  return std::string(b.begin(), b.end());
}

std::string Tail(const std::string& s, size_t n = 4000) { return s.size() > n ? "..." + s.substr(s.size() - n) : s; }

ToolResult RunTool(const std::string& cmd, const fs::path& log) {
  const auto t0 = std::chrono::steady_clock::now();
  const int rc = std::system(fmt::format("{} > '{}' 2>&1", cmd, log.string()).c_str());
  ToolResult r;
  r.ok = rc == 0;
  r.log = Tail(ReadText(log));
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
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
  ToolResult r = RunTool(fmt::format("verilator --lint-only -Wall --top-module vta_top '{}' -f '{}'",
                                     (RtlSourceDir() / "vta.vlt").string(), g.filelist.string()),
                         work_dir / "lint.log");
  return r;
}

ToolResult YosysParse(const spec::Spec& s, const fs::path& work_dir) {
  const Generated g = Generate(s, work_dir);
  return RunTool(fmt::format("yosys -q -p \"read_verilog -sv{}; hierarchy -check -top vta_top; proc\"", Files(g)),
                 work_dir / "yosys_parse.log");
}

nlohmann::ordered_json ToJson(const Resources& r) {
  nlohmann::ordered_json j;
  j["family"] = r.family;
  j["lut"] = r.lut;
  j["lutram"] = r.lutram;
  j["ff"] = r.ff;
  j["dsp"] = r.dsp;
  j["bram36"] = r.bram36;
  j["uram"] = r.uram;
  j["synth_seconds"] = r.seconds;
  j["cached"] = r.cached;
  return j;
}

Resources EstimateResources(const spec::Spec& s, const std::string& family, const fs::path& cache_dir) {
  static const std::regex kFamily("^[a-z0-9]+$");
  if (!std::regex_match(family, kFamily)) throw UsageError(fmt::format("bad FPGA family \"{}\"", family));
  const fs::path dir = cache_dir / "resources" /
                       fmt::format("{}-h{:016x}-rtl{}-{}", s.tag, ConfigHash(s.config), RtlSourcesHash(), family);
  const fs::path cached = dir / "resources.json";
  Resources r;
  r.family = family;
  if (fs::exists(cached)) {
    const auto j = nlohmann::json::parse(ReadText(cached));
    r.lut = j.at("lut");
    r.lutram = j.at("lutram");
    r.ff = j.at("ff");
    r.dsp = j.at("dsp");
    r.bram36 = j.at("bram36");
    r.uram = j.at("uram");
    r.seconds = j.at("synth_seconds");
    r.cached = true;
    return r;
  }
  fs::create_directories(dir);
  const Generated g = Generate(s, dir / "src");
  const fs::path stat = dir / "stat.json";
  const ToolResult t = RunTool(
      fmt::format("yosys -q -p \"read_verilog -sv{}; synth_xilinx -family {} -top vta_top -flatten; tee -q -o {} "
                  "stat -json\"",
                  Files(g), family, stat.string()),
      dir / "synth.log");
  if (!t.ok) throw Error(fmt::format("yosys synth_xilinx failed for {} ({}):\n{}", s.tag, (dir / "synth.log").string(), t.log));
  const auto j = nlohmann::json::parse(ReadText(stat));
  const auto& cells = j.at("design").at("num_cells_by_type");
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
  r.seconds = t.seconds;
  nlohmann::ordered_json out = ToJson(r);
  out["cached"] = false;
  spec::WriteFile(cached, std::span(reinterpret_cast<const uint8_t*>(out.dump(2).data()), out.dump(2).size()));
  return r;
}

fs::path BoardsDir() { return fs::path(DCOC_BOARDS_DIR); }

std::vector<std::string> BoardNames() {
  std::vector<std::string> names;
  if (fs::exists(BoardsDir()))
    for (const auto& e : fs::directory_iterator(BoardsDir()))
      if (e.path().extension() == ".json") names.push_back(e.path().stem().string());
  std::sort(names.begin(), names.end());
  return names;
}

Board LoadBoard(const std::string& name) {
  const fs::path p = BoardsDir() / (name + ".json");
  if (!fs::exists(p)) {
    std::string known;
    for (const auto& n : BoardNames()) known += (known.empty() ? "" : ", ") + n;
    throw UsageError(fmt::format("unknown board \"{}\" (known: {})", name, known));
  }
  try {
    const auto j = nlohmann::json::parse(ReadText(p));
    Board b;
    b.name = j.at("name");
    b.part = j.at("part");
    b.family = j.at("family");
    b.memory = j.at("memory");
    const auto& res = j.at("resources");
    b.lut = res.at("lut");
    b.ff = res.at("ff");
    b.dsp = res.at("dsp");
    b.bram36 = res.at("bram36");
    b.uram = res.at("uram");
    b.clock_mhz = j.at("clock_mhz");
    b.bus_bits = j.at("bus_bits");
    b.bandwidth_gbps = j.at("bandwidth_gbps");
    for (const auto& src : j.at("sources")) b.sources.push_back(src);
    return b;
  } catch (const nlohmann::json::exception& e) {
    throw FormatError(fmt::format("board file {}: {}", p.string(), e.what()));
  }
}

Fit CheckFit(const Resources& r, const Board& b, double cap) {
  Fit f;
  f.cap = cap;
  const std::pair<const char*, std::pair<double, double>> items[] = {
      {"lut", {r.lut, b.lut}}, {"ff", {r.ff, b.ff}}, {"dsp", {r.dsp, b.dsp}}, {"bram36", {r.bram36, b.bram36}}};
  double worst = -1;
  for (const auto& [name, uv] : items) {
    const double u = uv.second > 0 ? uv.first / uv.second : (uv.first > 0 ? 1e9 : 0);
    f.utilization.emplace_back(name, u);
    if (u > worst) {
      worst = u;
      f.limiting = name;
    }
    if (u > cap) f.fits = false;
  }
  return f;
}

}  // namespace dcoc::rtl
