// The functional simulator as a Device: untimed (cycles stay 0), exact, and the reference for every
// other backend.
#include "host/runtime/fsim_device.h"

#include <chrono>

#include <fmt/format.h>

#include "host/common/error.h"
#include "host/spec/counters.h"
#include "host/spec/hw_constants.h"
#include "host/spec/routing.h"
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
  st.counters = CountersToMap(c, insns.size());
  return st;
}

void FsimDevice::Reset() {
  dram_.Clear();
  sim_->Reset();
}

void AddFsimBackend(Registry& r) {
  r.Add({"fsim", "the functional simulator: exact, the reference every other backend is checked against", false},
        [](const spec::Spec& s, const DeviceOptions&) -> std::unique_ptr<Device> { return std::make_unique<FsimDevice>(s); });
}

std::map<std::string, uint64_t> CountersToMap(const sim::Counters& c, size_t stream_insns) {
  std::map<std::string, uint64_t> m;
  // Only names of the counter table, and only those it marks as fsim's (a typo throws here, and
  // fsim_device_test checks that every fsim counter of the table is reported).
  auto set = [&m](const std::string& name, uint64_t v) {
    if (!spec::FindCounter(name).fsim)
      throw Error(fmt::format("internal error: counter {} is not an fsim counter of the table", name));
    m[name] = v;
  };
  set("fetch_insns", stream_insns);
  set("fetch_bytes_read", stream_insns * uint64_t(spec::kInsnBytes));
  for (int k = 0; k < spec::kNumModules; ++k)
    set(fmt::format("{}_insns", spec::Name(spec::Module(k))), c.insns[size_t(k)]);
  uint64_t by_module[spec::kNumModules] = {};
  for (int t = 0; t < spec::kNumMemTypes; ++t) {
    const spec::MemType type = spec::MemType(t);
    if (type == spec::MemType::kOut) continue;
    std::string name(spec::Name(type));
    for (auto& ch : name) ch = char(std::tolower(ch));
    set(name + "_bytes_read", c.load_bytes[size_t(t)]);
    set(name + "_pad_rows", c.pad_rows[size_t(t)]);
    spec::Instruction load;
    load.opcode = spec::Opcode::kLoad;
    load.memory_type = type;
    by_module[size_t(*spec::RouteOf(load))] += c.load_bytes[size_t(t)];
  }
  set("load_bytes_read", by_module[size_t(spec::Module::kLoad)]);
  set("compute_bytes_read", by_module[size_t(spec::Module::kCompute)]);
  set("store_bytes_written", c.store_bytes);
  set("gemm_uops", c.gemm_uops);
  set("alu_uops", c.alu_uops);
  for (int q = 0; q < spec::kNumTokenQueues; ++q)
    set(fmt::format("tokens_{}", spec::ShortName(spec::TokenQueue(q))), c.tokens[size_t(q)]);
  return m;
}

}  // namespace dcoc::runtime
