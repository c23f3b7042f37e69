// The backend conformance suite: every backend this build registers runs the same programs (ALU ops,
// GEMM, blocked GEMM, convolution, random programs), must refuse the same broken ones, report the same
// counters, and stay usable across runs and after failures. Results are checked against independent
// executors (the golden model of docs/semantics.md, the integer reference operators) and against fsim.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "host/common/error.h"
#include "host/compiler/conv.h"
#include "host/runtime/backends.h"
#if DCOC_WITH_RTL
#include "host/runtime/verilator_device.h"
#endif
#include "sim/progen/progen.h"
#include "tests/runtime/programs.h"
#include "tests/sim/golden_model.h"

namespace dcoc::test {
namespace {

struct Case {
  std::string backend, config;
};
void PrintTo(const Case& c, std::ostream* os) { *os << c.backend << " on " << c.config; }

// The backends of this build, plus the register-level drivers the tests add.
runtime::Registry TestBackends() {
  runtime::Registry r = runtime::BuiltinBackends();
#if DCOC_WITH_RTL
  runtime::AddVerilatorDriverBackend(r);
#endif
  return r;
}

std::vector<Case> Cases() {
  std::vector<Case> out;
  for (const std::string& b : TestBackends().Names())
    for (const char* c : {"default", "2x16x32"}) out.push_back({b, c});
  return out;
}

class Conformance : public ::testing::TestWithParam<Case> {
 protected:
  void SetUp() override {
    const std::string why = registry_.Unavailable(GetParam().backend);
    if (!why.empty()) GTEST_SKIP() << GetParam().backend << " cannot run here: " << why;
  }
  spec::Spec MakeSpec() const { return spec::Spec::Create(spec::LoadConfig(GetParam().config)); }
  std::unique_ptr<runtime::Device> Make(const spec::Spec& s) const { return registry_.Create(GetParam().backend, s); }
  bool Timed() const { return registry_.Info(GetParam().backend).timed; }

  // The output regions of `p` after it ran on the golden model.
  static std::vector<uint8_t> Golden(const spec::Spec& s, const spec::Program& p) {
    std::vector<uint8_t> dram = p.dram;
    sim::testing::GoldenModel g(s);
    g.Run(p.insns, dram);
    return dram;
  }
  static void ExpectOutputsEqual(const spec::Program& p, const std::vector<uint8_t>& got,
                                 const std::vector<uint8_t>& want, const std::string& what) {
    int outputs = 0;
    for (const spec::Region& r : p.regions) {
      if (r.kind != spec::RegionKind::kOutput) continue;
      ++outputs;
      EXPECT_EQ(spec::RegionDigest(got, r), spec::RegionDigest(want, r)) << what << ", region " << r.name;
    }
    EXPECT_GT(outputs, 0) << what;
  }
  // Every counter fsim reports that the backend reports too is equal to fsim's (the micro-op counts
  // at least are common to all).
  void ExpectCountersMatchFsim(const spec::Spec& s, const spec::Program& p, const runtime::RunStats& st) const {
    const runtime::ProgramRun ref = runtime::RunProgram(*registry_.Create("fsim", s), p);
    int common = 0;
    for (const auto& [name, value] : ref.stats.counters) {
      const auto it = st.counters.find(name);
      if (it == st.counters.end()) continue;
      ++common;
      EXPECT_EQ(it->second, value) << "counter " << name << " of " << p.description;
    }
    for (const char* c : {"gemm_uops", "alu_uops"}) EXPECT_TRUE(st.counters.count(c)) << "counter " << c << " missing";
    EXPECT_GE(common, 6) << "the backend shares few counter names with fsim";
    if (Timed()) {
      EXPECT_GT(st.cycles, 0u);
      EXPECT_DOUBLE_EQ(st.seconds, double(st.cycles) / s.ClockHz());
    } else {
      EXPECT_EQ(st.cycles, 0u);
    }
  }

