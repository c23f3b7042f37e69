// Each file cmd_<area>.cpp adds its subcommands to the dcoc CLI. main() prints errors and exits.
#pragma once

#include <CLI/CLI.hpp>

namespace dcoc::cli {

void RegisterConfigCommands(CLI::App& app);   // config show, isa doc, disasm
void RegisterProgramCommands(CLI::App& app);  // program random, fsim run
void RegisterRtlCommands(CLI::App& app);      // rtl gen|regdoc|lint|resources|boards, sim run
void RegisterLayerCommands(CLI::App& app);    // layer list|run|knobs|space|search
void RegisterOpCommands(CLI::App& app);       // op run
void RegisterDbCommands(CLI::App& app);       // db stats|best|export|import
void RegisterFarmCommands(CLI::App& app);     // tracker, worker, farm status|keygen|slurm

}  // namespace dcoc::cli
