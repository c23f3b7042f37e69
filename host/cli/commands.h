// Each file cmd_<area>.cpp adds its subcommands to the dcoc CLI. main() prints errors and exits.
#pragma once

#include <CLI/CLI.hpp>

#include "host/runtime/registry.h"

namespace dcoc::cli {

// What commands share, made once in main() and outliving the parse: the backends this build has.
struct Context {
  runtime::Registry backends;
};

void RegisterConfigCommands(CLI::App& app);                       // config show, isa doc, disasm
void RegisterProgramCommands(CLI::App& app);                      // program random, fsim run
void RegisterRtlCommands(CLI::App& app, const Context& ctx);      // rtl gen|regdoc|lint, sim run
void RegisterResourceCommands(CLI::App& app);                     // rtl resources|boards|calibrate|model|sweep
void RegisterLayerCommands(CLI::App& app, const Context& ctx);    // layer list|run|knobs|space|search
void RegisterOpCommands(CLI::App& app, const Context& ctx);       // op run
void RegisterBackendCommands(CLI::App& app, const Context& ctx);  // backends
void RegisterHlsCommands(CLI::App& app);                          // hls gen
void RegisterBoardCommands(CLI::App& app);                        // board list|build
void RegisterDbCommands(CLI::App& app);                           // db stats|best|export|import
void RegisterFarmCommands(CLI::App& app, const Context& ctx);     // tracker, worker (farm and internal), farm ...
void RegisterTuneCommands(CLI::App& app);                         // tune, bench tuners|codesign
void RegisterCodesignBench(CLI::App& bench);                      // bench codesign (from RegisterTuneCommands)
void RegisterModelCommands(CLI::App& app, const Context& ctx);    // model info|tasks|run (when ONNX is available)

}  // namespace dcoc::cli
