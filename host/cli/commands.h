// Each file cmd_<area>.cpp adds its subcommands to the dcoc CLI. main() prints errors and exits.
#pragma once

#include <CLI/CLI.hpp>

namespace dcoc::cli {

void RegisterConfigCommands(CLI::App& app);   // config show, isa doc, disasm
void RegisterProgramCommands(CLI::App& app);  // program random, fsim run
void RegisterRtlCommands(CLI::App& app);      // rtl gen|regdoc|lint, sim run
void RegisterResourceCommands(CLI::App& app); // rtl resources|boards|calibrate|model|sweep (after Rtl)
void RegisterLayerCommands(CLI::App& app);    // layer list|run|space|search
void RegisterOpCommands(CLI::App& app);       // op run

}  // namespace dcoc::cli
