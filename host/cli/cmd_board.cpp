// dcoc board list|build: the boards and their deploy flows (Vivado project + PYNQ overlay, or Vitis RTL
// kernel + xclbin link configuration), generated for a configuration.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "boards/board.h"
#include "boards/deploy/deploy.h"
#include "host/cli/cli_util.h"
#include "host/cli/commands.h"

namespace dcoc::cli {

void RegisterBoardCommands(CLI::App& app) {
  auto* board = app.add_subcommand("board", "Boards: their memory timing and deploy flows (Vivado, Vitis, PYNQ)");
  board->require_subcommand(1);
  static std::string name, config = "default", out_dir, platform;
  static bool json = false;

  auto* list = board->add_subcommand("list", "The board files: part, clock, memory timing, deploy flow");
  list->add_flag("--json", json, "Machine-readable output");
  list->callback([] {
    nlohmann::ordered_json j = nlohmann::ordered_json::array();
    for (const auto& n : boards::BoardNames()) j.push_back(boards::ToJson(boards::LoadBoard(n)));
    if (json) return PrintJson(j);
    for (const auto& b : j)
      fmt::print("{:<11} {:<22} {:>4} MHz  {:>5.1f} GB/s  read {:>3} ns  write {:>3} ns  flow {}\n",
                 b["name"].get<std::string>(), b["part"].get<std::string>(), b["clock_mhz"].get<double>(),
                 b["bandwidth_gbps"].get<double>(), b["dram"]["read_latency_ns"].get<double>(),
                 b["dram"]["write_latency_ns"].get<double>(),
                 b.contains("deploy") ? b["deploy"]["flow"].get<std::string>() : std::string("-"));
  });

  auto* build = board->add_subcommand(
      "build",
      "Write the deploy flow of a configuration for a board: pynq-z1/z2 a Vivado Tcl project producing a PYNQ overlay "
      "(bitstream + hardware handoff) and its Python driver; alveo-u50/u250/u280 an RTL kernel package (kernel.xml, "
      "packaging Tcl) and a v++ link configuration producing the xclbin the xrt backend loads. Runs no vendor tool.");
  build->add_option("--board", name, "Board (dcoc board list)")->required();
  build->add_option("--config", config, "Preset, VTA tag or vta_config.json")->capture_default_str();
  build->add_option("-o,--output", out_dir, "Output directory")->required();
  build->add_option("--platform", platform, "Vitis platform for alveo boards (default: the board file's)");
  build->add_flag("--json", json, "Machine-readable output");
  build->callback([] {
    boards::DeployOptions o;
    o.platform = platform;
    const boards::Deployment d = boards::Deploy(boards::LoadBoard(name), SpecFor(config), out_dir, o);
    nlohmann::ordered_json j;
    j["board"] = name;
    j["flow"] = d.flow;
    j["dir"] = d.dir.string();
    for (const auto& f : d.files) j["files"].push_back(std::filesystem::relative(f, d.dir).string());
    j["steps"] = d.steps;
    if (json) return PrintJson(j);
    fmt::print("wrote the {} flow for {} to {} ({} files)\n", d.flow, name, d.dir.string(), d.files.size());
    for (size_t i = 0; i < d.steps.size(); ++i) fmt::print("  {}. {}\n", i + 1, d.steps[i]);
  });
}

}  // namespace dcoc::cli
