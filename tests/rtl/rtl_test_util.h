// Helpers for the RTL tests: run a Program on the verilated RTL and on fsim, compare outputs.
#pragma once

#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "host/common/error.h"
#include "host/spec/isa.h"
#include "host/spec/program.h"
#include "sim/fsim/fsim.h"
#include "sim/progen/progen.h"
#include "sim/verilator/harness.h"

namespace dcoc::test {

struct RtlRun {
  std::vector<uint8_t> dram;
  sim::HarnessResult result;
};

// Places the encoded stream after the program's image (64-byte aligned) and runs it to FINISH.
inline RtlRun RunOnRtl(sim::Harness& h, const spec::Program& p, const sim::HarnessOptions& o = {}) {
  const spec::Spec& s = h.spec();
  const std::vector<uint8_t> stream = spec::EncodeStream(s.isa, p.insns);
  const uint64_t insn_addr = (p.dram.size() + 63) / 64 * 64;
  h.dram() = p.dram;
  h.dram().resize(size_t(insn_addr), 0);
  h.dram().insert(h.dram().end(), stream.begin(), stream.end());
  RtlRun r;
  r.result = h.Run(insn_addr, uint32_t(p.insns.size()), o);
  r.dram.assign(h.dram().begin(), h.dram().begin() + std::ptrdiff_t(p.dram.size()));
  return r;
}

// First differing byte of every output region, or "" when all match.
inline std::string CompareOutputs(const spec::Program& p, const std::vector<uint8_t>& ref,
                                  const std::vector<uint8_t>& got) {
  std::string diff;
  for (const spec::Region& r : p.regions) {
    if (r.kind != spec::RegionKind::kOutput) continue;
    for (uint64_t i = 0; i < r.bytes; ++i) {
      const size_t a = size_t(r.offset + i);
      if (ref[a] != got[a]) {
        diff += fmt::format("region {} byte {} (address {:#x}): fsim {:#04x}, rtl {:#04x}; ", r.name, i, a, ref[a], got[a]);
        break;
      }
    }
  }
  return diff;
}

// Runs `n` random programs (seeds seed0, seed0+1, ...) on fsim and on the RTL of `config`; fails on
// the first difference. Returns the RTL cycles summed over the programs.
inline uint64_t RunDiff(const std::string& config, int n, uint64_t seed0, const sim::ModelOptions& mo = {}) {
  const spec::Spec s = spec::Spec::Create(spec::LoadConfig(config));
  sim::Harness h(s, sim::CreateVtaModel(s, mo));
  uint64_t cycles = 0;
  for (int i = 0; i < n; ++i) {
    const uint64_t seed = seed0 + uint64_t(i);
    const spec::Program p = sim::GenerateRandomProgram(s.config, seed);
    const sim::FsimResult ref = sim::RunProgram(p);
    RtlRun got;
    try {
      got = RunOnRtl(h, p);
    } catch (const Error& e) {
      ADD_FAILURE() << config << " seed " << seed << ": " << e.what();
      return cycles;
    }
    const std::string diff = CompareOutputs(p, ref.dram, got.dram);
    if (!diff.empty()) {
      ADD_FAILURE() << config << " seed " << seed << " (" << p.insns.size() << " instructions): " << diff;
      return cycles;
    }
    cycles += got.result.cycles;
  }
  return cycles;
}

}  // namespace dcoc::test
