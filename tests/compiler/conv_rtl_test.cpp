// Reduced versions of every built-in layer on the Verilator backend (LABELS rtl), bit-exact against the
// reference, with the default schedule and the largest-tile schedules of both threading options. Skips
// when this build has no Verilator backend.
#include <gtest/gtest.h>

#include <algorithm>

#include "host/compiler/eltwise.h"
#include "host/runtime/backends.h"
#include "tests/compiler/layer_sweep.h"

namespace dcoc::compiler {
namespace {

bool HaveVerilator() {
  const auto b = runtime::BuiltinBackends().Names();
  return std::find(b.begin(), b.end(), "verilator") != b.end();
}

class RtlLayers : public ::testing::TestWithParam<std::string> {};

TEST_P(RtlLayers, ReducedLayersBitExactOnVerilator) {
  if (!HaveVerilator()) GTEST_SKIP() << "built without the Verilator backend";
  const spec::Spec sp = testing::PresetSpec(GetParam());
  const std::unique_ptr<runtime::Device> probe = runtime::BuiltinBackends().Create("verilator", sp);
  int runs = 0;
  for (const ConvLayer& full : BuiltinLayers()) {
    const ConvLayer l = ReduceSpatially(full, 4, 64);
    for (const auto& [name, sched] : testing::SweepSchedules(l, sp)) {
      if (name != "default" && name != "largest" && name != "largest_h2" && name != "largest_oc2") continue;
      const ConvOperands ops = RandomOperands(l, sp, uint64_t(runs) + 1);
      const CompiledConv c = CompileConv(l, sched, sp, ops);
      SCOPED_TRACE(l.name + " " + name + " " + ToString(sched));
      const std::unique_ptr<runtime::Device> dev = runtime::BuiltinBackends().Create("verilator", sp);
      const runtime::ProgramRun run = runtime::RunProgram(*dev, c.program);
      EXPECT_TRUE(ReadOutput(l, c.program, run.dram, sp) == ReferenceOutput(l, ops, sp));
      EXPECT_GT(run.stats.cycles, 0u);
      ++runs;
    }
  }
  EXPECT_GT(runs, 40);
  RecordProperty("runs", runs);
}

TEST_P(RtlLayers, EltwiseAndPoolingBitExactOnVerilator) {
  if (!HaveVerilator()) GTEST_SKIP() << "built without the Verilator backend";
  const spec::Spec sp = testing::PresetSpec(GetParam());
  const reference::IntFormat f{sp.acc_bits, sp.out_bits};
  auto run = [&](const spec::Program& p, int n, int c, int h, int w) {
    const std::unique_ptr<runtime::Device> dev = runtime::BuiltinBackends().Create("verilator", sp);
    const runtime::ProgramRun r = runtime::RunProgram(*dev, p);
    return ReadTensor(p, r.dram, n, c, h, w, sp);
  };
  const reference::Tensor a = testing::RandomTensor(1, 40, 9, 9, -128, 127, 1), b = testing::RandomTensor(1, 40, 9, 9, -128, 127, 2);
  const auto rq = reference::Epilogue::Requant(1, false, sp.out_bits, false);
  EXPECT_EQ(run(CompileEltwise(EltwiseKind::kAdd, a, &b, rq, sp), 1, 40, 9, 9), reference::Add(a, b, rq, f));
  const reference::Tensor acc = testing::RandomTensor(1, 40, 9, 9, -100000, 100000, 3);
  const auto relu = reference::Epilogue::Requant(8, true, sp.out_bits, false);
  EXPECT_EQ(run(CompileEltwise(EltwiseKind::kUnary, acc, nullptr, relu, sp), 1, 40, 9, 9),
            reference::ShiftRequant(acc, 8, 0, 127, f));
  const reference::Tensor x = testing::RandomTensor(1, 40, 11, 11, -128, -1, 4);
  PoolLayer p;
  p.n = 1, p.c = 40, p.h = 11, p.w = 11, p.r = 3, p.s = 3;
  p.attrs = {2, 2, 1, 1};
  EXPECT_EQ(run(CompilePool(p, x, sp), 1, 40, p.OutH(), p.OutW()), reference::MaxPool2d(x, 3, 3, p.attrs, f));
  p.kind = PoolKind::kAvg;
  p.mul = 57;
  p.shift = 9;
  EXPECT_EQ(run(CompilePool(p, x, sp), 1, 40, p.OutH(), p.OutW()), reference::AvgPool2d(x, 3, 3, p.attrs, 57, 9, f));
}

// Full-size ResNet-18 layers (C2-C11) with the default schedule on the default configuration: cycles from
// the RTL, results bit-exact, and the 3x3 layers well above half of the ideal GEMM throughput.
TEST(RtlFullLayers, ResNet18DefaultSchedulesOnVerilator) {
  if (!HaveVerilator()) GTEST_SKIP() << "built without the Verilator backend";
  const spec::Spec sp = testing::PresetSpec("default");
  for (int i = 2; i <= 11; ++i) {
    const ConvLayer l = FindLayer("resnet18.C" + std::to_string(i));
    const ConvOperands ops = RandomOperands(l, sp, uint64_t(i));
    const CompiledConv c = CompileConv(l, DefaultSchedule(l, sp), sp, ops);
    SCOPED_TRACE(l.name);
    const std::unique_ptr<runtime::Device> dev = runtime::BuiltinBackends().Create("verilator", sp);
    const runtime::ProgramRun run = runtime::RunProgram(*dev, c.program);
    EXPECT_TRUE(ReadOutput(l, c.program, run.dram, sp) == ReferenceOutput(l, ops, sp));
    const double util = double(l.Macs()) / double(sp.MacsPerCycle()) / double(run.stats.cycles);
    EXPECT_LE(util, 1.0);
    if (l.r == 3) {
      EXPECT_GT(util, 0.8);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Presets, RtlLayers,
                         ::testing::Values("default", "1x8x8", "2x16x32", "4x32x8", "1x32x32", "min"),
                         [](const auto& p) { return std::string(p.param); });
// The GEMM multiplier implementations (GEMM_MAC lut, pack, mix): the same layers, bit-exact.
INSTANTIATE_TEST_SUITE_P(GemmMac, RtlLayers,
                         ::testing::Values("1x16_i8w8a32_15_15_18_17_lut", "1x16_i8w8a32_15_15_18_17_pack",
                                           "1x8_i8w8a32_13_14_16_16_mix16"),
                         [](const auto& p) { return std::string(p.param); });

}  // namespace
}  // namespace dcoc::compiler
