// The stock-VTA target (ConvLayer::isa, PoolLayer::isa, CompileEltwise's isa): every program uses only
// stock VTA's subset, passes the program checker and fsim with the target's rules, matches the
// reference bit for bit, and gives the same bytes on a plain model of VTA written from VTA's sources
// (tests/sim/vta_model.h), which shares no code with fsim.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "host/common/error.h"
#include "host/compiler/eltwise.h"
#include "sim/progen/hazards.h"
#include "tests/compiler/layer_sweep.h"
#include "tests/sim/vta_model.h"

namespace dcoc::compiler {
namespace {

using ::testing::HasSubstr;
using reference::Tensor;
using sim::testing::VtaModel;
using testing::PresetSpec;

ConvLayer ForVta(ConvLayer l) {
  l.isa = spec::Isa::kVta;
  return l;
}

// The program uses stock VTA's subset (statically and while it runs) and runs alike on fsim and on the
// VTA model; returns fsim's final DRAM image.
std::vector<uint8_t> RunOnVta(const spec::Program& p, uint64_t seed = 1) {
  const spec::Spec s = spec::Spec::Create(p.config);
  for (size_t i = 0; i < p.insns.size(); ++i)
    EXPECT_EQ(spec::VtaInsnProblem(s, p.insns[i]), std::nullopt) << "instruction " << i;
  for (const sim::Hazard& h : sim::FindHazards(p, 8, spec::Isa::kVta))
    ADD_FAILURE() << sim::Name(h.kind) << ": " << h.message;
  sim::FsimOptions o;
  o.isa = spec::Isa::kVta;
  o.interleave = sim::Interleave::kRandom;
  o.seed = seed;
  const sim::FsimResult r = sim::RunProgram(p, o);
  std::vector<uint8_t> vta;
  try {
    vta = VtaModel(p.config, VtaModel::Flavour::kHardware).Run(p);
  } catch (const sim::testing::VtaModelError& e) {
    ADD_FAILURE() << "the VTA model rejects the program: " << e.what();
    return r.dram;
  }
  EXPECT_TRUE(vta == r.dram) << "fsim and the VTA model disagree on " << p.description;
  return r.dram;
}

::testing::AssertionResult VtaLayerBitExact(const ConvLayer& l, const Schedule& sched, const spec::Spec& sp,
                                            uint64_t seed = 1) {
  const ConvOperands ops = RandomOperands(l, sp, seed);
  const CompiledConv c = CompileConv(l, sched, sp, ops);
  const std::vector<uint8_t> dram = RunOnVta(c.program, seed);
  const Tensor got = ReadOutput(l, c.program, dram, sp);
  const Tensor want = ReferenceOutput(l, ops, sp);
  if (got == want) return ::testing::AssertionSuccess();
  size_t bad = 0;
  for (size_t i = 0; i < got.data.size(); ++i) bad += got.data[i] != want.data[i];
  return ::testing::AssertionFailure() << l.Describe() << " " << ToString(sched) << " on " << sp.tag << ": " << bad
                                       << " of " << got.data.size() << " outputs differ";
}

std::vector<std::string> VtaPresets() { return {"default", "1x8x8", "1x32x32"}; }

// Every built-in layer, reduced, with the sweep's schedules, on each preset a VTA bitstream has.
class VtaSweep : public ::testing::TestWithParam<std::string> {};

TEST_P(VtaSweep, EveryZooLayerReducedBitExactAndAsOnVta) {
  const spec::Spec sp = PresetSpec(GetParam());
  int runs = 0;
  for (const ConvLayer& full : BuiltinLayers()) {
    const ConvLayer l = ForVta(ReduceSpatially(full, 4, 64));
    for (const auto& [name, sched] : testing::SweepSchedules(l, sp)) {
      SCOPED_TRACE(l.name + " " + name);
      EXPECT_TRUE(VtaLayerBitExact(l, sched, sp, uint64_t(runs) + 1));
      ++runs;
    }
  }
  EXPECT_GT(runs, 50);
}

INSTANTIATE_TEST_SUITE_P(Presets, VtaSweep, ::testing::ValuesIn(VtaPresets()), [](const auto& p) { return p.param; });

ConvLayer Small(int c, int h, int k, int r, int stride, int pad) {
  ConvLayer l;
  l.name = "small";
  l.c = c, l.h = l.w = h, l.k = k, l.r = l.s = r, l.stride_h = l.stride_w = stride, l.pad_h = l.pad_w = pad;
  l.isa = spec::Isa::kVta;
  return l;
}

TEST(VtaTarget, EpilogueFormsWithoutClipMovOrLargeShifts) {
  const spec::Spec sp = PresetSpec("default");
  ConvLayer l = Small(32, 6, 32, 3, 1, 1);
  for (int shift : {0, 5, 15, 16, 20, 31, -3, -20, 40}) {
    for (bool relu : {false, true}) {
      l.epilogue = reference::Epilogue::Requant(shift, relu, sp.out_bits, shift % 2 == 0);
      SCOPED_TRACE(fmt::format("shift {} relu {}", shift, relu));
      EXPECT_TRUE(VtaLayerBitExact(l, DefaultSchedule(l, sp), sp));
    }
  }
  // Per-output-channel shifts in [0, 15] are a tensor SHR, which every VTA shifts alike.
  l.epilogue = reference::Epilogue::Requant(0, false, sp.out_bits, true);
  for (int k = 0; k < l.k; ++k) l.epilogue.channel_shift.push_back(k % 16);
  EXPECT_TRUE(VtaLayerBitExact(l, DefaultSchedule(l, sp), sp));
}

TEST(VtaTarget, TilesOfPaddingOnlyReachTheOutBuffer) {
  // A 1x1 kernel with padding 1: the border outputs see only padding, so their tiles get no GEMM; without
  // bias or requantization only an ALU pass makes VTA's out buffer hold their zeros.
  const spec::Spec sp = PresetSpec("default");
  ConvLayer l = Small(16, 4, 16, 1, 1, 1);
  l.epilogue = reference::Epilogue{};
  Schedule s;
  s.tile_h = s.tile_w = 1;
  EXPECT_TRUE(VtaLayerBitExact(l, s, sp));
}

TEST(VtaTarget, BiasIsAResetAndAnAddInsteadOfAMov) {
  const spec::Spec sp = PresetSpec("default");
  ConvLayer vta = Small(32, 6, 32, 3, 1, 1);
  vta.epilogue = reference::Epilogue::Requant(8, false, sp.out_bits, true);
  ConvLayer plus = vta;
  plus.isa = spec::Isa::kVtaPlus;
  const Schedule s = DefaultSchedule(vta, sp);
  auto count = [&](const ConvLayer& l, auto pred) {
    int n = 0;
    for (const spec::Instruction& i : CompileConv(l, s, sp, RandomOperands(l, sp, 1)).program.insns) n += pred(i);
    return n;
  };
  auto is = [](spec::AluOp op) {
    return [op](const spec::Instruction& i) { return i.opcode == spec::Opcode::kAlu && i.alu_opcode == op; };
  };
  const auto resets = [](const spec::Instruction& i) { return i.opcode == spec::Opcode::kGemm && i.reset; };
  EXPECT_GT(count(plus, is(spec::AluOp::kMov)), 0);
  EXPECT_GT(count(plus, is(spec::AluOp::kClip)), 0);
  EXPECT_EQ(count(vta, is(spec::AluOp::kMov)), 0);
  EXPECT_EQ(count(vta, is(spec::AluOp::kClip)), 0);
  EXPECT_EQ(count(vta, resets), count(plus, is(spec::AluOp::kMov)));
  EXPECT_EQ(count(vta, is(spec::AluOp::kAdd)), count(plus, is(spec::AluOp::kMov)));
  EXPECT_GT(EstimateCost(vta, s, sp).alu_cycles, EstimateCost(plus, s, sp).alu_cycles);
}

TEST(VtaTarget, CheckerRejectsWhatStockVtaCannotRun) {
  ConvLayer l = Small(32, 6, 32, 3, 1, 1);
  const spec::Spec wide = PresetSpec("2x16x32");
  const std::vector<Violation> v = Check(l, DefaultSchedule(l, PresetSpec("default")), wide);
  ASSERT_FALSE(v.empty());
  EXPECT_EQ(v[0].name, "isa_config");
  EXPECT_THAT(v[0].message, HasSubstr("has no stock VTA bitstream: BLOCK_IN = 16 and BLOCK_OUT = 32 differ"));
  EXPECT_EQ(ScheduleSpace(l, wide).CountValid(), 0u);
  l.isa = spec::Isa::kVtaPlus;
  EXPECT_GT(ScheduleSpace(l, wide).CountValid(), 0u);

  ConvLayer shifts = Small(32, 6, 32, 3, 1, 1);
  shifts.epilogue.channel_shift.assign(32, 4);
  shifts.epilogue.channel_shift[7] = 16;
  const spec::Spec sp = PresetSpec("default");
  const std::optional<Violation> first = FirstViolation(shifts, Schedule{}, sp);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->name, "isa_channel_shift");
  EXPECT_THAT(first->message, HasSubstr("output channel 7 shifts by 16"));
  EXPECT_THROW((void)CompileConv(shifts, Schedule{}, sp, RandomOperands(shifts, sp, 1)), ScheduleError);
  EXPECT_THROW((void)DefaultSchedule(shifts, sp), UsageError);
}

TEST(VtaTarget, TheTargetIsPartOfTheTaskAndItsJson) {
  ConvLayer l = Small(32, 6, 32, 3, 1, 1);
  EXPECT_THAT(TaskKey(l), ::testing::EndsWith(":isa=vta"));
  ConvLayer plus = l;
  plus.isa = spec::Isa::kVtaPlus;
  EXPECT_EQ(TaskKey(plus) + ":isa=vta", TaskKey(l));
  EXPECT_FALSE(ToJson(plus).contains("isa"));
  EXPECT_EQ(ToJson(l)["isa"], "vta");
  const ConvLayer back = LayerFromJson(ToJson(l));
  EXPECT_EQ(back.isa, spec::Isa::kVta);
  EXPECT_EQ(LayerFromJson(ToJson(plus)).isa, spec::Isa::kVtaPlus);
  nlohmann::json bad = ToJson(l);
  bad["isa"] = "vta2";
  EXPECT_THROW((void)LayerFromJson(bad), UsageError);
}

using testing::RandomTensor;

class VtaEltwise : public ::testing::TestWithParam<std::string> {
 protected:
  spec::Spec sp = PresetSpec(GetParam());
  reference::IntFormat fmt{sp.acc_bits, sp.out_bits};
  Tensor Run(const spec::Program& p, int n, int c, int h, int w) {
    for (const spec::Instruction& i : p.insns) {
      if (i.opcode == spec::Opcode::kAlu) {
        EXPECT_NE(i.alu_opcode, spec::AluOp::kMul);
      }
    }
    return ReadTensor(p, RunOnVta(p), n, c, h, w, sp);
  }
};

TEST_P(VtaEltwise, AddReluClipShiftAndCopy) {
  const Tensor a = RandomTensor(2, 37, 9, 11, -128, 127, 1), b = RandomTensor(2, 37, 9, 11, -128, 127, 2);
  const auto e = reference::Epilogue::Requant(1, false, sp.out_bits, false);
  EXPECT_EQ(Run(CompileEltwise(EltwiseKind::kAdd, a, &b, e, sp, spec::Isa::kVta), 2, 37, 9, 11),
            reference::Add(a, b, e, fmt));
  const Tensor acc = RandomTensor(1, 70, 13, 13, -200000, 200000, 3);
  const auto rq = reference::Epilogue::Requant(19, true, sp.out_bits, false);
  EXPECT_EQ(Run(CompileEltwise(EltwiseKind::kUnary, acc, nullptr, rq, sp, spec::Isa::kVta), 1, 70, 13, 13),
            reference::ShiftRequant(acc, 19, 0, 127, fmt));
  // No requantization at all: the rows pass through the ALU so VTA's out buffer holds them.
  EXPECT_EQ(Run(CompileEltwise(EltwiseKind::kUnary, acc, nullptr, {}, sp, spec::Isa::kVta), 1, 70, 13, 13),
            reference::Add(acc, Tensor(1, 70, 13, 13), reference::Epilogue{}, fmt));
}

TEST_P(VtaEltwise, MaxPoolPadsWithTheOutputMinimumWithoutPadMin) {
  // Below the output range too: the reference reads the output type's minimum outside the image.
  const Tensor x = RandomTensor(1, 40, 15, 15, -300, -1, 5);
  PoolLayer p;
  p.kind = PoolKind::kMax;
  p.n = 1, p.c = 40, p.h = 15, p.w = 15, p.r = 3, p.s = 3;
  p.attrs = {2, 2, 1, 1};
  p.isa = spec::Isa::kVta;
  EXPECT_EQ(Run(CompilePool(p, x, sp), 1, 40, p.OutH(), p.OutW()), reference::MaxPool2d(x, 3, 3, p.attrs, fmt));
  p.attrs = {1, 1, 0, 0};  // no padding: one load per window
  EXPECT_EQ(Run(CompilePool(p, x, sp), 1, 40, p.OutH(), p.OutW()), reference::MaxPool2d(x, 3, 3, p.attrs, fmt));
}

TEST_P(VtaEltwise, AvgPoolMultipliesWithShiftsAndAdds) {
  const Tensor x = RandomTensor(2, 20, 8, 8, -128, 127, 6);
  PoolLayer p;
  p.kind = PoolKind::kAvg;
  p.n = 2, p.c = 20, p.h = 8, p.w = 8, p.r = 3, p.s = 3;
  p.attrs = {1, 1, 1, 1};
  p.isa = spec::Isa::kVta;
  for (int32_t mul : {57, 1, 0, 64, -3, 32767, -32768}) {
    p.mul = mul;
    p.shift = 9;
    SCOPED_TRACE(mul);
    EXPECT_EQ(Run(CompilePool(p, x, sp), 2, 20, 8, 8), reference::AvgPool2d(x, 3, 3, p.attrs, mul, 9, fmt));
  }
}

TEST(VtaTarget, PoolOnAConfigurationWithoutAStockBitstreamIsAnError) {
  PoolLayer p;
  p.n = 1, p.c = 16, p.h = 4, p.w = 4, p.r = 2, p.s = 2;
  p.isa = spec::Isa::kVta;
  try {
    (void)CompilePool(p, RandomTensor(1, 16, 4, 4, 0, 1, 1), PresetSpec("2x16x32"));
    FAIL() << "no error";
  } catch (const UsageError& e) {
    EXPECT_THAT(e.what(), HasSubstr("has no stock VTA bitstream"));
  }
}

INSTANTIATE_TEST_SUITE_P(Presets, VtaEltwise, ::testing::ValuesIn(VtaPresets()), [](const auto& p) { return p.param; });

}  // namespace
}  // namespace dcoc::compiler
