#include "boards/board.h"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "host/common/error.h"

#ifndef DCOC_BOARDS_DIR
#error "DCOC_BOARDS_DIR must name boards/"
#endif

namespace dcoc::boards {

namespace fs = std::filesystem;

std::string_view Name(Resource r) {
  switch (r) {
    case Resource::kLut: return "lut";
    case Resource::kFf: return "ff";
    case Resource::kDsp: return "dsp";
    case Resource::kBram36: return "bram36";
    case Resource::kUram: return "uram";
  }
  return "?";
}

double Resources::Get(Resource r) const {
  switch (r) {
    case Resource::kLut: return lut;
    case Resource::kFf: return ff;
    case Resource::kDsp: return dsp;
    case Resource::kBram36: return bram36;
    case Resource::kUram: return uram;
  }
  return 0;
}

double& Resources::At(Resource r) {
  switch (r) {
    case Resource::kLut: return lut;
    case Resource::kFf: return ff;
    case Resource::kDsp: return dsp;
    case Resource::kBram36: return bram36;
    case Resource::kUram: return uram;
  }
  return lut;
}

nlohmann::ordered_json ToJson(const Resources& r) {
  nlohmann::ordered_json j;
  for (Resource k : kAllResources) j[std::string(Name(k))] = r.Get(k);
  j["lutram"] = r.lutram;
  return j;
}

Resources ResourcesFromJson(const nlohmann::json& j) {
  Resources r;
  for (Resource k : kAllResources) {
    const std::string key(Name(k));
    if (!j.contains(key) || !j.at(key).is_number())
      throw FormatError(fmt::format("resources: key \"{}\" is missing or not a number", key));
    r.At(k) = j.at(key).get<double>();
  }
  if (j.contains("lutram")) r.lutram = j.at("lutram").get<double>();
  return r;
}

nlohmann::ordered_json ToJson(const Board& b) {
  nlohmann::ordered_json j;
  j["name"] = b.name;
  j["part"] = b.part;
  j["family"] = b.family;
  j["resources"] = ToJson(b.available);
  j["resources"].erase("lutram");
  for (Resource r : kAllResources) {
    j["caps"][std::string(Name(r))]["max_utilization"] = b.CapOf(r).max_utilization;
    j["caps"][std::string(Name(r))]["reason"] = b.CapOf(r).reason;
  }
  j["clock_mhz"] = b.clock_mhz;
  j["bus_bits"] = b.bus_bits;
  j["bandwidth_gbps"] = b.bandwidth_gbps;
  j["dram"] = {{"read_latency_ns", b.dram.read_latency_ns},
               {"write_latency_ns", b.dram.write_latency_ns},
               {"efficiency", b.dram.efficiency},
               {"max_outstanding_reads", b.dram.max_outstanding_reads},
               {"source", b.dram.source}};
  j["memory"] = b.memory;
  j["sources"] = b.sources;
  j["note"] = b.note;
  return j;
}

fs::path BoardsDir() {
  if (const char* d = std::getenv("DCOC_BOARDS_DIR"); d && *d) return d;
  return fs::path(DCOC_BOARDS_DIR);
}

std::vector<std::string> BoardNames() {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(BoardsDir(), ec))
    if (e.path().extension() == ".json") names.push_back(e.path().stem().string());
  std::sort(names.begin(), names.end());
  return names;
}

Board BoardFromJson(const nlohmann::json& j, std::string_view origin) {
  try {
    Board b;
    b.name = j.at("name");
    b.part = j.at("part");
    b.family = j.at("family");
    b.memory = j.at("memory");
    b.available = ResourcesFromJson(j.at("resources"));
    const auto& caps = j.at("caps");
    for (Resource r : kAllResources) {
      const std::string key(Name(r));
      if (!caps.contains(key)) throw FormatError(fmt::format("caps: no cap for \"{}\"", key));
      Cap& c = b.caps[size_t(r)];
      c.max_utilization = caps.at(key).at("max_utilization").get<double>();
      c.reason = caps.at(key).at("reason").get<std::string>();
      if (!(c.max_utilization >= 0.0 && c.max_utilization <= 1.0))
        throw FormatError(fmt::format("caps.{}.max_utilization = {} is outside [0, 1]", key, c.max_utilization));
      if (c.reason.empty()) throw FormatError(fmt::format("caps.{}: the reason is empty; say why the cap is there", key));
    }
    b.clock_mhz = j.at("clock_mhz");
    b.bus_bits = j.at("bus_bits");
    b.bandwidth_gbps = j.at("bandwidth_gbps");
    const auto& d = j.at("dram");
    b.dram.read_latency_ns = d.at("read_latency_ns");
    b.dram.write_latency_ns = d.at("write_latency_ns");
    b.dram.efficiency = d.at("efficiency");
    b.dram.max_outstanding_reads = d.at("max_outstanding_reads");
    b.dram.source = d.at("source");
    if (!(b.dram.read_latency_ns >= 0 && b.dram.write_latency_ns >= 0))
      throw FormatError("dram: latencies must be >= 0 ns");
    if (!(b.dram.efficiency > 0 && b.dram.efficiency <= 1))
      throw FormatError(fmt::format("dram.efficiency = {} is outside (0, 1]", b.dram.efficiency));
    if (b.dram.max_outstanding_reads < 1)
      throw FormatError(fmt::format("dram.max_outstanding_reads = {} must be at least 1", b.dram.max_outstanding_reads));
    for (const auto& src : j.at("sources")) b.sources.push_back(src);
    if (j.contains("note")) b.note = j.at("note");
    return b;
  } catch (const nlohmann::json::exception& e) {
    throw FormatError(fmt::format("board {}: {}", origin, e.what()));
  } catch (const FormatError& e) {
    throw FormatError(fmt::format("board {}: {}", origin, e.what()));
  }
}

Board LoadBoard(std::string_view name) {
  const fs::path p = BoardsDir() / (std::string(name) + ".json");
  if (name.empty() || name.find('/') != std::string_view::npos || !fs::exists(p)) {
    std::string known;
    for (const auto& n : BoardNames()) known += (known.empty() ? "" : ", ") + n;
    throw UsageError(fmt::format("unknown board \"{}\" (known: {})", name, known));
  }
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(ss.str());
  } catch (const nlohmann::json::exception& e) {
    throw FormatError(fmt::format("board file {}: {}", p.string(), e.what()));
  }
  return BoardFromJson(j, p.string());
}

}  // namespace dcoc::boards
