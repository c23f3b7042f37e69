// dcoc rtl gen|regdoc|lint|resources|boards and dcoc sim run: the VTA++ RTL generator, its checks and
// resource estimate, and running a saved program on any backend.
#include <filesystem>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "host/cli/cli_util.h"
#include "host/cli/commands.h"
#include "host/common/cache.h"
#include "host/common/error.h"
#include "host/runtime/device.h"
#include "rtl/gen/regmap.h"
#include "rtl/gen/rtlgen.h"
#include "rtl/gen/tools.h"

namespace dcoc::cli {

namespace {

std::string DefaultFamily(const std::string& board) {
  return board.empty() ? "xc7" : rtl::LoadBoard(board).family;
}

}  // namespace

void RegisterRtlCommands(CLI::App& app, const Context& ctx) {
  auto* rtl = app.add_subcommand("rtl", "The VTA++ SystemVerilog: generate, lint, estimate resources");
  rtl->require_subcommand(1);

  static std::string config = "default", out_dir, board, family, output;
  static bool json = false;
  static double cap = 0.8;

  auto* gen = rtl->add_subcommand("gen", "Write the configuration's vta_pkg.sv, vta_top.sv and filelist vta.f");
  gen->add_option("--config", config, "Preset, VTA tag or vta_config.json")->capture_default_str();
  gen->add_option("-o,--output", out_dir, "Output directory")->required();
  gen->callback([] {
    const rtl::Generated g = rtl::Generate(SpecFor(config), out_dir);
    fmt::print("wrote {}, {} and {} ({} sources)\n", g.package.string(), g.top.string(), g.filelist.string(),
               g.sources.size());
  });

  auto* regdoc = rtl->add_subcommand("regdoc", "Print the register map (docs/registers.md)");
  regdoc->callback([] { fmt::print("{}", rtl::RegistersMarkdown()); });

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
  res->add_option("--board", board, "Board (boards/*.json): report whether the configuration fits");
  res->add_option("--family", family, "synth_xilinx -family (default: the board's, else xc7)");
  res->add_option("--cap", cap, "Utilization cap for --board")->capture_default_str();
  res->add_flag("--json", json, "Machine-readable output");
  res->callback([] {
    const spec::Spec s = SpecFor(config);
    const std::string fam = family.empty() ? DefaultFamily(board) : family;
    const rtl::Resources r = rtl::EstimateResources(s, fam, DefaultCacheDir());
    nlohmann::ordered_json j;
    j["config"] = s.tag;
    j["resources"] = rtl::ToJson(r);
    if (!board.empty()) {
      const rtl::Board b = rtl::LoadBoard(board);
      const rtl::Fit f = rtl::CheckFit(r, b, cap);
      j["board"] = b.name;
      j["part"] = b.part;
      j["fits"] = f.fits;
      j["cap"] = f.cap;
      j["limiting"] = f.limiting;
      for (const auto& [k, u] : f.utilization) j["utilization"][k] = u;
    }
    if (json) {
      PrintJson(j);
      return;
    }
    fmt::print("{} ({}): LUT {:.0f} (LUTRAM {:.0f})  FF {:.0f}  DSP {:.0f}  BRAM36 {:.1f}  URAM {:.0f}{}\n", s.tag, fam,
               r.lut, r.lutram, r.ff, r.dsp, r.bram36, r.uram,
               r.cached ? "  [cached]" : fmt::format("  [yosys {:.0f} s]", r.seconds));
    if (!board.empty()) {
      fmt::print("board {} ({}): {} under a {:.0f}% cap; utilization", j["board"].get<std::string>(),
                 j["part"].get<std::string>(), j["fits"].get<bool>() ? "FITS" : "DOES NOT FIT", cap * 100);
      for (const auto& [k, u] : j["utilization"].items()) fmt::print("  {} {:.1f}%", k, u.get<double>() * 100);
      fmt::print("  (limiting: {}, margin {:.1f} points)\n", j["limiting"].get<std::string>(),
                 (cap - j["utilization"][j["limiting"].get<std::string>()].get<double>()) * 100);
    }
  });

  auto* boards = rtl->add_subcommand("boards", "List the board descriptors in boards/");
  boards->callback([] {
    for (const auto& n : rtl::BoardNames()) {
      const rtl::Board b = rtl::LoadBoard(n);
      fmt::print("{:<12} {:<24} {:>8.0f} LUT {:>8.0f} FF {:>6.0f} DSP {:>6.0f} BRAM36 {:>5.0f} URAM  {:>4.0f} MHz  {} bit "
                 "{:.1f} GB/s {}\n",
                 b.name, b.part, b.lut, b.ff, b.dsp, b.bram36, b.uram, b.clock_mhz, b.bus_bits, b.bandwidth_gbps,
                 b.memory);
    }
  });

  auto* simc = app.add_subcommand("sim", "Run programs on a backend (see `dcoc backends`)");
  simc->require_subcommand(1);
  auto* run = simc->add_subcommand("run", "Run a saved program: cycles, counters and a digest of each output region");
  static std::string file, backend = "verilator", trace;
  static uint64_t max_cycles = 0;
  run->add_option("program", file, "Program container (.prog)")->required()->check(CLI::ExistingFile);
  run->add_option("--backend", backend, "A backend of `dcoc backends` (fsim, verilator, ...)")->capture_default_str();
  run->add_option("--trace", trace, "FST waveform file (verilator)");
  run->add_option("--max-cycles", max_cycles, "Bound on simulated cycles (0: none)");
  run->add_flag("--json", json, "Machine-readable output");
  run->callback([&ctx] {
    const spec::Program p = spec::LoadProgram(file);
    const spec::Spec s = spec::Spec::Create(p.config);
    auto dev = ctx.backends.Create(backend, s);
    runtime::RunOptions o;
    o.trace_path = trace;
    o.max_cycles = max_cycles;
    const runtime::ProgramRun r = runtime::RunProgram(*dev, p, o);
    const auto report = RunReportJson(p, backend, r.stats, r.dram);
    json ? PrintJson(report) : PrintRunReport(report);
  });
}

}  // namespace dcoc::cli
