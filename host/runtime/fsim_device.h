#pragma once

#include <map>
#include <memory>
#include <string>

#include "host/runtime/device.h"
#include "host/runtime/dram.h"
#include "host/runtime/registry.h"

namespace dcoc::sim {
class Fsim;
struct Counters;
}  // namespace dcoc::sim

namespace dcoc::runtime {

class FsimDevice final : public Device {
 public:
  explicit FsimDevice(const spec::Spec& spec);
  ~FsimDevice() override;
  std::string_view Backend() const override { return "fsim"; }
  const spec::Spec& spec() const override { return spec_; }
  uint64_t Alloc(uint64_t bytes, uint64_t align) override { return dram_.Alloc(bytes, align); }
  void Write(uint64_t addr, std::span<const uint8_t> bytes) override { dram_.Write(addr, bytes); }
  void Read(uint64_t addr, std::span<uint8_t> bytes) override { dram_.Read(addr, bytes); }
  RunStats Run(std::span<const spec::Instruction> insns, const RunOptions& opts) override;
  void Reset() override;

 private:
  spec::Spec spec_;
  std::unique_ptr<sim::Fsim> sim_;
  SimDram dram_;
};

// Adds "fsim" (untimed, exact: the reference every other backend is compared with).
void AddFsimBackend(Registry& r);

// fsim's counters of a run of `stream_insns` instructions, under the names of the counter table
// (host/spec/counters.h): every counter the table marks as fsim's.
std::map<std::string, uint64_t> CountersToMap(const sim::Counters& c, size_t stream_insns);

}  // namespace dcoc::runtime
