#include "host/cli/cli_util.h"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

namespace dcoc::cli {

void AddDeviceOptions(CLI::App* cmd, runtime::DeviceOptions& o) {
  cmd->add_option("--board", o.board, "Board whose memory timing the systemc backend models (boards/*.json)");
  cmd->add_option("--xclbin", o.xclbin, "The VTA++ xclbin the xrt backend loads (default: $DCOC_XCLBIN)");
  cmd->add_option("--device", o.device_index, "Which XRT device (xrt backend)")->capture_default_str();
}

nlohmann::ordered_json RunReportJson(const spec::Program& p, std::string_view backend, const runtime::RunStats& stats,
                                     const std::vector<uint8_t>& dram) {
  nlohmann::ordered_json j;
  j["backend"] = backend;
  j["config"] = spec::ConfigTag(p.config);
  j["description"] = p.description;
  j["instructions"] = p.insns.size();
  j["cycles"] = stats.cycles;
  j["seconds"] = stats.seconds;
  j["wall_seconds"] = stats.wall_seconds;
  j["counters"] = stats.counters;
  j["outputs"] = nlohmann::ordered_json::array();
  for (const spec::Region& r : p.regions) {
    if (r.kind != spec::RegionKind::kOutput) continue;
    j["outputs"].push_back({{"name", r.name}, {"offset", r.offset}, {"bytes", r.bytes}, {"digest", spec::RegionDigest(dram, r)}});
  }
  return j;
}

void PrintRunReport(const nlohmann::ordered_json& j) {
  fmt::print("backend {}  configuration {}  {} instructions\n", j["backend"].get<std::string>(),
             j["config"].get<std::string>(), j["instructions"].get<size_t>());
  if (!j["description"].get<std::string>().empty()) fmt::print("program: {}\n", j["description"].get<std::string>());
  if (j["cycles"].get<uint64_t>() != 0)
    fmt::print("cycles {}  ({:.3f} ms at the board clock)\n", j["cycles"].get<uint64_t>(), j["seconds"].get<double>() * 1e3);
  fmt::print("host time {:.3f} ms\n", j["wall_seconds"].get<double>() * 1e3);
  fmt::print("counters:\n");
  for (const auto& [k, v] : j["counters"].items()) fmt::print("  {:<28} {}\n", k, v.get<uint64_t>());
  fmt::print("outputs:\n");
  for (const auto& o : j["outputs"])
    fmt::print("  {:<16} {:>10} bytes  digest {}\n", o["name"].get<std::string>(), o["bytes"].get<uint64_t>(),
               o["digest"].get<std::string>());
}

}  // namespace dcoc::cli
