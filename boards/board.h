// Board descriptors (boards/<name>.json): the FPGA part, its resource totals, a utilization cap per
// resource with the reason for it, the clock and the memory system dcoc assumes for VTA++ there.
// Library dcoc::boards: tuners, deploy flows and the RTL tools link it; it needs only the spec.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace dcoc::boards {

// The FPGA resources a configuration uses and a board offers.
enum class Resource : uint8_t { kLut = 0, kFf = 1, kDsp = 2, kBram36 = 3, kUram = 4 };
constexpr int kNumResources = 5;
constexpr std::array<Resource, kNumResources> kAllResources = {Resource::kLut, Resource::kFf, Resource::kDsp,
                                                               Resource::kBram36, Resource::kUram};
std::string_view Name(Resource r);  // "lut", "ff", "dsp", "bram36", "uram" (the JSON keys)

// Amounts per resource. LUT includes LUTs used as memory (lutram, also given on its own); BRAM36 counts
// 36 Kb blocks, a RAMB18 as half of one.
struct Resources {
  double lut = 0, ff = 0, dsp = 0, bram36 = 0, uram = 0;
  double lutram = 0;

  double Get(Resource r) const;
  double& At(Resource r);
  bool operator==(const Resources&) const = default;
};
nlohmann::ordered_json ToJson(const Resources& r);
Resources ResourcesFromJson(const nlohmann::json& j);  // throws FormatError naming the missing key

// The share of a resource a configuration may use on a board, and why (routing headroom, the
// overlay's or the shell's own share, ...). 0 on a resource the part does not have.
struct Cap {
  double max_utilization = 1.0;
  std::string reason;
};

// The memory system as the accelerator's AXI master sees it: what the SystemC virtual board models.
struct DramTiming {
  double read_latency_ns = 0;     // read address accepted to first data beat
  double write_latency_ns = 0;    // last write beat to write response
  double efficiency = 1.0;        // share of bandwidth_gbps a stream of bursts gets (refresh, turnarounds)
  int max_outstanding_reads = 8;  // read bursts the port accepts before it stalls the address channel
  std::string source;             // where the figures come from, or why they are what they are
};

struct Board {
  std::string name, part, family;  // family: yosys synth_xilinx -family (xc7, xcup)
  Resources available;             // device totals
  std::array<Cap, kNumResources> caps;
  double clock_mhz = 0;
  int bus_bits = 0;
  double bandwidth_gbps = 0;  // GB/s
  DramTiming dram;
  std::string memory, note;
  std::vector<std::string> sources;

  const Cap& CapOf(Resource r) const { return caps[size_t(r)]; }
  // The most a configuration may use: available x cap.
  double Limit(Resource r) const { return available.Get(r) * CapOf(r).max_utilization; }
};
nlohmann::ordered_json ToJson(const Board& b);

// The folder of the board files (boards/ in the source tree, or $DCOC_BOARDS_DIR).
std::filesystem::path BoardsDir();
std::vector<std::string> BoardNames();
// Throws UsageError naming the known boards, FormatError naming the file and the bad key.
Board LoadBoard(std::string_view name);
// `origin` names the source in errors. Every cap must lie in [0, 1] and carry a reason.
Board BoardFromJson(const nlohmann::json& j, std::string_view origin);

}  // namespace dcoc::boards
