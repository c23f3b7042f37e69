// Shared helpers of the compiler tests: run a compiled layer on fsim and compare with the reference.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>

#include "host/compiler/conv.h"
#include "host/compiler/workloads.h"
#include "host/spec/hw_config.h"
#include "sim/fsim/fsim.h"

namespace dcoc::compiler::testing {

inline spec::Spec PresetSpec(std::string_view name) { return spec::Spec::Create(spec::LoadConfig(name)); }

// An n x c x h x w tensor of values drawn uniformly from [lo, hi], reproducible by seed.
inline reference::Tensor RandomTensor(int n, int c, int h, int w, int32_t lo, int32_t hi, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<int32_t> d(lo, hi);
  reference::Tensor t(n, c, h, w);
  for (auto& v : t.data) v = d(rng);
  return t;
}

// Compiles, runs on fsim (optionally with a random interleaving), and compares bit-exactly.
inline ::testing::AssertionResult RunsBitExact(const ConvLayer& layer, const Schedule& sched, const spec::Spec& sp,
                                               uint64_t seed = 1, bool random_interleave = false) {
  const ConvOperands ops = RandomOperands(layer, sp, seed);
  const CompiledConv c = CompileConv(layer, sched, sp, ops);
  sim::FsimOptions o;
  o.interleave = random_interleave ? sim::Interleave::kRandom : sim::Interleave::kDeterministic;
  o.seed = seed;
  const sim::FsimResult r = sim::RunProgram(c.program, o);
  const reference::Tensor got = ReadOutput(layer, c.program, r.dram, sp);
  const reference::Tensor want = ReferenceOutput(layer, ops, sp);
  if (got == want) return ::testing::AssertionSuccess();
  size_t bad = 0, first = 0;
  for (size_t i = 0; i < got.data.size(); ++i)
    if (got.data[i] != want.data[i]) {
      if (bad == 0) first = i;
      ++bad;
    }
  return ::testing::AssertionFailure() << layer.Describe() << " schedule " << ToString(sched) << " on " << sp.tag
                                       << ": " << bad << " of " << got.data.size() << " outputs differ, first at "
                                       << first << " (got " << got.data[first] << ", want " << want.data[first] << ")";
}

}  // namespace dcoc::compiler::testing
