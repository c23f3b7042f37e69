// Full-size ResNet-18 layers (C2-C11) compiled for stock VTA (--isa vta) with the default schedule on
// the Verilator backend: bit-exact against the reference, and costing more than the VTA++ lowering of the
// same schedule only by the epilogue's extra ALU passes (bias as reset + tensor ADD instead of MOV, MIN
// and MAX instead of CLIP: at most four more cycles per output row; docs/benchmarks.md has the figures).
// Slow: about a minute of RTL simulation. Skips when this build has no Verilator backend.
#include <gtest/gtest.h>

#include <algorithm>

#include "host/runtime/backends.h"
#include "tests/compiler/layer_sweep.h"

namespace dcoc::compiler {
namespace {

TEST(RtlFullLayersVta, ResNet18BitExactAndOnlyTheEpilogueCostsMore) {
  const auto names = runtime::BuiltinBackends().Names();
  if (std::find(names.begin(), names.end(), "verilator") == names.end())
    GTEST_SKIP() << "built without the Verilator backend";
  const spec::Spec sp = testing::PresetSpec("default");
  for (int i = 2; i <= 11; ++i) {
    ConvLayer plus = FindLayer("resnet18.C" + std::to_string(i));
    ConvLayer vta = plus;
    vta.isa = spec::Isa::kVta;
    SCOPED_TRACE(plus.name);
    const Schedule sched = DefaultSchedule(plus, sp);
    const ConvOperands ops = RandomOperands(plus, sp, uint64_t(i));
    uint64_t cycles[2] = {0, 0};
    for (int t = 0; t < 2; ++t) {
      const ConvLayer& l = t ? vta : plus;
      const CompiledConv c = CompileConv(l, sched, sp, ops);
      const std::unique_ptr<runtime::Device> dev = runtime::BuiltinBackends().Create("verilator", sp);
      const runtime::ProgramRun run = runtime::RunProgram(*dev, c.program);
      EXPECT_TRUE(ReadOutput(l, c.program, run.dram, sp) == ReferenceOutput(l, ops, sp));
      cycles[t] = run.stats.cycles;
    }
    const uint64_t out_rows = uint64_t(plus.k / sp.block_out) * uint64_t(plus.OutH()) * uint64_t(plus.OutW());
    EXPECT_GT(cycles[1], cycles[0]);
    EXPECT_LE(cycles[1] - cycles[0], 4 * out_rows);
  }
}

}  // namespace
}  // namespace dcoc::compiler
