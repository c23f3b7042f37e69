// dcoc hls gen: the HLS kernel of a configuration as a self-contained Vitis HLS directory.
#include <fmt/format.h>

#include "hls/gen/hlsgen.h"
#include "host/cli/cli_util.h"
#include "host/cli/commands.h"

namespace dcoc::cli {

void RegisterHlsCommands(CLI::App& app) {
  auto* hls = app.add_subcommand("hls", "The VTA++ HLS kernel (Vitis-HLS-style C++ of the same ISA)");
  hls->require_subcommand(1);
  static std::string config = "default", out_dir, part = "xc7z020clg400-1";
  auto* gen = hls->add_subcommand(
      "gen", "Write the kernel sources, the configuration's vta_config.h and a vitis_hls.tcl that synthesizes each "
             "process (the directory refers to nothing outside itself)");
  gen->add_option("--config", config, "Preset, VTA tag or vta_config.json")->capture_default_str();
  gen->add_option("--part", part, "FPGA part for vitis_hls.tcl")->capture_default_str();
  gen->add_option("-o,--output", out_dir, "Output directory")->required();
  gen->callback([] {
    const hls::Generated g = hls::Generate(SpecFor(config), out_dir, part);
    fmt::print("wrote {} files to {} (C simulation: g++ -std=c++20 -I{} ...; synthesis: cd {} && vitis_hls -f "
               "vitis_hls.tcl)\n",
               g.files.size(), g.dir.string(), g.dir.string(), g.dir.string());
  });
}

}  // namespace dcoc::cli
