// The instruction-stream builder and the hazard analysis.
#include "host/compiler/stream.h"

#include <gtest/gtest.h>

#include "sim/fsim/fsim.h"

namespace dcoc::compiler {
namespace {

using spec::Instruction;
using spec::MemType;
using spec::Opcode;

Instruction Load(MemType m) {
  Instruction in;
  in.opcode = Opcode::kLoad;
  in.memory_type = m;
  return in;
}
Instruction Store() {
  Instruction in;
  in.opcode = Opcode::kStore;
  in.memory_type = MemType::kOut;
  return in;
}
Instruction Gemm() {
  Instruction in;
  in.opcode = Opcode::kGemm;
  return in;
}

TEST(InsnStream, PopsFoldIntoTheNextInstructionAndPushesOntoTheLast) {
  InsnStream s;
  s.Emit(Load(MemType::kInp));
  s.Push(Module::kLoad, Module::kCompute);
  s.Pop(Module::kCompute, Module::kLoad);
  s.Emit(Gemm());
  s.Push(Module::kCompute, Module::kStore);
  s.Pop(Module::kStore, Module::kCompute);
  s.Emit(Store());
  s.Finish();
  const auto& v = s.insns();
  ASSERT_EQ(v.size(), 4u);
  EXPECT_TRUE(v[0].push_next);
  EXPECT_TRUE(v[1].pop_prev && v[1].push_next);
  EXPECT_TRUE(v[2].pop_prev);
  EXPECT_EQ(s.MaxOutstanding(), (std::array<int, 4>{1, 0, 1, 0}));
}

TEST(InsnStream, SecondPushOrPopNeedsANoop) {
  InsnStream s;
  s.Emit(Load(MemType::kWgt));
  s.Push(Module::kLoad, Module::kCompute);
  s.Push(Module::kLoad, Module::kCompute);  // the last load already pushes: a no-op carries this one
  s.Pop(Module::kCompute, Module::kLoad);
  s.Pop(Module::kCompute, Module::kLoad);  // a no-op compute instruction carries the first pop
  s.Finish();
  const auto& v = s.insns();
  ASSERT_EQ(v.size(), 4u);
  EXPECT_EQ(v[1].opcode, Opcode::kLoad);
  EXPECT_EQ(v[1].y_size, 0u);
  EXPECT_TRUE(v[1].push_next);
  EXPECT_EQ(v[2].memory_type, MemType::kUop);
  EXPECT_TRUE(v[2].pop_prev);
  EXPECT_EQ(v[3].opcode, Opcode::kFinish);
  EXPECT_TRUE(v[3].pop_prev);
  // And the stream runs on fsim without deadlock.
  spec::Program p;
  p.insns = v;
  p.dram.assign(64, 0);
  EXPECT_NO_THROW(sim::RunProgram(p));
}

TEST(InsnStream, PushBeforePendingPopKeepsItsOrder) {
  InsnStream s;
  s.Emit(Gemm());
  s.Push(Module::kCompute, Module::kStore);
  s.Pop(Module::kCompute, Module::kStore);   // pending on the next compute instruction
  s.Push(Module::kCompute, Module::kStore);  // must not be carried by an instruction that pops first
  s.Pop(Module::kStore, Module::kCompute);
  s.Emit(Store());
  s.Push(Module::kStore, Module::kCompute);
  s.Finish();
  for (const Instruction& in : s.insns()) {
    if (in.opcode == Opcode::kLoad) {
      EXPECT_FALSE(in.pop_next) << "a no-op push took the pending pop";
    }
  }
}

TEST(OpGraph, HazardsBecomeTokensAndEveryPushIsPopped) {
  OpGraph g;
  const int inp = OpGraph::Resource(OpGraph::kInp, 0), acc = OpGraph::Resource(OpGraph::kAcc, 0);
  for (int i = 0; i < 3; ++i) {
    g.AddOp(Module::kLoad, {Load(MemType::kInp)}, {}, {inp});
    g.AddOp(Module::kCompute, {Gemm()}, {inp}, {acc});
    g.AddOp(Module::kStore, {Store()}, {acc}, {});
  }
  const InsnStream s = g.Finalize();
  int pushes = 0, pops = 0;
  for (const Instruction& in : s.insns()) {
    pushes += in.push_prev + in.push_next;
    pops += in.pop_prev + in.pop_next;
  }
  EXPECT_EQ(pushes, pops);
  // RAW load->compute and compute->store for each round, WAR compute->load and store->compute for the
  // next two rounds, plus FINISH waiting for the last store (the last load is already implied).
  EXPECT_EQ(pushes, 3 + 3 + 2 + 2 + 1);
  spec::Program p;
  p.insns = s.insns();
  p.dram.assign(64, 0);
  for (uint64_t seed = 1; seed < 5; ++seed) {
    sim::FsimOptions o;
    o.interleave = sim::Interleave::kRandom;
    o.seed = seed;
    EXPECT_NO_THROW(sim::RunProgram(p, o));
  }
}

TEST(UopCache, ReusesResidentKernelsAndEvictsOnWrap) {
  const spec::Spec sp = spec::Spec::Create(spec::LoadConfig("min"));  // 32 micro-ops
  UopCache c(sp);
  std::vector<Instruction> out;
  const std::vector<spec::Uop> a(20, spec::Uop{1, 2, 3}), b(20, spec::Uop{4, 5, 6});
  EXPECT_EQ(c.Use(a, 100, out), 0u);
  EXPECT_EQ(c.Use(a, 100, out), 0u);
  EXPECT_EQ(out.size(), 1u);
  EXPECT_EQ(c.Use(b, 100, out), 0u);  // does not fit after a: wraps and evicts a
  EXPECT_EQ(out.size(), 2u);
  EXPECT_EQ(out[1].dram_base, 120u);
  EXPECT_EQ(c.Use(a, 100, out), 0u);  // reloaded from its DRAM copy
  EXPECT_EQ(out.size(), 3u);
  EXPECT_EQ(out[2].dram_base, 100u);
  EXPECT_EQ(c.kernels(), 2u);
  EXPECT_EQ(c.Image().size(), 40u * sp.uop_bytes);
}

}  // namespace
}  // namespace dcoc::compiler
