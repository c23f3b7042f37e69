#include "host/cli/cli_util.h"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <stdexcept>
#include <vector>

#include "host/common/error.h"

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

compiler::ConvLayer ParseConvOption(const std::string& text, const std::string& kind) {
  std::vector<int> v;
  for (size_t start = 0; start <= text.size();) {
    size_t end = text.find(',', start);
    if (end == std::string::npos) end = text.size();
    const std::string item = text.substr(start, end - start);
    start = end + 1;
    try {
      size_t used = 0;
      v.push_back(std::stoi(item, &used));
      if (used != item.size()) throw std::invalid_argument(item);
    } catch (const std::exception&) {
      throw UsageError(fmt::format("--conv {}: \"{}\" is not an integer", text, item));
    }
  }
  if (v.size() != 9)
    throw UsageError(fmt::format("--conv {}: expected 9 numbers N,C,H,W,K,R,S,stride,pad, got {}", text, v.size()));
  compiler::ConvLayer l;
  l.name = "conv";
  if (kind == "depthwise")
    l.kind = compiler::ConvKind::kDepthwise;
  else if (kind == "dense")
    l.kind = compiler::ConvKind::kDense;
  else if (kind != "conv2d")
    throw UsageError(fmt::format("--kind {} is not conv2d, depthwise or dense", kind));
  l.n = v[0], l.c = v[1], l.h = v[2], l.w = v[3], l.k = v[4], l.r = v[5], l.s = v[6];
  l.stride_h = l.stride_w = v[7];
  l.pad_h = l.pad_w = v[8];
  l.Validate();
  return l;
}

}  // namespace dcoc::cli
