// dcoc rtl gen|regdoc|lint|resources|boards and dcoc sim run: the VTA++ RTL generator, its checks and
// resource estimate, and running a saved program on any backend.
#include <filesystem>
#include <optional>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "boards/board.h"
#include "boards/fit.h"
#include "host/cli/cli_util.h"
#include "host/cli/commands.h"
#include "host/common/cache.h"
#include "host/common/error.h"
#include "host/runtime/device.h"
#include "host/spec/regmap.h"
#include "rtl/gen/rtlgen.h"
#include "rtl/gen/tools.h"

namespace dcoc::cli {

namespace {

std::string DefaultFamily(const std::string& board) {
  return board.empty() ? "xc7" : boards::LoadBoard(board).family;
}

void PrintFit(const boards::Board& b, const boards::Fit& f) {
  fmt::print("board {} ({}): {}\n", b.name, b.part, f.fits ? "FITS under its caps" : "DOES NOT FIT under its caps");
  for (const boards::ResourceFit& r : f.resources) {
    if (r.available == 0 && r.used == 0) continue;
    fmt::print("  {:<7} {:>10.1f} of {:>9.0f}  {:>6.1f}%  cap {:>3.0f}%{}\n", boards::Name(r.resource), r.used, r.available,
               r.utilization * 100, r.cap * 100, r.exceeded ? "  EXCEEDED" : "");
  }
  fmt::print("  limiting: {}\n", boards::Name(f.limiting));
}

}  // namespace

void RegisterRtlCommands(CLI::App& app, const Context& ctx) {
  auto* rtl = app.add_subcommand("rtl", "The VTA++ SystemVerilog: generate, lint, estimate resources");
  rtl->require_subcommand(1);

  static std::string config = "default", out_dir, board, family, output;
  static bool json = false;

  auto* gen = rtl->add_subcommand("gen", "Write the configuration's vta_pkg.sv, vta_top.sv and filelist vta.f");
  gen->add_option("--config", config, "Preset, VTA tag or vta_config.json")->capture_default_str();
  gen->add_option("-o,--output", out_dir, "Output directory")->required();
  gen->callback([] {
    const rtl::Generated g = rtl::Generate(SpecFor(config), out_dir);
    fmt::print("wrote {}, {} and {} ({} sources)\n", g.package.string(), g.top.string(), g.filelist.string(),
               g.sources.size());
  });

  auto* regdoc = rtl->add_subcommand("regdoc", "Print the register map (docs/registers.md)");
  regdoc->callback([] { fmt::print("{}", spec::RegistersMarkdown()); });

  auto* lint = rtl->add_subcommand("lint", "verilator --lint-only -Wall and a Yosys parse of the configuration");
  lint->add_option("--config", config, "Preset, VTA tag or vta_config.json")->capture_default_str();
  lint->callback([] {
    const spec::Spec s = SpecFor(config);
    const auto dir = std::filesystem::temp_directory_path() / fmt::format("dcoc-lint-{}", s.tag);
    const rtl::ToolResult v = rtl::Lint(s, dir);
    const rtl::ToolResult y = rtl::YosysParse(s, dir);
    fmt::print("{}: verilator lint {} ({:.1f} s), yosys parse {} ({:.1f} s)\n", s.tag, v.ok ? "clean" : "FAILED",
               v.seconds, y.ok ? "ok" : "FAILED", y.seconds);
    if (!v.ok) throw Error(fmt::format("verilator lint of {}:\n{}", s.tag, v.log));
    if (!y.ok) throw Error(fmt::format("yosys parse of {}:\n{}", s.tag, y.log));
  });

  auto* res = rtl->add_subcommand("resources", "Synthesize with yosys synth_xilinx: LUT, FF, DSP, BRAM (cached)");
  res->add_option("--config", config, "Preset, VTA tag or vta_config.json")->capture_default_str();
  res->add_option("--board", board, "Board (boards/*.json): report the fit under the board file's caps");
  res->add_option("--family", family, "synth_xilinx -family (default: the board's, else xc7)");
  res->add_flag("--json", json, "Machine-readable output");
  res->callback([] {
    const spec::Spec s = SpecFor(config);
    const std::string fam = family.empty() ? DefaultFamily(board) : family;
    if (!json) fmt::print(stderr, "yosys synth_xilinx -family {} of {} (cached after the first run; a run takes minutes)\n", fam, s.tag);
    const rtl::SynthEstimate r = rtl::EstimateResources(s, fam, DefaultCacheDir());
    nlohmann::ordered_json j;
    j["config"] = s.tag;
    j["resources"] = rtl::ToJson(r);
    std::optional<boards::Board> b;
    std::optional<boards::Fit> f;
    if (!board.empty()) {
      b = boards::LoadBoard(board);
      f = boards::FitsBoard(r.used, *b);
      j["board"] = b->name;
      j["part"] = b->part;
      j["fit"] = boards::ToJson(*f);
    }
    if (json) {
      PrintJson(j);
      return;
    }
    fmt::print("{} ({}): LUT {:.0f} (LUTRAM {:.0f})  FF {:.0f}  DSP {:.0f}  BRAM36 {:.1f}  URAM {:.0f}{}\n", s.tag, fam,
               r.used.lut, r.used.lutram, r.used.ff, r.used.dsp, r.used.bram36, r.used.uram,
               r.cached ? "  [cached]" : fmt::format("  [yosys {:.0f} s]", r.seconds));
    if (b) PrintFit(*b, *f);
  });

  auto* brd = rtl->add_subcommand("boards", "List the board descriptors in boards/ (resources and caps)");
  brd->add_flag("--json", json, "Machine-readable output");
  brd->callback([] {
    nlohmann::ordered_json all = nlohmann::ordered_json::array();
    for (const auto& n : boards::BoardNames()) {
      const boards::Board b = boards::LoadBoard(n);
      all.push_back(boards::ToJson(b));
      if (json) continue;
      fmt::print("{:<12} {:<24} {:>8.0f} LUT {:>8.0f} FF {:>6.0f} DSP {:>6.0f} BRAM36 {:>5.0f} URAM  {:>4.0f} MHz  {} bit "
                 "{:.1f} GB/s {}\n",
                 b.name, b.part, b.available.lut, b.available.ff, b.available.dsp, b.available.bram36,
                 b.available.uram, b.clock_mhz, b.bus_bits, b.bandwidth_gbps, b.memory);
      std::string caps;
      for (boards::Resource r : boards::kAllResources)
        if (b.available.Get(r) > 0)
          caps += fmt::format("{}{} {:.0f}%", caps.empty() ? "" : ", ", boards::Name(r), b.CapOf(r).max_utilization * 100);
      fmt::print("{:<12} caps: {}\n", "", caps);
    }
    if (json) PrintJson(all);
  });

  auto* simc = app.add_subcommand("sim", "Run programs on a backend (see `dcoc backends`)");
  simc->require_subcommand(1);
  auto* run = simc->add_subcommand("run", "Run a saved program: cycles, counters and a digest of each output region");
  static std::string file, backend = "verilator", trace, run_board;
  static uint64_t max_cycles = 0;
  run->add_option("program", file, "Program container (.prog)")->required()->check(CLI::ExistingFile);
  run->add_option("--backend", backend, "A backend of `dcoc backends` (fsim, verilator, ...)")->capture_default_str();
  run->add_option("--trace", trace, "FST waveform file (verilator)");
  run->add_option("--board", run_board, "Board whose memory timing the systemc backend models (boards/*.json)");
  run->add_option("--max-cycles", max_cycles, "Bound on simulated cycles (0: none)");
  run->add_flag("--json", json, "Machine-readable output");
  run->callback([&ctx] {
    const spec::Program p = spec::LoadProgram(file);
    const spec::Spec s = spec::Spec::Create(p.config);
    auto dev = ctx.backends.Create(backend, s, runtime::DeviceOptions{run_board});
    runtime::RunOptions o;
    o.trace_path = trace;
    o.max_cycles = max_cycles;
    const runtime::ProgramRun r = runtime::RunProgram(*dev, p, o);
    const auto report = RunReportJson(p, backend, r.stats, r.dram);
    json ? PrintJson(report) : PrintRunReport(report);
  });
}

}  // namespace dcoc::cli