  const runtime::Registry registry_ = TestBackends();
};

TEST_P(Conformance, DeviceKnowsItsBackendAndConfiguration) {
  const spec::Spec s = MakeSpec();
  const auto dev = Make(s);
  EXPECT_EQ(dev->Backend(), GetParam().backend);
  EXPECT_EQ(dev->spec().tag, s.tag);
}

TEST_P(Conformance, EveryAluOpImmediateAndTensor) {
  const spec::Spec s = MakeSpec();
  for (int op = 0; op < spec::kNumAluOps; ++op)
    for (bool imm : {true, false}) {
      const spec::Program p = AluProgram(s, spec::AluOp(op), imm, 100 + uint64_t(op));
      const runtime::ProgramRun r = runtime::RunProgram(*Make(s), p);
      ExpectOutputsEqual(p, r.dram, Golden(s, p), p.description);
      ExpectCountersMatchFsim(s, p, r.stats);
      EXPECT_EQ(r.stats.counters.at("alu_uops"), 8u);
    }
}

TEST_P(Conformance, GemmWithLoopsPaddingAndSameRowWrites) {
  const spec::Spec s = MakeSpec();
  for (uint64_t seed : {1u, 2u}) {
    const spec::Program p = GemmProgram(s, seed);
    const runtime::ProgramRun r = runtime::RunProgram(*Make(s), p);
    ExpectOutputsEqual(p, r.dram, Golden(s, p), p.description);
    ExpectCountersMatchFsim(s, p, r.stats);
    EXPECT_EQ(r.stats.counters.at("gemm_uops"), 8u + 8u + 2u);
  }
}

// Compiled layers, checked against the integer reference operators.
void RunLayer(const runtime::Registry& reg, const std::string& backend, const spec::Spec& s,
              const compiler::ConvLayer& l, const compiler::Schedule& sched, uint64_t seed) {
  SCOPED_TRACE(l.Describe() + " schedule " + compiler::ToString(sched));
  const compiler::ConvOperands ops = compiler::RandomOperands(l, s, seed);
  const compiler::CompiledConv c = compiler::CompileConv(l, sched, s, ops);
  const runtime::ProgramRun r = runtime::RunProgram(*reg.Create(backend, s), c.program);
  EXPECT_TRUE(compiler::ReadOutput(l, c.program, r.dram, s) == compiler::ReferenceOutput(l, ops, s));
}

// The valid schedule with `threads` virtual threads and the most tiles (the most blocks).
compiler::Schedule MostBlocked(const compiler::ConvLayer& l, const spec::Spec& s, int h_threads, int oc_threads) {
  const std::vector<compiler::Schedule> valid = compiler::ScheduleSpace(l, s).AllValid();
  const compiler::Schedule* best = nullptr;
  auto volume = [](const compiler::Schedule& x) { return int64_t(x.tile_b) * x.tile_h * x.tile_w * x.tile_ci * x.tile_co; };
  for (const compiler::Schedule& x : valid)
    if (x.h_nthread == h_threads && x.oc_nthread == oc_threads && (!best || volume(x) < volume(*best))) best = &x;
  if (!best) throw UsageError("no schedule with the requested threads");
  return *best;
}

TEST_P(Conformance, BlockedGemm) {
  const spec::Spec s = MakeSpec();
  compiler::ConvLayer dense;
  dense.name = "dense";
  dense.kind = compiler::ConvKind::kDense;
  dense.n = s.batch * 2, dense.c = s.block_in * 4, dense.k = s.block_out * 4;
  dense.epilogue.shift = 6;
  RunLayer(registry_, GetParam().backend, s, dense, compiler::DefaultSchedule(dense, s), 3);
  RunLayer(registry_, GetParam().backend, s, dense, MostBlocked(dense, s, 1, 2), 4);
}

TEST_P(Conformance, Conv2d) {
  const spec::Spec s = MakeSpec();
  compiler::ConvLayer conv;
  conv.name = "conv";
  conv.n = s.batch, conv.c = s.block_in * 2, conv.h = conv.w = 6, conv.k = s.block_out * 2;
  conv.r = conv.s = 3, conv.pad_h = conv.pad_w = 1;
  conv.epilogue.shift = 8;
  RunLayer(registry_, GetParam().backend, s, conv, compiler::DefaultSchedule(conv, s), 5);
  RunLayer(registry_, GetParam().backend, s, conv, MostBlocked(conv, s, 2, 1), 6);
}

TEST_P(Conformance, RandomProgramsMatchFsim) {
  const spec::Spec s = MakeSpec();
  for (uint64_t seed = 1; seed <= 4; ++seed) {
    const spec::Program p = sim::GenerateRandomProgram(s.config, seed);
    const runtime::ProgramRun r = runtime::RunProgram(*Make(s), p);
    const runtime::ProgramRun ref = runtime::RunProgram(*registry_.Create("fsim", s), p);
    ExpectOutputsEqual(p, r.dram, ref.dram, "seed " + std::to_string(seed));
    ExpectCountersMatchFsim(s, p, r.stats);
  }
}

TEST_P(Conformance, BrokenProgramsAreExecErrors) {
  const spec::Spec s = MakeSpec();
  runtime::RunOptions o;
  o.timeout_seconds = 60;
  for (Broken b : {Broken::kDeadlock, Broken::kDramBounds, Broken::kLoadOut}) {
    const spec::Program p = BrokenProgram(s, b);
    try {
      (void)runtime::RunProgram(*Make(s), p, o);
      ADD_FAILURE() << "broken program " << int(b) << " ran without an error";
    } catch (const ExecError& e) {
      const std::string m = e.what();
      if (b == Broken::kDeadlock) {
        EXPECT_NE(m.find("deadlock"), std::string::npos) << m;
      }
      if (b == Broken::kDramBounds) {
        EXPECT_NE(m.find("DRAM"), std::string::npos) << m;
      }
    }
  }
}

TEST_P(Conformance, MisuseIsAUsageErrorNamingTheValue) {
  const spec::Spec s = MakeSpec();
  auto dev = Make(s);
  const uint64_t a = dev->Alloc(256, 64);
  std::vector<uint8_t> buf(512);
  try {
    dev->Write(a, buf);
    ADD_FAILURE() << "write past the allocation";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("512 bytes"), std::string::npos) << e.what();
  }
  EXPECT_THROW(dev->Read(a + 200, std::span<uint8_t>(buf).first(100)), UsageError);
  try {
    (void)dev->Alloc(64, 48);
    ADD_FAILURE() << "alignment 48";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("48"), std::string::npos) << e.what();
  }
  // A program built for another configuration is refused before anything runs.
  const spec::Spec other = spec::Spec::Create(spec::LoadConfig("1x8x8"));
  try {
    (void)runtime::RunProgram(*dev, AluProgram(other, spec::AluOp::kAdd, true, 1));
    ADD_FAILURE() << "program of another configuration";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find(other.tag), std::string::npos) << e.what();
  }
}

