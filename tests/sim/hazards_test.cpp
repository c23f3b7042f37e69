// The static hazard checker: races between modules (scratchpads and DRAM), reads of rows nothing
// wrote, FINISH ordering, deadlocks and unpopped tokens, on small hand-built programs; and no
// finding on the generator's programs (tests/sim/progen_test.cpp runs it on every one of those).
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "host/common/error.h"
#include "sim/fsim/fsim.h"
#include "sim/progen/hazards.h"
#include "sim/progen/progen.h"
#include "tests/sim/fsim_bench.h"

namespace dcoc::sim {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using spec::AluOp;
using spec::Instruction;
using spec::MemType;
using spec::Uop;
using testing::Bench;

spec::Program ProgramOf(const Bench& b, std::vector<Instruction> insns) {
  spec::Program p;
  p.config = b.s.config;
  p.insns = std::move(insns);
  p.dram = b.dram;
  return p;
}

std::string All(const std::vector<Hazard>& hs) {
  std::string s;
  for (const Hazard& h : hs) s += std::string(Name(h.kind)) + ": " + h.message + "\n";
  return s;
}

Instruction With(Instruction i, bool pop_prev, bool pop_next, bool push_prev, bool push_next) {
  i.pop_prev = pop_prev;
  i.pop_next = pop_next;
  i.push_prev = push_prev;
  i.push_next = push_next;
  return i;
}

TEST(Hazards, AWellOrderedProgramHasNone) {
  Bench b;
  b.PutUop(0, Uop{0, 0, 0});
  const spec::Program p = ProgramOf(
      b, {With(b.Load(MemType::kInp, 0, 0, 1, 1), false, false, false, false),
          With(b.Load(MemType::kWgt, 0, 0, 1, 1), false, false, false, true),
          With(b.Load(MemType::kUop, 0, 0, 1, 1), true, false, false, false), Bench::Gemm(0, 1, true),
          With(Bench::Gemm(0, 1), false, false, false, true), With(b.Store(0, 0, 1, 1), true, false, true, false),
          With(Bench::Finish(), false, true, false, false)});
  EXPECT_EQ(All(FindHazards(p)), "");
}

TEST(Hazards, ComputeWritingARowTheStoreReadsIsARace) {
  Bench b;
  b.PutUop(0, Uop{0, 0, 0});
  const spec::Program p = ProgramOf(
      b, {b.Load(MemType::kUop, 0, 0, 1, 1), With(b.Load(MemType::kAcc, 0, 0, 1, 1), false, false, false, true),
          With(b.Store(0, 0, 1, 1), true, false, true, false), Bench::Alu(AluOp::kAdd, 0, 1, true, 1),
          With(Bench::Finish(), false, true, false, false)});
  const std::vector<Hazard> hs = FindHazards(p);
  ASSERT_EQ(hs.size(), 1u) << All(hs);
  EXPECT_EQ(hs[0].kind, HazardKind::kRace);
  EXPECT_THAT(hs[0].message, AllOf(HasSubstr("race on accumulator/out row 0"), HasSubstr("instruction 2 (STORE OUT) (store module)"),
                                   HasSubstr("instruction 3 (ALU) (compute module)"), HasSubstr("no dependency token")));
}

TEST(Hazards, LoadOverwritingAnInputTheComputeStillReadsIsARace) {
  Bench b;
  b.PutUop(0, Uop{0, 0, 0});
  // The second input load is not held back by a compute->load token.
  const spec::Program p = ProgramOf(
      b, {b.Load(MemType::kWgt, 0, 0, 1, 1), With(b.Load(MemType::kInp, 0, 0, 1, 1), false, false, false, true),
          b.Load(MemType::kInp, 0, 1, 1, 1), With(b.Load(MemType::kUop, 0, 0, 1, 1), true, false, false, false),
          Bench::Gemm(0, 1, true), Bench::Gemm(0, 1), Bench::Finish()});
  const std::string all = All(FindHazards(p));
  EXPECT_THAT(all, AllOf(HasSubstr("race on input row 0"), HasSubstr("instruction 2 (LOAD INP) (load module)"),
                         HasSubstr("instruction 5 (GEMM) (compute module)")));
  // ... and FINISH is not ordered after that load either.
  EXPECT_THAT(all, HasSubstr("instruction 6 (FINISH) is not ordered after 1 of the load module's 3 instruction(s)"));
}

TEST(Hazards, StoreToBytesALoadReadsIsADramRace) {
  Bench b;
  // The store writes out row 0 at byte kOutBase; the input load reads those bytes as input row
  // (kOutBase / 8); nothing orders the two.
  Instruction ld = b.Load(MemType::kInp, 0, 0, 1, 1);
  ld.dram_base = Bench::kOutBase / uint64_t(b.s.inp_row_bytes);
  const spec::Program p = ProgramOf(
      b, {With(ld, false, false, false, true), With(b.Load(MemType::kAcc, 0, 0, 1, 1), true, false, false, true),
          With(b.Store(0, 0, 1, 1), true, false, true, false), With(Bench::Finish(), false, true, false, false)});
  // The store is ordered after the load here (load -> compute -> store): no race.
  EXPECT_EQ(All(FindHazards(p)), "");
  // Without the load->compute token the two are unordered.
  spec::Program q = p;
  q.insns[0].push_next = false;
  q.insns[1].pop_prev = false;
  const std::string all = All(FindHazards(q));
  EXPECT_THAT(all, AllOf(HasSubstr(fmt::format("race on DRAM byte {}", Bench::kOutBase)),
                         HasSubstr("instruction 0 (LOAD INP) (load module)"), HasSubstr("instruction 2 (STORE OUT) (store module)")));
}

TEST(Hazards, ReadsOfRowsNothingWroteAreReported) {
  Bench b;
  b.PutUop(0, Uop{3, 5, 7});
  const spec::Program p = ProgramOf(b, {b.Load(MemType::kUop, 0, 0, 1, 1), Bench::Gemm(0, 1), Bench::Gemm(1, 2),
                                        Bench::Finish()});
  const std::vector<Hazard> hs = FindHazards(p);
  const std::string all = All(hs);
  EXPECT_THAT(all, AllOf(HasSubstr("instruction 1 (GEMM) (compute module) reads input row 5, which nothing wrote before"),
                         HasSubstr("reads weight row 7"), HasSubstr("reads accumulator/out row 3"),
                         HasSubstr("instruction 2 (GEMM) (compute module) reads micro-op row 1")));
  for (const Hazard& h : hs) EXPECT_EQ(h.kind, HazardKind::kUninitialized) << h.message;
}

// A tensor MOV writes its destination without reading it: initializing rows with it is fine.
TEST(Hazards, MovInitializesRowsWithoutReadingThem) {
  Bench b;
  b.PutUop(0, Uop{0, 5, 0});
  Instruction mov = Bench::Alu(AluOp::kMov, 0, 1, false);
  mov.iter_in = 4;
  mov.dst_factor_in = 1;  // rows 0..3 = row 5
  const spec::Program p = ProgramOf(b, {b.Load(MemType::kAcc, 5, 0, 1, 1), b.Load(MemType::kUop, 0, 0, 1, 1), mov,
                                        Bench::Alu(AluOp::kAdd, 0, 1, true, 1), Bench::Finish()});
  EXPECT_EQ(All(FindHazards(p)), "");
  spec::Program q = p;
  q.insns[2].alu_opcode = AluOp::kMax;  // MAX reads the destination: rows 0..3 were never written
  EXPECT_THAT(All(FindHazards(q)), HasSubstr("instruction 2 (ALU) (compute module) reads accumulator/out row 0"));
}

TEST(Hazards, DeadlocksUnpoppedTokensAndInvalidInstructions) {
  Bench b;
  std::vector<Hazard> hs = FindHazards(ProgramOf(b, {With(Bench::Gemm(0, 0), true, false, false, false), Bench::Finish()}));
  ASSERT_EQ(hs.size(), 1u) << All(hs);
  EXPECT_EQ(hs[0].kind, HazardKind::kDeadlock);
  EXPECT_THAT(hs[0].message, AllOf(HasSubstr("compute module blocked at instruction 0 (GEMM)"), HasSubstr("load->compute=0")));

  hs = FindHazards(ProgramOf(b, {With(b.Load(MemType::kAcc, 0, 0, 1, 1), false, false, false, true), Bench::Finish()}));
  ASSERT_EQ(hs.size(), 1u) << All(hs);
  EXPECT_EQ(hs[0].kind, HazardKind::kUnpoppedToken);
  EXPECT_THAT(hs[0].message, HasSubstr("1 token(s) still queued on compute->store"));

  hs = FindHazards(ProgramOf(b, {b.Load(MemType::kAcc, 2047, 0, 1, 2), Bench::Finish()}));
  ASSERT_EQ(hs.size(), 1u) << All(hs);
  EXPECT_EQ(hs[0].kind, HazardKind::kInvalid);
  EXPECT_THAT(hs[0].message, AllOf(HasSubstr("instruction 0 (LOAD ACC)"), HasSubstr("[2047, 2049)")));

  hs = FindHazards(ProgramOf(b, {With(b.Load(MemType::kInp, 0, 0, 1, 1), true, false, false, false), Bench::Finish()}));
  ASSERT_EQ(hs.size(), 1u) << All(hs);
  EXPECT_EQ(hs[0].kind, HazardKind::kInvalid);

  Instruction far = b.Load(MemType::kAcc, 0, 0, 1, 1);
  far.dram_base = uint64_t(1) << 40;
  hs = FindHazards(ProgramOf(b, {far, Bench::Finish()}));
  ASSERT_EQ(hs.size(), 1u) << All(hs);
  EXPECT_EQ(hs[0].kind, HazardKind::kInvalid);
  EXPECT_THAT(hs[0].message, AllOf(HasSubstr("instruction 0"), HasSubstr("dram_base")));
}

// In fsim's atomic model the second load below waits for room until the GEMM has run, so fsim gives
// the same result under every interleaving; in hardware the GEMM's pop frees the room as it starts,
// and the load may overwrite the input while the GEMM reads it. The checker reports it.
TEST(Hazards, OrderingOnlyThroughQueueCapacityIsNotTrusted) {
  spec::HwConfig c = spec::LoadConfig("1x8x8");
  c.dep_queue_depth = 1;
  Bench b(c);
  b.PutUop(0, Uop{0, 0, 0});
  const spec::Program p = ProgramOf(
      b, {b.Load(MemType::kWgt, 0, 0, 1, 1), With(b.Load(MemType::kInp, 0, 0, 1, 1), false, false, false, true),
          With(b.Load(MemType::kInp, 0, 1, 1, 1), false, false, false, true), b.Load(MemType::kUop, 0, 0, 1, 1),
          With(Bench::Gemm(0, 1), true, false, false, false), With(Bench::Gemm(0, 1), true, false, false, false),
          Bench::Finish()});
  const std::vector<Hazard> hs = FindHazards(p);
  ASSERT_FALSE(hs.empty());
  EXPECT_THAT(All(hs), AllOf(HasSubstr("race on input row 0"), HasSubstr("instruction 2 (LOAD INP)"),
                             HasSubstr("instruction 4 (GEMM)")));
}

TEST(Hazards, GeneratedProgramsHaveNone) {
  for (const spec::Preset& preset : spec::Presets())
    for (uint64_t seed = 1; seed <= 10; ++seed) {
      const spec::Program p = GenerateRandomProgram(preset.config, seed);
      EXPECT_EQ(All(FindHazards(p)), "") << preset.name << " seed " << seed;
    }
}

// Cross-check with fsim on mutated programs: move one dependency flag to another instruction of the
// same module (the token counts stay balanced). When the checker finds nothing, fsim must give the
// same DRAM image under every interleaving; when it finds a deadlock, fsim must report one too.
TEST(Hazards, AgreeWithFsimOnMutatedPrograms) {
  int clean = 0, races = 0, deadlocks = 0;
  for (const spec::Preset& preset : spec::Presets()) {
    for (uint64_t seed = 1; seed <= 30; ++seed) {
      GenOptions o;
      o.max_insns = 120;
      spec::Program p = GenerateRandomProgram(preset.config, seed, o);
      // Pick a flag and a new home for it, deterministically from the seed.
      std::vector<std::pair<size_t, int>> flags;  // (instruction, which flag)
      for (size_t i = 0; i + 1 < p.insns.size(); ++i) {
        const Instruction& in = p.insns[i];
        const bool f[4] = {in.pop_prev, in.pop_next, in.push_prev, in.push_next};
        for (int k = 0; k < 4; ++k)
          if (f[k]) flags.emplace_back(i, k);
      }
      ASSERT_FALSE(flags.empty());
      const auto [from, which] = flags[(seed * 7919) % flags.size()];
      auto module_of = [](const Instruction& in) {
        if (in.opcode == spec::Opcode::kStore) return 2;
        if (in.opcode == spec::Opcode::kLoad && (in.memory_type == MemType::kInp || in.memory_type == MemType::kWgt)) return 0;
        return 1;
      };
      std::vector<size_t> same;
      for (size_t i = 0; i + 1 < p.insns.size(); ++i)
        if (i != from && module_of(p.insns[i]) == module_of(p.insns[from])) same.push_back(i);
      if (same.empty()) continue;
      const size_t to = same[(seed * 104729) % same.size()];
      bool* src[4] = {&p.insns[from].pop_prev, &p.insns[from].pop_next, &p.insns[from].push_prev, &p.insns[from].push_next};
      bool* dst[4] = {&p.insns[to].pop_prev, &p.insns[to].pop_next, &p.insns[to].push_prev, &p.insns[to].push_next};
      if (*dst[which]) continue;  // already has it: not a move
      *src[which] = false;
      *dst[which] = true;

      const std::vector<Hazard> hs = FindHazards(p, 64);
      bool deadlock = false, other = false;
      for (const Hazard& h : hs) {
        deadlock |= h.kind == HazardKind::kDeadlock;
        other |= h.kind != HazardKind::kUnpoppedToken && h.kind != HazardKind::kDeadlock;
      }
      SCOPED_TRACE(fmt::format("{} seed {}: flag {} moved from {} to {}\n{}", preset.name, seed, which, from, to, All(hs)));
      if (deadlock) {
        ++deadlocks;
        try {
          RunProgram(p);
          ADD_FAILURE() << "fsim ran a program the checker says deadlocks";
        } catch (const ExecError& e) {
          EXPECT_THAT(std::string(e.what()), HasSubstr("deadlock"));
        }
        continue;
      }
      if (other) {
        ++races;
        continue;
      }
      ++clean;
      const FsimResult ref = RunProgram(p);
      for (uint64_t i : {1, 2, 3, 4}) {
        const FsimResult r = RunProgram(p, {Interleave::kRandom, i});
        ASSERT_TRUE(r.dram == ref.dram) << "interleaving seed " << i;
      }
    }
  }
  // The mutations exercise every branch.
  EXPECT_GT(clean, 0);
  EXPECT_GT(races, 0);
  EXPECT_GT(deadlocks, 0);
}

}  // namespace
}  // namespace dcoc::sim
