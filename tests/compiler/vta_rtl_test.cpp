// The stock-VTA target on the Verilator backend: reduced versions of every built-in layer (default
// schedules) and the element-wise and pooling operators, bit-exact against the reference, on each preset
// a VTA bitstream has. Full-size ResNet-18 layers are in vta_full_rtl_test.cpp (slow). Skips when this
// build has no Verilator backend.
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

runtime::ProgramRun OnVerilator(const spec::Program& p, const spec::Spec& sp) {
  const std::unique_ptr<runtime::Device> dev = runtime::BuiltinBackends().Create("verilator", sp);
  return runtime::RunProgram(*dev, p);
}

class RtlVta : public ::testing::TestWithParam<std::string> {};

TEST_P(RtlVta, ReducedZooLayersBitExactOnVerilator) {
  if (!HaveVerilator()) GTEST_SKIP() << "built without the Verilator backend";
  const spec::Spec sp = testing::PresetSpec(GetParam());
  int runs = 0;
  for (const ConvLayer& full : BuiltinLayers()) {
    ConvLayer l = ReduceSpatially(full, 4, 64);
    l.isa = spec::Isa::kVta;
    const ConvOperands ops = RandomOperands(l, sp, uint64_t(runs) + 1);
    const CompiledConv c = CompileConv(l, DefaultSchedule(l, sp), sp, ops);
    SCOPED_TRACE(l.name);
    const runtime::ProgramRun run = OnVerilator(c.program, sp);
    EXPECT_TRUE(ReadOutput(l, c.program, run.dram, sp) == ReferenceOutput(l, ops, sp));
    EXPECT_GT(run.stats.cycles, 0u);
    ++runs;
  }
  EXPECT_GT(runs, 20);
}

TEST_P(RtlVta, EltwiseAndPoolingBitExactOnVerilator) {
  if (!HaveVerilator()) GTEST_SKIP() << "built without the Verilator backend";
  const spec::Spec sp = testing::PresetSpec(GetParam());
  const reference::IntFormat f{sp.acc_bits, sp.out_bits};
  auto run = [&](const spec::Program& p, int n, int c, int h, int w) {
    return ReadTensor(p, OnVerilator(p, sp).dram, n, c, h, w, sp);
  };
  const reference::Tensor a = testing::RandomTensor(1, 40, 9, 9, -128, 127, 1), b = testing::RandomTensor(1, 40, 9, 9, -128, 127, 2);
  const auto rq = reference::Epilogue::Requant(1, false, sp.out_bits, false);
  EXPECT_EQ(run(CompileEltwise(EltwiseKind::kAdd, a, &b, rq, sp, spec::Isa::kVta), 1, 40, 9, 9),
            reference::Add(a, b, rq, f));
  const reference::Tensor acc = testing::RandomTensor(1, 40, 9, 9, -100000, 100000, 3);
  const auto relu = reference::Epilogue::Requant(18, true, sp.out_bits, false);
  EXPECT_EQ(run(CompileEltwise(EltwiseKind::kUnary, acc, nullptr, relu, sp, spec::Isa::kVta), 1, 40, 9, 9),
            reference::ShiftRequant(acc, 18, 0, 127, f));
  const reference::Tensor x = testing::RandomTensor(1, 40, 11, 11, -200, -1, 4);
  PoolLayer p;
  p.n = 1, p.c = 40, p.h = 11, p.w = 11, p.r = 3, p.s = 3;
  p.attrs = {2, 2, 1, 1};
  p.isa = spec::Isa::kVta;
  EXPECT_EQ(run(CompilePool(p, x, sp), 1, 40, p.OutH(), p.OutW()), reference::MaxPool2d(x, 3, 3, p.attrs, f));
  p.kind = PoolKind::kAvg;
  p.mul = 57;
  p.shift = 9;
  EXPECT_EQ(run(CompilePool(p, x, sp), 1, 40, p.OutH(), p.OutW()), reference::AvgPool2d(x, 3, 3, p.attrs, 57, 9, f));
}

INSTANTIATE_TEST_SUITE_P(Presets, RtlVta, ::testing::Values("default", "1x8x8", "1x32x32"),
                         [](const auto& p) { return std::string(p.param); });

}  // namespace
}  // namespace dcoc::compiler
