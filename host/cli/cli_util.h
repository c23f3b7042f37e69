// Small helpers shared by the subcommands.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "host/spec/hw_config.h"

namespace dcoc::cli {

// Prints a JSON document (indented) to stdout.
void PrintJson(const nlohmann::ordered_json& j);
// Resolves --config (preset, tag or file) into a validated Spec.
spec::Spec SpecFor(const std::string& what);

}  // namespace dcoc::cli

#include "host/compiler/layer.h"
#include "host/runtime/device.h"
#include "host/runtime/registry.h"
#include "host/spec/program.h"

namespace CLI {
class App;
}

namespace dcoc::cli {

// --board, --xclbin and --device: what a board-level backend needs besides the configuration.
void AddDeviceOptions(CLI::App* cmd, runtime::DeviceOptions& o);

// The report every `run` subcommand prints: backend, configuration, cycles, counters and a digest of
// each output region, so any two backends can be compared line by line or with --json.
nlohmann::ordered_json RunReportJson(const spec::Program& p, std::string_view backend, const runtime::RunStats& stats,
                                     const std::vector<uint8_t>& dram);
void PrintRunReport(const nlohmann::ordered_json& report);

// "--conv N,C,H,W,K,R,S,stride,pad" with --kind conv2d|depthwise|dense: a validated layer named "conv"
// (no epilogue). Throws UsageError naming the option and the bad item.
compiler::ConvLayer ParseConvOption(const std::string& text, const std::string& kind);

}  // namespace dcoc::cli
