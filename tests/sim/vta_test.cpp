// Memory type ACC_8BIT in fsim, fsim's and the program checker's stock-VTA rules, and random programs
// of stock VTA's subset against a plain model of VTA written from VTA's sources (tests/sim/vta_model.h).
#include <cstdint>
#include <functional>
#include <random>
#include <set>
#include <vector>

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "host/common/error.h"
#include "sim/fsim/fsim.h"
#include "sim/progen/hazards.h"
#include "sim/progen/progen.h"
#include "tests/sim/fsim_bench.h"
#include "tests/sim/golden_model.h"
#include "tests/sim/vta_model.h"

namespace dcoc::sim {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using spec::AluOp;
using spec::Instruction;
using spec::MemType;
using spec::Uop;
using testing::Bench;
using testing::VtaModel;
using testing::VtaModelError;

// ACC_8BIT rows live in the bench's accumulator area, as BATCH x BLOCK_OUT bytes each.
Instruction Acc8(const Bench& b, uint64_t sram, uint64_t row, uint64_t y, uint64_t x, uint64_t stride = 0) {
  return b.Load(MemType::kAcc8, sram, row, y, x, stride);
}
void PutBytes(Bench& b, uint64_t row, const std::vector<int>& v) {
  for (size_t e = 0; e < v.size(); ++e)
    b.dram[Bench::kAccBase + row * uint64_t(b.s.acc8_row_bytes) + e] = uint8_t(int8_t(v[e]));
}

// ---------------------------------------------------------------------------------------------
// ACC_8BIT in fsim (values worked out from docs/semantics.md)

TEST(FsimAcc8, WidensInt8RowsPadsAndMirrorsTheOutBuffer) {
  Bench b;  // 1x8x8: a row is 8 bytes
  PutBytes(b, 0, {-128, -1, 0, 1, 2, 3, 100, 127});
  PutBytes(b, 1, {5, 6, 7, 8, 9, 10, 11, 12});
  PutBytes(b, 2, {-5, -6, -7, -8, -9, -10, -11, -12});
  Instruction ld = Acc8(b, 4, 0, 2, 1, 2);  // rows 0 and 2 (stride 2), one x pad after each
  ld.x_pad_1 = 1;
  ld.y_pad_0 = 1;
  const Counters c = b.Run({}, {ld});
  // 1 y-pad row of 2, then [row 0, pad], [row 2, pad]: sram rows 4..9.
  EXPECT_EQ(b.AccRow(4), b.Fill(8, 0));
  EXPECT_EQ(b.AccRow(5), b.Fill(8, 0));
  EXPECT_THAT(b.AccRow(6), ElementsAre(-128, -1, 0, 1, 2, 3, 100, 127));
  EXPECT_EQ(b.AccRow(7), b.Fill(8, 0));
  EXPECT_THAT(b.AccRow(8), ElementsAre(-5, -6, -7, -8, -9, -10, -11, -12));
  EXPECT_THAT(b.OutRow(6), ElementsAre(-128, -1, 0, 1, 2, 3, 100, 127));
  EXPECT_EQ(c.load_bytes[size_t(MemType::kAcc8)], 16u);
  EXPECT_EQ(c.pad_rows[size_t(MemType::kAcc8)], 4u);

  Bench m;
  PutBytes(m, 0, {1, 2, 3, 4, 5, 6, 7, 8});
  Instruction mn = Acc8(m, 0, 0, 1, 1);
  mn.x_pad_0 = 1;
  mn.pad_min = true;  // the minimum of the int8 values the load reads, widened
  m.Run({}, {mn});
  EXPECT_EQ(m.AccRow(0), m.Fill(8, -128));
  EXPECT_THAT(m.AccRow(1), ElementsAre(1, 2, 3, 4, 5, 6, 7, 8));
}

TEST(FsimAcc8, AddsToAGemmResultLikeAnAccLoad) {
  Bench b;
  PutBytes(b, 8, {-100, 50, 0, 0, 0, 0, 0, 1});  // past accumulator row 0 of the shared area
  b.PutUop(0, Uop{1, 0, 0});  // ALU: acc[1] += acc[0]
  b.PutAcc(0, {1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000});
  Instruction add = Bench::Alu(AluOp::kAdd, 0, 1, false);
  b.Run({}, {b.Load(MemType::kUop, 0, 0, 1, 1), Acc8(b, 0, 8, 1, 1), b.Load(MemType::kAcc, 1, 0, 1, 1), add},
        {b.Store(1, 0, 1, 1)});
  EXPECT_THAT(b.AccRow(1), ElementsAre(900, 1050, 1000, 1000, 1000, 1000, 1000, 1001));
  // Narrowed: 900 = 0x384 -> -124, 1050 = 0x41A -> 26, 1000 = 0x3E8 -> -24, 1001 -> -23.
  EXPECT_THAT(b.OutDram(0), ElementsAre(-124, 26, -24, -24, -24, -24, -24, -23));
}

// ---------------------------------------------------------------------------------------------
// fsim with Isa::kVta

FsimOptions Vta() {
  FsimOptions o;
  o.isa = spec::Isa::kVta;
  return o;
}

std::string ErrorOf(const std::function<void()>& f) {
  try {
    f();
  } catch (const ExecError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(FsimVta, RejectsVtaPlusPlusFormsNamingTheInstruction) {
  Bench b(spec::LoadConfig("default"));
  b.PutUop(0, Uop{0, 0, 0});
  const Instruction uop = b.Load(MemType::kUop, 0, 0, 1, 1);
  EXPECT_THAT(ErrorOf([&] { b.Run({}, {uop, Bench::Alu(AluOp::kClip, 0, 1, true, 127)}, {}, Vta()); }),
              HasSubstr("instruction 1 (ALU CLIP): stock VTA would not execute it as dcoc does: ALU CLIP is VTA++ only"));
  Instruction pad = b.Load(MemType::kInp, 0, 0, 1, 1);
  pad.x_pad_0 = 1;
  pad.pad_min = true;
  EXPECT_THAT(ErrorOf([&] { b.Run({pad}, {uop}, {}, Vta()); }), HasSubstr("pad_min"));
  // The same programs run without the target.
  b.sim.Reset();
  EXPECT_NO_THROW(b.Run({pad}, {uop, Bench::Alu(AluOp::kClip, 0, 1, true, 127)}));
  Bench wide(spec::LoadConfig("2x16x32"));
  EXPECT_THAT(ErrorOf([&] { wide.Run({}, {wide.Load(MemType::kUop, 0, 0, 0, 0)}, {}, Vta()); }),
              AllOf(HasSubstr("has no stock VTA bitstream"), HasSubstr("BLOCK_IN = 16 and BLOCK_OUT = 32 differ")));
}

TEST(FsimVta, StoreOfARowAnAccLoadOrAResetWroteLastIsAnError) {
  Bench b(spec::LoadConfig("default"));
  b.PutAcc(0, b.Fill(16, 7));
  b.PutUop(0, Uop{0, 0, 0});
  const Instruction acc = b.Load(MemType::kAcc, 0, 0, 1, 1), uop = b.Load(MemType::kUop, 0, 0, 1, 1);
  EXPECT_THAT(ErrorOf([&] { b.Run({}, {acc}, {b.Store(0, 0, 1, 1)}, Vta()); }),
              HasSubstr("stores out row 0, last written by an ACC load"));
  EXPECT_THAT(ErrorOf([&] { b.Run({}, {uop, Bench::Gemm(0, 1, true)}, {b.Store(0, 0, 1, 1)}, Vta()); }),
              HasSubstr("last written by a GEMM reset"));
  // An ALU pass after the load makes the out buffer the accumulator narrowed on VTA too.
  EXPECT_NO_THROW(b.Run({}, {acc, uop, Bench::Alu(AluOp::kAdd, 0, 1, true, 0)}, {b.Store(0, 0, 1, 1)}, Vta()));
  EXPECT_EQ(b.OutDram(0), b.Fill(16, 7));
}

TEST(FsimVta, TensorShiftByAnAmountOutsideZeroToFifteenIsAnError) {
  Bench b(spec::LoadConfig("default"));
  b.PutAcc(0, b.Fill(16, 1 << 20));
  std::vector<int64_t> shifts = b.Fill(16, 15);
  b.PutAcc(1, shifts);
  b.PutUop(0, Uop{0, 1, 0});
  const std::vector<Instruction> compute = {b.Load(MemType::kUop, 0, 0, 1, 1), b.Load(MemType::kAcc, 0, 0, 2, 1),
                                            Bench::Alu(AluOp::kShr, 0, 1, false)};
  EXPECT_NO_THROW(b.Run({}, compute, {}, Vta()));
  EXPECT_EQ(b.AccRow(0), b.Fill(16, 32));
  shifts[3] = 16;
  b.PutAcc(1, shifts);
  EXPECT_THAT(ErrorOf([&] { b.Run({}, compute, {}, Vta()); }),
              HasSubstr("tensor SHR by 16 (source row 1, element 3), outside [0, 15]"));
}

// ---------------------------------------------------------------------------------------------
// The program checker with Isa::kVta

TEST(HazardsVta, NamesFormsAndStaleStores) {
  spec::Program p = GenerateRandomProgram(spec::LoadConfig("default"), 5);  // VTA++: CLIP, MOV, pad_min, ...
  bool vta_findings = false;
  for (const Hazard& h : FindHazards(p, 64, spec::Isa::kVta)) vta_findings |= h.kind == HazardKind::kVtaDiffers;
  EXPECT_TRUE(vta_findings);
  EXPECT_TRUE(FindHazards(p).empty());  // and valid VTA++

  Bench b(spec::LoadConfig("default"));
  p.config = spec::LoadConfig("default");
  p.dram = b.dram;
  p.insns = {b.Load(MemType::kAcc, 0, 0, 1, 1), b.Store(0, 0, 1, 1), Bench::Finish()};
  p.insns[0].push_next = true;
  p.insns[1].pop_prev = p.insns[1].push_prev = true;
  p.insns[2].pop_next = true;
  const std::vector<Hazard> h = FindHazards(p, 16, spec::Isa::kVta);
  ASSERT_EQ(h.size(), 1u);
  EXPECT_EQ(h[0].kind, HazardKind::kVtaDiffers);
  EXPECT_EQ(h[0].insn, 1u);
  EXPECT_THAT(h[0].message, HasSubstr("stores out row 0, last written by instruction 0 (LOAD ACC)"));
  EXPECT_TRUE(FindHazards(p).empty());
}

// ---------------------------------------------------------------------------------------------
// Random programs of stock VTA's subset: fsim (with the target's rules), the golden model and the
// plain VTA model agree on every byte.

std::vector<std::string> VtaPresets() {
  std::vector<std::string> out;
  for (const spec::Preset& p : spec::Presets())
    if (spec::VtaConfigProblems(spec::Spec::Create(p.config)).empty()) out.emplace_back(p.name);
  return out;
}

TEST(ProgenVta, PresetsWithAStockBitstream) { EXPECT_THAT(VtaPresets(), ElementsAre("default", "1x8x8", "1x32x32")); }

class ProgenVta : public ::testing::TestWithParam<std::string> {};

TEST_P(ProgenVta, FsimAndThePlainVtaModelAgree) {
  const spec::HwConfig cfg = spec::LoadConfig(GetParam());
  GenOptions o;
  o.isa = spec::Isa::kVta;
  uint64_t alu = 0, gemm = 0, stored = 0;
  for (uint64_t seed = 1; seed <= 40; ++seed) {
    SCOPED_TRACE(fmt::format("{} seed {}", GetParam(), seed));
    o.max_insns = seed % 3 == 0 ? 120 : 400;
    const spec::Program p = GenerateRandomProgram(cfg, seed, o);
    for (const Hazard& h : FindHazards(p, 16, spec::Isa::kVta)) ADD_FAILURE() << Name(h.kind) << ": " << h.message;
    FsimOptions fo = Vta();
    const FsimResult ref = RunProgram(p, fo);
    fo.interleave = Interleave::kRandom;
    fo.seed = seed;
    ASSERT_TRUE(RunProgram(p, fo).dram == ref.dram);
    testing::GoldenModel golden(spec::Spec::Create(cfg));
    std::vector<uint8_t> dram = p.dram;
    golden.Run(p.insns, dram);
    ASSERT_TRUE(dram == ref.dram) << "fsim and the golden model disagree";
    for (VtaModel::Flavour f : {VtaModel::Flavour::kHardware, VtaModel::Flavour::kSimulator}) {
      VtaModel vta(cfg, f);
      std::vector<uint8_t> got;
      try {
        got = vta.Run(p);
      } catch (const VtaModelError& e) {
        FAIL() << "the VTA model rejects the program: " << e.what();
      }
      ASSERT_TRUE(got == ref.dram) << "fsim and the VTA model disagree";
    }
    alu += ref.counters.alu_uops;
    gemm += ref.counters.gemm_uops;
    stored += ref.counters.store_bytes;
  }
  EXPECT_GT(alu, 0u);
  EXPECT_GT(gemm, 0u);
  EXPECT_GT(stored, 0u);
}

INSTANTIATE_TEST_SUITE_P(Presets, ProgenVta, ::testing::ValuesIn(VtaPresets()));

TEST(ProgenVta, OnlyTheSubsetIsGenerated) {
  GenOptions o;
  o.isa = spec::Isa::kVta;
  std::set<std::string> seen;
  for (uint64_t seed = 1; seed <= 60; ++seed)
    for (const Instruction& i : GenerateRandomProgram(spec::LoadConfig("default"), seed, o).insns) {
      ASSERT_EQ(spec::VtaInsnProblem(spec::Spec::Create(spec::LoadConfig("default")), i), std::nullopt)
          << spec::Disassemble(spec::Spec::Create(spec::LoadConfig("default")).isa, i);
      if (i.opcode == spec::Opcode::kAlu) seen.insert(fmt::format("{} {}", spec::Name(i.alu_opcode), int(i.use_imm)));
      if (i.opcode == spec::Opcode::kGemm) seen.insert(i.reset ? "GEMM reset" : "GEMM");
      if (i.opcode == spec::Opcode::kLoad && i.memory_type == MemType::kInp && i.y_pad_0 + i.x_pad_1 + i.y_pad_1 + i.x_pad_0)
        seen.insert("INP pad");
      if (i.IsMemory() && i.x_size == 0) seen.insert("token-only");
    }
  for (const char* w : {"MIN 0", "MIN 1", "MAX 0", "MAX 1", "ADD 0", "ADD 1", "SHR 1", "GEMM", "GEMM reset", "INP pad",
                        "token-only"})
    EXPECT_TRUE(seen.count(w)) << "never generated: " << w;
  EXPECT_THROW((void)GenerateRandomProgram(spec::LoadConfig("2x16x32"), 1, o), UsageError);
}

// The plain model disagrees with fsim exactly where VTA differs from dcoc (docs/semantics.md).
TEST(VtaModel, DiffersFromDcocWhereVtaDoes) {
  Bench b(spec::LoadConfig("default"));
  b.PutAcc(0, b.Fill(16, 40));
  b.PutUop(0, Uop{0, 0, 0});
  auto program = [&](std::vector<Instruction> compute) {
    spec::Program p;
    p.config = spec::LoadConfig("default");
    p.dram = b.dram;
    compute.front().pop_prev = false;
    compute.back().push_next = true;
    Instruction st = b.Store(0, 0, 1, 1);
    st.pop_prev = st.push_prev = true;
    Instruction fin = Bench::Finish();
    fin.pop_next = true;
    p.insns = compute;
    p.insns.push_back(st);
    p.insns.push_back(fin);
    return p;
  };
  const Instruction acc = b.Load(MemType::kAcc, 0, 0, 1, 1), uop = b.Load(MemType::kUop, 0, 0, 1, 1);
  // ALU with reset: dcoc zeroes the row, VTA adds 2.
  Instruction reset_add = Bench::Alu(AluOp::kAdd, 0, 1, true, 2);
  reset_add.reset = true;
  const spec::Program rp = program({acc, uop, reset_add});
  std::vector<uint8_t> vta = VtaModel(rp.config, VtaModel::Flavour::kHardware).Run(rp);
  const std::vector<uint8_t> dcoc = RunProgram(rp).dram;
  const uint64_t out = Bench::kOutBase;
  EXPECT_EQ(int8_t(dcoc[out]), 0);
  EXPECT_EQ(int8_t(vta[out]), 42);
  // A LOAD with y_size = 0 and y padding: VTA's designs disagree (the simulator writes nothing, the HLS
  // design the pad rows); the model refuses.
  Instruction pad = b.Load(MemType::kInp, 0, 0, 0, 0);
  pad.y_pad_0 = 2;
  EXPECT_THROW((void)VtaModel(rp.config, VtaModel::Flavour::kHardware).Run(program({pad, uop, Bench::Alu(AluOp::kAdd, 0, 1, true, 0)})),
               VtaModelError);
  // A store right after an ACC load: dcoc returns the loaded row, VTA's out buffer does not have it.
  EXPECT_THROW((void)VtaModel(rp.config, VtaModel::Flavour::kHardware).Run(program({acc})), VtaModelError);
  // SHR by 20: VTA's HLS design shifts left by 12 (the low 5 bits as a signed number).
  EXPECT_THROW((void)VtaModel(rp.config, VtaModel::Flavour::kHardware)
                   .Run(program({acc, uop, Bench::Alu(AluOp::kShr, 0, 1, true, 20)})),
               VtaModelError);
  // CLIP is not a VTA op.
  EXPECT_THROW((void)VtaModel(rp.config, VtaModel::Flavour::kSimulator)
                   .Run(program({acc, uop, Bench::Alu(AluOp::kClip, 0, 1, true, 7)})),
               VtaModelError);
}

// ACC_8BIT against VTA's simulator semantics (Load_int8 in sim_driver.cc): random shapes, strides and
// zero padding, then stores.
TEST(VtaModel, Acc8BitAgreesWithVtasSimulator) {
  const spec::HwConfig cfg = spec::LoadConfig("default");
  std::mt19937_64 rng(12);
  for (int n = 0; n < 30; ++n) {
    Bench b(cfg);
    for (uint64_t i = 0; i < Bench::kArea; ++i) b.dram[Bench::kAccBase + i] = uint8_t(rng());
    std::vector<Instruction> compute, store;
    uint64_t sram = 0;
    for (int k = 0; k < 3; ++k) {
      Instruction ld = Acc8(b, sram, rng() % 64, 1 + rng() % 3, 1 + rng() % 4, 4 + rng() % 3);
      ld.y_pad_0 = rng() % 2;
      ld.y_pad_1 = rng() % 2;
      ld.x_pad_0 = rng() % 3;
      ld.x_pad_1 = rng() % 2;
      const uint64_t rows = (ld.y_pad_0 + ld.y_size + ld.y_pad_1) * (ld.x_pad_0 + ld.x_size + ld.x_pad_1);
      compute.push_back(ld);
      store.push_back(b.Store(sram, sram, 1, rows, rows));
      sram += rows;
    }
    b.Run({}, compute, store);
    spec::Program p;
    p.config = cfg;
    p.dram.assign(Bench::kDramBytes, 0);
    for (uint64_t i = 0; i < Bench::kArea; ++i) p.dram[Bench::kAccBase + i] = b.dram[Bench::kAccBase + i];
    // The same instructions with their tokens, as Bench::Run wired them.
    p.insns = compute;
    p.insns.front().pop_prev = false;
    p.insns.back().push_next = true;
    for (size_t k = 0; k < store.size(); ++k) {
      Instruction st = store[k];
      st.pop_prev = k == 0;
      st.push_prev = k + 1 == store.size();
      p.insns.push_back(st);
    }
    Instruction fin = Bench::Finish();
    fin.pop_next = true;
    p.insns.push_back(fin);
    EXPECT_TRUE(VtaModel(cfg, VtaModel::Flavour::kSimulator).Run(p) == b.dram) << "program " << n;
    EXPECT_THROW((void)VtaModel(cfg, VtaModel::Flavour::kHardware).Run(p), VtaModelError);
  }
}

}  // namespace
}  // namespace dcoc::sim
