// Full-size layers (LABELS slow): every conv2d layer of ResNet-18, VGG-16 and AlexNet and MobileNetV1's
// depthwise and pointwise layers (plus the stems and dense layers), bit-exact on fsim against the
// reference, with several schedules each (default, smallest practical tiles, largest tiles, both
// threading options, the reduction GEMM loop) on four configurations; and each compiled for stock VTA.
#include <gtest/gtest.h>

#include "tests/compiler/layer_sweep.h"

namespace dcoc::compiler {
namespace {

std::vector<std::string> FullLayerNames() {
  std::vector<std::string> v;
  for (const ConvLayer& l : BuiltinLayers()) v.push_back(l.name);
  return v;
}

class FullLayer : public ::testing::TestWithParam<std::string> {};

TEST_P(FullLayer, BitExactOnFourConfigs) {
  const ConvLayer l = FindLayer(GetParam());
  // int8 everywhere: the operands and the reference are shared by the four configurations.
  const std::vector<std::string> configs = {"default", "1x8x8", "2x16x32", "1x32x32"};
  const spec::Spec first = testing::PresetSpec(configs[0]);
  const ConvOperands ops = RandomOperands(l, first, 42);
  const reference::Tensor want = ReferenceOutput(l, ops, first);
  constexpr uint64_t kMaxInsns = 400000;  // keeps the smallest-tile runs to seconds
  for (const std::string& cfg : configs) {
    const spec::Spec sp = testing::PresetSpec(cfg);
    const std::vector<Schedule> valid = ScheduleSpace(l, sp).AllValid();
    std::vector<std::pair<std::string, Schedule>> scheds = {{"default", DefaultSchedule(l, sp)}};
    auto pick = [&](std::string name, auto pred, bool largest) {
      const Schedule* best = nullptr;
      for (const Schedule& s : valid)
        if (pred(s) && EstimateCost(l, s, sp).insns <= kMaxInsns &&
            (!best || (largest ? testing::TileVolume(s) > testing::TileVolume(*best)
                               : testing::TileVolume(s) < testing::TileVolume(*best))))
          best = &s;
      if (best) scheds.emplace_back(std::move(name), *best);
    };
    pick(
        "smallest", [](const Schedule& s) { return s.h_nthread == 1 && s.oc_nthread == 1; }, false);
    pick(
        "largest", [](const Schedule& s) { return s.h_nthread == 1 && s.oc_nthread == 1; }, true);
    pick(
        "largest_h2", [](const Schedule& s) { return s.h_nthread == 2; }, true);
    pick(
        "largest_oc2", [](const Schedule& s) { return s.oc_nthread == 2; }, true);
    pick(
        "reduction", [](const Schedule& s) { return s.gemm_loop == GemmLoop::kReduction; }, true);
    for (const auto& [name, sched] : scheds) {
      SCOPED_TRACE(cfg + " " + name + " " + ToString(sched));
      const CompiledConv c = CompileConv(l, sched, sp, ops);
      const sim::FsimResult r = sim::RunProgram(c.program);
      const reference::Tensor got = ReadOutput(l, c.program, r.dram, sp);
      EXPECT_TRUE(got == want);
    }
  }
}

// The stock-VTA target (--isa vta) at full size: the default schedule on VTA's default configuration,
// run on fsim with the target's rules (every instruction in VTA's subset, no store of an out row VTA
// leaves stale, tensor shifts in [0, 15]) and bit-exact against the reference.
TEST_P(FullLayer, StockVtaTargetBitExact) {
  ConvLayer l = FindLayer(GetParam());
  l.isa = spec::Isa::kVta;
  const spec::Spec sp = testing::PresetSpec("default");
  const ConvOperands ops = RandomOperands(l, sp, 43);
  const CompiledConv c = CompileConv(l, DefaultSchedule(l, sp), sp, ops);
  sim::FsimOptions o;
  o.isa = spec::Isa::kVta;
  const sim::FsimResult r = sim::RunProgram(c.program, o);
  EXPECT_TRUE(ReadOutput(l, c.program, r.dram, sp) == ReferenceOutput(l, ops, sp));
}

INSTANTIATE_TEST_SUITE_P(Zoo, FullLayer, ::testing::ValuesIn(FullLayerNames()), [](const auto& p) {
  std::string n = p.param;
  for (char& ch : n)
    if (ch == '.') ch = '_';
  return n;
});

}  // namespace
}  // namespace dcoc::compiler
