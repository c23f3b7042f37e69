// dcoc rtl gen|regdoc|lint and dcoc sim run: the VTA++ RTL generator and its checks, and running a saved
// program on any backend (fsim, verilator). Resources and boards: cmd_resources.cpp.
#include <filesystem>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "host/cli/cli_util.h"
#include "host/cli/commands.h"
#include "host/common/cache.h"
#include "host/common/error.h"
#include "host/runtime/device.h"
#include "host/spec/regmap.h"
#include "rtl/gen/rtlgen.h"
#include "rtl/gen/tools.h"

namespace dcoc::cli {

void RegisterRtlCommands(CLI::App& app, const Context& ctx) {
  auto* rtl = app.add_subcommand("rtl", "The VTA++ SystemVerilog: generate, lint, estimate resources");
  rtl->require_subcommand(1);

  static std::string config = "default", out_dir;
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
