#include "host/runtime/device.h"

#include <algorithm>

#include <fmt/format.h>

#include "host/common/error.h"
#include "host/runtime/dram.h"
#include "host/runtime/fsim_device.h"

namespace dcoc::runtime {

uint64_t SimDram::Alloc(uint64_t bytes, uint64_t align) {
  if (align == 0 || (align & (align - 1)) != 0)
    throw UsageError(fmt::format("allocation alignment {} is not a power of two", align));
  const uint64_t addr = (mem_.size() + align - 1) & ~(align - 1);
  constexpr uint64_t kMaxBytes = uint64_t(1) << 34;  // 16 GiB: far beyond any simulated board
  if (bytes > kMaxBytes || addr + bytes > kMaxBytes)
    throw UsageError(fmt::format("device allocation of {} bytes at {} exceeds the simulated DRAM limit of {} bytes",
                                 bytes, addr, kMaxBytes));
  mem_.resize(size_t(addr + bytes), 0);
  return addr;
}

void SimDram::Write(uint64_t addr, std::span<const uint8_t> bytes) {
  if (addr > mem_.size() || bytes.size() > mem_.size() - addr)
    throw UsageError(fmt::format("device write of {} bytes at {} is outside the {} allocated bytes", bytes.size(), addr,
                                 mem_.size()));
  std::copy(bytes.begin(), bytes.end(), mem_.begin() + std::ptrdiff_t(addr));
}

void SimDram::Read(uint64_t addr, std::span<uint8_t> bytes) const {
  if (addr > mem_.size() || bytes.size() > mem_.size() - addr)
    throw UsageError(fmt::format("device read of {} bytes at {} is outside the {} allocated bytes", bytes.size(), addr,
                                 mem_.size()));
  std::copy_n(mem_.begin() + std::ptrdiff_t(addr), bytes.size(), bytes.begin());
}

using Factory = std::unique_ptr<Device> (*)(const spec::Spec&);

namespace {
struct BackendEntry {
  std::string_view name;
  Factory make;
};
std::vector<BackendEntry>& Registry() {
  static std::vector<BackendEntry> r = {
      {"fsim", [](const spec::Spec& s) -> std::unique_ptr<Device> { return std::make_unique<FsimDevice>(s); }},
  };
  return r;
}
}  // namespace

// Backends compiled in optionally (verilator, ...) add themselves through this hook.
void RegisterBackend(std::string_view name, Factory make) { Registry().push_back({name, make}); }

std::vector<std::string> Backends() {
  std::vector<std::string> out;
  for (const auto& e : Registry()) out.emplace_back(e.name);
  return out;
}

std::unique_ptr<Device> CreateDevice(std::string_view backend, const spec::Spec& spec) {
  for (const auto& e : Registry())
    if (e.name == backend) return e.make(spec);
  std::string names;
  for (const auto& e : Registry()) names += fmt::format("{}{}", names.empty() ? "" : ", ", e.name);
  throw UsageError(fmt::format("unknown backend \"{}\" (this build has: {})", backend, names));
}

ProgramRun RunProgram(Device& dev, const spec::Program& p, const RunOptions& opts) {
  if (spec::ConfigTag(p.config) != dev.spec().tag)
    throw UsageError(fmt::format("program was built for configuration {}, the device is {}", spec::ConfigTag(p.config),
                                 dev.spec().tag));
  const uint64_t base = dev.Alloc(p.dram.size(), 64);
  if (base != 0) throw UsageError("RunProgram needs a fresh device (its DRAM image must start at address 0)");
  dev.Write(0, p.dram);
  ProgramRun r;
  r.stats = dev.Run(p.insns, opts);
  r.dram.resize(p.dram.size());
  dev.Read(0, r.dram);
  return r;
}

}  // namespace dcoc::runtime