TEST_P(Conformance, OneDeviceRunsManyProgramsAndRecoversFromErrors) {
  const spec::Spec s = MakeSpec();
  auto dev = Make(s);
  const spec::Program alu = AluProgram(s, spec::AluOp::kMax, false, 9);
  const spec::Program gemm = GemmProgram(s, 9);
  const std::vector<uint8_t> want_alu = Golden(s, alu), want_gemm = Golden(s, gemm);
  // Each program lands after the previous ones in device memory (relocated), so the second and later
  // runs also check that addresses move with the image.
  runtime::ProgramRun r = runtime::RunProgram(*dev, alu);
  ExpectOutputsEqual(alu, r.dram, want_alu, "first run");
  r = runtime::RunProgram(*dev, gemm);
  ExpectOutputsEqual(gemm, r.dram, want_gemm, "second program");
  // Counters belong to one run: the GEMM program has no ALU micro-ops.
  EXPECT_EQ(r.stats.counters.at("alu_uops"), 0u);
  EXPECT_EQ(r.stats.counters.at("gemm_uops"), 18u);
  runtime::RunOptions o;
  o.timeout_seconds = 60;
  EXPECT_THROW((void)runtime::RunProgram(*dev, BrokenProgram(s, Broken::kDeadlock), o), ExecError);
  EXPECT_THROW((void)runtime::RunProgram(*dev, BrokenProgram(s, Broken::kLoadOut), o), ExecError);
  r = runtime::RunProgram(*dev, alu);
  ExpectOutputsEqual(alu, r.dram, want_alu, "after two failed runs");
  EXPECT_EQ(r.stats.counters.at("alu_uops"), 8u);
  // Data written before a run survives it, and a run touches only what its stores write.
  const uint64_t keep = dev->Alloc(64, 64);
  std::vector<uint8_t> pattern(64);
  for (size_t i = 0; i < pattern.size(); ++i) pattern[i] = uint8_t(i * 7 + 1);
  dev->Write(keep, pattern);
  r = runtime::RunProgram(*dev, gemm);
  ExpectOutputsEqual(gemm, r.dram, want_gemm, "fourth run");
  std::vector<uint8_t> back(64);
  dev->Read(keep, back);
  EXPECT_EQ(back, pattern);
}

