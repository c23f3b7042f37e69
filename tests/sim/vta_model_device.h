// The plain VTA model (vta_model.h) as a runtime::Device: a backend "vta-model" a test adds to its own
// Registry, so that whole networks compiled for the stock-VTA target run through the ordinary runtime
// (model::Executor, runtime::RunProgram) on a model that shares no code with fsim. Each run starts from
// fresh scratchpads (as a program may not rely on what an earlier one left). What VTA does not define,
// or does differently from dcoc, is an ExecError naming the instruction.
#pragma once

#include <memory>
#include <vector>

#include <fmt/format.h>

#include "host/common/error.h"
#include "host/runtime/device.h"
#include "host/runtime/dram.h"
#include "host/runtime/registry.h"
#include "tests/sim/vta_model.h"

namespace dcoc::sim::testing {

class VtaModelDevice final : public runtime::Device {
 public:
  VtaModelDevice(const spec::Spec& s, VtaModel::Flavour f) : spec_(s), flavour_(f) {}
  std::string_view Backend() const override { return "vta-model"; }
  const spec::Spec& spec() const override { return spec_; }
  uint64_t Alloc(uint64_t bytes, uint64_t align) override { return dram_.Alloc(bytes, align); }
  void Write(uint64_t addr, std::span<const uint8_t> bytes) override { dram_.Write(addr, bytes); }
  void Read(uint64_t addr, std::span<uint8_t> bytes) override { dram_.Read(addr, bytes); }

  runtime::RunStats Run(std::span<const spec::Instruction> insns, const runtime::RunOptions&) override {
    spec::Program p;
    p.config = spec_.config;
    p.insns.assign(insns.begin(), insns.end());
    p.dram = std::move(dram_.bytes());
    try {
      dram_.bytes() = VtaModel(spec_.config, flavour_).Run(p);
    } catch (const VtaModelError& e) {
      dram_.bytes() = std::move(p.dram);
      throw ExecError(fmt::format("the plain VTA model: {}", e.what()));
    }
    return {};
  }
  // Every run starts from fresh scratchpads already; only the memory is left to free.
  void Reset() override { dram_.Clear(); }

 private:
  spec::Spec spec_;
  VtaModel::Flavour flavour_;
  runtime::SimDram dram_;
};

// Adds "vta-model" (untimed): VTA's hardware designs by default, or its C++ simulator.
inline void AddVtaModelBackend(runtime::Registry& r, VtaModel::Flavour f = VtaModel::Flavour::kHardware) {
  r.Add({"vta-model", "a plain model of stock VTA's documented semantics (tests only)", false},
        [f](const spec::Spec& s, const runtime::DeviceOptions&) -> std::unique_ptr<runtime::Device> {
          return std::make_unique<VtaModelDevice>(s, f);
        });
}

}  // namespace dcoc::sim::testing
