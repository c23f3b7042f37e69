// The functional simulator as a Device: untimed (cycles stay 0), exact, and the reference for every
// other backend.
#include "host/runtime/fsim_device.h"

#include <chrono>

#include <fmt/format.h>

#include "host/common/error.h"
#include "sim/fsim/fsim.h"

namespace dcoc::runtime {

FsimDevice::FsimDevice(const spec::Spec& spec) : spec_(spec), sim_(std::make_unique<sim::Fsim>(spec)) {}
FsimDevice::~FsimDevice() = default;

RunStats FsimDevice::Run(std::span<const spec::Instruction> insns, const RunOptions& opts) {
  const auto t0 = std::chrono::steady_clock::now();
  sim::FsimOptions fo;
  fo.seed = opts.seed;
  const sim::Counters c = sim_->Run(insns, dram_.bytes(), fo);
  RunStats st;
  st.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  st.counters = CountersToMap(c);
  return st;
}

void AddFsimBackend(Registry& r) {
  r.Add({"fsim", "the functional simulator: exact, the reference every other backend is checked against", false},
        [](const spec::Spec& s, const DeviceOptions&) -> std::unique_ptr<Device> { return std::make_unique<FsimDevice>(s); });
}

std::map<std::string, uint64_t> CountersToMap(const sim::Counters& c) {
  std::map<std::string, uint64_t> m;
  for (int k = 0; k < sim::kNumModules; ++k) m[fmt::format("insns.{}", sim::Name(sim::Module(k)))] = c.insns[size_t(k)];
  for (int t = 0; t < spec::kNumMemTypes; ++t) {
    if (spec::MemType(t) == spec::MemType::kOut) continue;
    std::string name(spec::Name(spec::MemType(t)));
    for (auto& ch : name) ch = char(std::tolower(ch));
    m["load_bytes." + name] = c.load_bytes[size_t(t)];
    m["pad_rows." + name] = c.pad_rows[size_t(t)];
  }
  m["store_bytes"] = c.store_bytes;
  m["gemm_uops"] = c.gemm_uops;
  m["alu_uops"] = c.alu_uops;
  for (int q = 0; q < sim::kNumTokenQueues; ++q)
    m[fmt::format("tokens.{}", sim::Name(sim::TokenQueue(q)))] = c.tokens[size_t(q)];
  return m;
}

}  // namespace dcoc::runtime
