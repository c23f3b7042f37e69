// The static program analysis agrees with what fsim counts when it runs the program.
#include "host/compiler/analysis.h"

#include <gtest/gtest.h>

#include "tests/compiler/test_util.h"

namespace dcoc::compiler {
namespace {

TEST(Analysis, MatchesFsimCountersAndBounds) {
  for (const char* cfg : {"default", "2x16x32", "min"}) {
    const spec::Spec sp = testing::PresetSpec(cfg);
    const ConvLayer l = ReduceSpatially(FindLayer("resnet18.C3"), 6, 48);
    const ConvOperands ops = RandomOperands(l, sp, 3);
    const CompiledConv c = CompileConv(l, DefaultSchedule(l, sp), sp, ops);
    const ProgramStats st = Analyze(c.program, sp);
    const sim::FsimResult r = sim::RunProgram(c.program);
    EXPECT_EQ(st.gemm_uops, r.counters.gemm_uops) << cfg;
    EXPECT_EQ(st.alu_uops, r.counters.alu_uops) << cfg;
    EXPECT_EQ(st.store_bytes, r.counters.store_bytes) << cfg;
    for (size_t m = 0; m < 4; ++m) EXPECT_EQ(st.load_bytes[m], r.counters.load_bytes[m]) << cfg << " memory type " << m;
    EXPECT_EQ(st.insns, c.program.insns.size());
    const Bounds b = BoundsFor(l.Macs(), st, sp);
    EXPECT_DOUBLE_EQ(b.ideal_cycles, double(l.Macs()) / double(sp.MacsPerCycle()));
    EXPECT_DOUBLE_EQ(b.memory_cycles, double(st.DramBytes()) / sp.bus_bytes);
    EXPECT_EQ(b.roofline_cycles, std::max(b.ideal_cycles, b.memory_cycles));
    // A GEMM micro-op does BATCH x BLOCK_IN x BLOCK_OUT MACs: at least the layer's MACs are executed.
    EXPECT_GE(double(st.gemm_uops), b.ideal_cycles);
  }
}

}  // namespace
}  // namespace dcoc::compiler
