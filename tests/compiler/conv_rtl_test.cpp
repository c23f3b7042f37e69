// Reduced versions of every built-in layer on the Verilator backend (LABELS rtl), bit-exact against the
// reference, with the default schedule and the largest-tile schedules of both threading options. Skips
// when this build has no Verilator backend.
//
// Programs are kept to at most kMaxInsns instructions: the RTL's fetch unit can deadlock a longer
// stream (it stalls the shared AXI read channel mid-burst when an instruction queue is full, so a load
// the blocked module waits for never gets its data). Remove the bound once the fetch unit is fixed.
#include <gtest/gtest.h>

#include <algorithm>

#include "host/runtime/device.h"
#include "tests/compiler/layer_sweep.h"

namespace dcoc::compiler {
namespace {

constexpr uint64_t kMaxInsns = 400;

bool HaveVerilator() {
  const auto b = runtime::Backends();
  return std::find(b.begin(), b.end(), "verilator") != b.end();
}

class RtlLayers : public ::testing::TestWithParam<std::string> {};

TEST_P(RtlLayers, ReducedLayersBitExactOnVerilator) {
  if (!HaveVerilator()) GTEST_SKIP() << "built without the Verilator backend";
  const spec::Spec sp = testing::PresetSpec(GetParam());
  const std::unique_ptr<runtime::Device> probe = runtime::CreateDevice("verilator", sp);
  int runs = 0;
  for (const ConvLayer& full : BuiltinLayers()) {
    const ConvLayer l = ReduceSpatially(full, 4, 64);
    for (const auto& [name, sched] : testing::SweepSchedules(l, sp)) {
      if (name != "default" && name != "largest" && name != "largest_h2" && name != "largest_oc2") continue;
      const ConvOperands ops = RandomOperands(l, sp, uint64_t(runs) + 1);
      const CompiledConv c = CompileConv(l, sched, sp, ops);
      if (c.program.insns.size() > kMaxInsns) continue;
      SCOPED_TRACE(l.name + " " + name + " " + ToString(sched));
      const std::unique_ptr<runtime::Device> dev = runtime::CreateDevice("verilator", sp);
      const runtime::ProgramRun run = runtime::RunProgram(*dev, c.program);
      EXPECT_TRUE(ReadOutput(l, c.program, run.dram, sp) == ReferenceOutput(l, ops, sp));
      EXPECT_GT(run.stats.cycles, 0u);
      ++runs;
    }
  }
  EXPECT_GT(runs, 40);
  RecordProperty("runs", runs);
}

INSTANTIATE_TEST_SUITE_P(Presets, RtlLayers,
                         ::testing::Values("default", "1x8x8", "2x16x32", "4x32x8", "1x32x32", "min"),
                         [](const auto& p) { return std::string(p.param); });

}  // namespace
}  // namespace dcoc::compiler
