// A Program is everything a backend needs to run and check one instruction stream: the configuration,
// the instructions, the DRAM image (micro-ops, inputs, weights) and the named regions of that image.
// The container format (docs/program-format.md) lets any failing program be replayed anywhere.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "host/spec/hw_config.h"
#include "host/spec/isa.h"

namespace dcoc::spec {

enum class RegionKind : uint8_t { kUop, kInput, kWeight, kAcc, kOutput };
std::string_view Name(RegionKind k);

// A byte range of the DRAM image. Output regions are what a run produces and what digests compare.
struct Region {
  std::string name;
  RegionKind kind = RegionKind::kInput;
  uint64_t offset = 0;
  uint64_t bytes = 0;
  bool operator==(const Region&) const = default;
};

struct Program {
  HwConfig config;
  std::vector<Instruction> insns;
  std::vector<uint8_t> dram;
  std::vector<Region> regions;
  std::string description;

  const Region* FindRegion(std::string_view name) const;
  bool operator==(const Program&) const = default;
};

// Container: "DCOCPRG1", u32 version, u32 section count, then sections {char tag[4], u32 0, u64 length,
// payload} (CONF json, INSN raw words, DRAM bytes, REGN json, META json), then "FNV1" + u64 FNV-1a of all
// preceding bytes. All integers little-endian.
std::vector<uint8_t> Serialize(const Program& p);
// Throws FormatError naming what is wrong (truncation, checksum, section, region bounds, instruction).
Program Deserialize(std::span<const uint8_t> bytes);

void SaveProgram(const Program& p, const std::filesystem::path& path);
Program LoadProgram(const std::filesystem::path& path);

std::vector<uint8_t> ReadFile(const std::filesystem::path& path);
void WriteFile(const std::filesystem::path& path, std::span<const uint8_t> bytes);

// Digest of one region's bytes in a DRAM image, as printed by every backend for comparison.
std::string RegionDigest(std::span<const uint8_t> dram, const Region& r);

}  // namespace dcoc::spec