std::string CaseName(const ::testing::TestParamInfo<Case>& info) {
  std::string n = info.param.backend + "_" + info.param.config;
  std::replace_if(n.begin(), n.end(), [](char c) { return !std::isalnum(static_cast<unsigned char>(c)); }, '_');
  return n;
}

INSTANTIATE_TEST_SUITE_P(Backends, Conformance, ::testing::ValuesIn(Cases()), CaseName);

TEST(Registry, ListsWhatWasBuiltAndNamesTheUnknown) {
  const runtime::Registry r = runtime::BuiltinBackends();
  const auto names = r.Names();
  ASSERT_FALSE(names.empty());
  EXPECT_EQ(names.front(), "fsim");
  EXPECT_FALSE(r.Info("fsim").timed);
  try {
    (void)r.Create("nope", spec::Spec::Create(spec::LoadConfig("default")));
    FAIL() << "unknown backend";
  } catch (const UsageError& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("\"nope\""), std::string::npos) << m;
    EXPECT_NE(m.find("fsim"), std::string::npos) << m;
  }
}

TEST(Registry, IsAPlainValue) {
  runtime::Registry r;
  EXPECT_TRUE(r.Names().empty());
  r.Add({"echo", "a test backend", false},
        [](const spec::Spec& s, const runtime::DeviceOptions&) { return runtime::BuiltinBackends().Create("fsim", s); });
  EXPECT_TRUE(r.Has("echo"));
  EXPECT_FALSE(runtime::BuiltinBackends().Has("echo"));  // registries never share state
  try {
    r.Add({"echo", "again", false}, [](const spec::Spec&, const runtime::DeviceOptions&) { return nullptr; });
    FAIL() << "duplicate";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("registered twice"), std::string::npos) << e.what();
  }
  EXPECT_EQ(r.Unavailable("echo"), "");
}

TEST(Relocate, MovesEveryMemoryInstructionByItsRowSize) {
  const spec::Spec s = spec::Spec::Create(spec::LoadConfig("default"));
  const spec::Program p = GemmProgram(s, 1);
  const uint64_t base = runtime::ImageAlignment(s) * 3;
  const auto moved = runtime::Relocate(s, p.insns, base);
  ASSERT_EQ(moved.size(), p.insns.size());
  for (size_t i = 0; i < moved.size(); ++i) {
    if (!p.insns[i].IsMemory()) {
      EXPECT_EQ(moved[i], p.insns[i]);
      continue;
    }
    const uint64_t row = p.insns[i].memory_type == spec::MemType::kInp   ? uint64_t(s.inp_row_bytes)
                         : p.insns[i].memory_type == spec::MemType::kWgt ? uint64_t(s.wgt_row_bytes)
                         : p.insns[i].memory_type == spec::MemType::kUop ? uint64_t(s.uop_bytes)
                                                                         : uint64_t(s.out_row_bytes);
    EXPECT_EQ(moved[i].dram_base, p.insns[i].dram_base + base / row) << i;
  }
  try {
    (void)runtime::Relocate(s, p.insns, 8);
    FAIL() << "misaligned base";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("0x8"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace dcoc::test

#if DCOC_WITH_RTL
namespace dcoc::test {
namespace {
// The register-level driver (polling STATUS and the counters over AXI4-Lite while the RTL runs) does
// not disturb the accelerator: every RTL counter, cycles included, equals the harness loop's.
TEST(DriverPath, SameCountersAsTheHarnessLoop) {
  const runtime::Registry r = TestBackends();
  const spec::Spec s = spec::Spec::Create(spec::LoadConfig("default"));
  for (uint64_t seed : {7000u, 7001u, 7002u}) {
    const spec::Program p = sim::GenerateRandomProgram(s.config, seed);
    const runtime::ProgramRun a = runtime::RunProgram(*r.Create("verilator", s), p);
    const runtime::ProgramRun b = runtime::RunProgram(*r.Create("verilator-driver", s), p);
    for (const auto& [name, value] : a.stats.counters) EXPECT_EQ(b.stats.counters.at(name), value) << name << " seed " << seed;
  }
}
}  // namespace
}  // namespace dcoc::test
#endif
