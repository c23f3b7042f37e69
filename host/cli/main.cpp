// dcoc: the command-line front end. Subcommands live in cmd_<area>.cpp; libraries throw dcoc::Error and
// only this file prints "error: ..." and chooses the exit code.
#include <cstdio>
#include <exception>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "host/cli/commands.h"
#include "host/common/error.h"
#include "host/runtime/backends.h"

int main(int argc, char** argv) {
  CLI::App app{
      "dcoc: hardware/software co-design for the VTA++ DNN accelerator.\n"
      "Configure and generate the accelerator, compile and run programs on its simulators, and tune.\n"
      "A configuration is given as a preset name (see `dcoc config presets`), a VTA tag such as\n"
      "1x16_i8w8a32_15_15_18_17, or a vta_config.json file."};
  app.require_subcommand(1);
  app.set_version_flag("--version", "dcoc 0.1.0");
  dcoc::cli::RegisterConfigCommands(app);
  dcoc::cli::RegisterProgramCommands(app);
  const dcoc::cli::Context ctx{dcoc::runtime::BuiltinBackends()};
  dcoc::cli::RegisterRtlCommands(app, ctx);
  dcoc::cli::RegisterResourceCommands(app);
  dcoc::cli::RegisterLayerCommands(app, ctx);
  dcoc::cli::RegisterOpCommands(app, ctx);
  dcoc::cli::RegisterBackendCommands(app, ctx);
  dcoc::cli::RegisterHlsCommands(app);
  dcoc::cli::RegisterDbCommands(app);
  dcoc::cli::RegisterTuneCommands(app);
#ifdef DCOC_HAVE_MODEL
  dcoc::cli::RegisterModelCommands(app, ctx);
#endif
  dcoc::cli::RegisterFarmCommands(app, ctx);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const dcoc::Error& e) {
    fmt::print(stderr, "error: {}\n", e.what());
    return 1;
  } catch (const std::exception& e) {
    fmt::print(stderr, "error: internal: {}\n", e.what());
    return 2;
  }
  return 0;
}
