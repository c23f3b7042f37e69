// dcoc backends: the backends this build has, and whether each can create a device on this machine.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "host/cli/cli_util.h"
#include "host/cli/commands.h"

namespace dcoc::cli {

void RegisterBackendCommands(CLI::App& app, const Context& ctx) {
  static bool json = false;
  auto* cmd = app.add_subcommand("backends",
                                 "The backends this build has (what --backend takes) and whether each can run here");
  cmd->add_flag("--json", json, "Machine-readable output");
  cmd->callback([&ctx] {
    nlohmann::ordered_json j = nlohmann::ordered_json::array();
    for (const std::string& name : ctx.backends.Names()) {
      const runtime::BackendInfo& info = ctx.backends.Info(name);
      const std::string why = ctx.backends.Unavailable(name);
      j.push_back({{"name", name},
                   {"timed", info.timed},
                   {"available", why.empty()},
                   {"unavailable_reason", why},
                   {"description", info.description}});
    }
    if (json) return PrintJson(j);
    for (const auto& b : j)
      fmt::print("{:<11} {:<7} {}{}\n", b["name"].get<std::string>(), b["timed"].get<bool>() ? "timed" : "untimed",
                 b["description"].get<std::string>(),
                 b["available"].get<bool>() ? "" : fmt::format(" [unavailable: {}]", b["unavailable_reason"].get<std::string>()));
  });
}

}  // namespace dcoc::cli
