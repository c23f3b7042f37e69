// fsim's errors: deadlocks, out-of-bounds SRAM and DRAM accesses, racy FINISH, illegal dependency
// flags and routes, malformed program files. Each error must name the instruction, the module and
// the queue or address (DESIGN.md), so the tests check the message text.
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "host/common/error.h"
#include "host/common/hash.h"
#include "host/spec/program.h"
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

// The message of the ExecError that running `insns` throws, or "" if it does not throw.
std::string ExecErrorOf(Bench& b, const std::vector<Instruction>& insns, const FsimOptions& opts = {}) {
  try {
    b.sim.Run(insns, b.dram, opts);
  } catch (const ExecError& e) {
    return e.what();
  }
  return "";
}

// A STORE ordered before FINISH (store->compute token), so the store module runs first.
std::vector<Instruction> StoreThenFinish(Instruction st) {
  st.push_prev = true;
  Instruction fin = Bench::Finish();
  fin.pop_next = true;
  return {st, fin};
}

// ---------------------------------------------------------------------------------------------
// Deadlock

TEST(FsimErrors, DeadlockOnAMissingTokenNamesModulesInstructionsAndQueues) {
  Bench b;
  Instruction gemm = Bench::Gemm(0, 0);
  gemm.pop_prev = true;  // waits for load->compute, which nobody pushes
  const std::string msg = ExecErrorOf(b, {b.Load(MemType::kInp, 0, 0, 1, 1), gemm, Bench::Finish()});
  EXPECT_THAT(msg, AllOf(HasSubstr("deadlock"), HasSubstr("compute module blocked at instruction 1 (GEMM)"),
                         HasSubstr("waits for a token on load->compute"), HasSubstr("load module idle"),
                         HasSubstr("load->compute=0"), HasSubstr("compute->load=0"), HasSubstr("compute->store=0"),
                         HasSubstr("store->compute=0")));
}

TEST(FsimErrors, DeadlockOnAFullQueueNamesTheQueueAndItsCapacity) {
  spec::HwConfig c = spec::LoadConfig("1x8x8");
  c.dep_queue_depth = 1;
  Bench b(c);
  Instruction l0 = b.Load(MemType::kInp, 0, 0, 1, 1), l1 = l0;
  l0.push_next = l1.push_next = true;  // the second push finds the queue full
  Instruction fin = Bench::Finish();
  fin.pop_next = true;  // store->compute never comes
  for (Interleave mode : {Interleave::kDeterministic, Interleave::kRandom}) {
    const std::string msg = ExecErrorOf(b, {l0, l1, fin}, {mode, 3});
    EXPECT_THAT(msg, AllOf(HasSubstr("deadlock"), HasSubstr("load module blocked at instruction 1 (LOAD INP)"),
                           HasSubstr("waits for room on load->compute (full at 1)"),
                           HasSubstr("compute module blocked at instruction 2 (FINISH)"),
                           HasSubstr("waits for a token on store->compute"), HasSubstr("load->compute=1")));
  }
}

TEST(FsimErrors, StoreWaitingForComputeThatWaitsForStore) {
  Bench b;
  Instruction st = b.Store(0, 0, 1, 1);
  st.pop_prev = true;
  Instruction alu = Bench::Alu(AluOp::kAdd, 0, 0, true, 1);
  alu.pop_next = true;
  alu.push_next = true;
  const std::string msg = ExecErrorOf(b, {alu, st, Bench::Finish()});
  EXPECT_THAT(msg, AllOf(HasSubstr("compute module blocked at instruction 0 (ALU ADD)"),
                         HasSubstr("store module blocked at instruction 1 (STORE OUT)"),
                         HasSubstr("waits for a token on compute->store"), HasSubstr("waits for a token on store->compute")));
}

// ---------------------------------------------------------------------------------------------
// Out of bounds

TEST(FsimErrors, LoadPastTheScratchpadNamesInstructionModuleAndRows) {
  Bench b;  // 1x8x8: 2048 input rows
  const std::string msg = ExecErrorOf(b, {b.Load(MemType::kInp, 2047, 0, 1, 2), Bench::Finish()});
  EXPECT_THAT(msg, AllOf(HasSubstr("instruction 0 (LOAD INP)"), HasSubstr("load module"), HasSubstr("[2047, 2049)"),
                         HasSubstr("depth 2048")));
  Instruction padded = b.Load(MemType::kAcc, 2047, 0, 1, 1);
  padded.x_pad_1 = 1;  // the padding row is out of bounds too
  EXPECT_THAT(ExecErrorOf(b, {padded, Bench::Finish()}),
              AllOf(HasSubstr("instruction 0 (LOAD ACC)"), HasSubstr("compute module"), HasSubstr("[2047, 2049)")));
}

TEST(FsimErrors, LoadPastTheDramImageNamesTheAddress) {
  Bench b;
  // The image is 81920 bytes; ACC rows are 32 bytes, so row 2559 is the last one.
  Instruction ok = b.Load(MemType::kAcc, 0, 0, 1, 1);
  ok.dram_base = 2559;
  EXPECT_EQ(ExecErrorOf(b, {ok, Bench::Finish()}), "");
  Instruction bad = ok;
  bad.dram_base = 2558;
  bad.x_size = 3;
  EXPECT_THAT(ExecErrorOf(b, {bad, Bench::Finish()}),
              AllOf(HasSubstr("instruction 0 (LOAD ACC)"), HasSubstr("compute module"), HasSubstr("81952"),
                    HasSubstr("81920-byte DRAM")));
}

TEST(FsimErrors, StorePastTheDramImageOrTheOutBufferNamesTheAddress) {
  Bench b;
  Instruction st = b.Store(0, 0, 1, 1);
  st.dram_base = 10240;  // 8-byte out rows: byte 81920, one past the end
  EXPECT_THAT(ExecErrorOf(b, StoreThenFinish(st)),
              AllOf(HasSubstr("instruction 0 (STORE OUT)"), HasSubstr("store module"), HasSubstr("81928")));
  EXPECT_THAT(ExecErrorOf(b, StoreThenFinish(b.Store(2040, 0, 3, 3))),
              AllOf(HasSubstr("instruction 0 (STORE OUT)"), HasSubstr("[2040, 2049)"), HasSubstr("depth 2048")));
}

TEST(FsimErrors, GemmRowsPastTheBuffersNameTheRowAndIteration) {
  Bench b;
  b.PutUop(0, Uop{2046, 0, 0});
  Instruction g = Bench::Gemm(0, 1, true, 1, 3);
  g.dst_factor_in = 1;  // rows 2046, 2047, 2048
  EXPECT_THAT(ExecErrorOf(b, {b.Load(MemType::kUop, 0, 0, 1, 1), g, Bench::Finish()}),
              AllOf(HasSubstr("instruction 1 (GEMM)"), HasSubstr("compute module"), HasSubstr("accumulator row 2048"),
                    HasSubstr("depth 2048"), HasSubstr("iteration (0, 2)")));
  Bench w;
  w.PutUop(0, Uop{0, 0, 1023});
  Instruction g2 = Bench::Gemm(0, 1, false, 2, 1);
  g2.wgt_factor_out = 1;  // weight rows 1023, 1024 (depth 1024)
  EXPECT_THAT(ExecErrorOf(w, {w.Load(MemType::kUop, 0, 0, 1, 1), g2, Bench::Finish()}),
              AllOf(HasSubstr("instruction 1 (GEMM)"), HasSubstr("weight row 1024"), HasSubstr("depth 1024")));
}

TEST(FsimErrors, AluSourcePastTheAccumulatorAndBadMicroOpRanges) {
  Bench b;
  b.PutUop(0, Uop{0, 2047, 0});
  Instruction a = Bench::Alu(AluOp::kMax, 0, 1, false);
  a.iter_out = 2;
  a.src_factor_out = 5;
  EXPECT_THAT(ExecErrorOf(b, {b.Load(MemType::kUop, 0, 0, 1, 1), a, Bench::Finish()}),
              AllOf(HasSubstr("instruction 1 (ALU MAX)"), HasSubstr("row 2052"), HasSubstr("depth 2048")));
  // 1x8x8: 2048 micro-ops of 4 bytes.
  EXPECT_THAT(ExecErrorOf(b, {Bench::Gemm(5, 4), Bench::Finish()}),
              AllOf(HasSubstr("instruction 0 (GEMM)"), HasSubstr("[5, 4)")));
  EXPECT_THAT(ExecErrorOf(b, {Bench::Alu(AluOp::kMin, 2000, 2049, true), Bench::Finish()}),
              AllOf(HasSubstr("instruction 0 (ALU MIN)"), HasSubstr("[2000, 2049)"), HasSubstr("[0, 2048)")));
}

// ---------------------------------------------------------------------------------------------
// Racy FINISH, flags, routes and stream shape

TEST(FsimErrors, FinishRacingWithPendingLoadsIsRejected) {
  Bench b;
  // Nothing orders FINISH after the loads (no tokens), whatever the interleaving.
  const std::string msg = ExecErrorOf(b, {b.Load(MemType::kInp, 0, 0, 1, 1), b.Load(MemType::kInp, 1, 0, 1, 1),
                                          b.Load(MemType::kWgt, 0, 0, 1, 1), Bench::Finish()});
  EXPECT_THAT(msg, AllOf(HasSubstr("instruction 3 (FINISH)"),
                         HasSubstr("not ordered after 3 of the load module's 3 instruction(s)"),
                         HasSubstr("first: instruction 0 (LOAD INP)")));
  Bench s;
  EXPECT_THAT(ExecErrorOf(s, {s.Store(0, 0, 1, 1), s.Store(0, 1, 1, 1), s.Store(0, 2, 1, 1), Bench::Finish()}),
              HasSubstr("not ordered after 3 of the store module's 3 instruction(s)"));
}

TEST(FsimErrors, IllegalDependencyFlagsAreRejectedBeforeAnythingRuns) {
  struct Case {
    Instruction insn;
    const char* want;
  };
  Bench b;
  Instruction l = b.Load(MemType::kWgt, 0, 0, 1, 1), s = b.Store(0, 0, 1, 1);
  Instruction l_pop_prev = l, l_push_prev = l, s_pop_next = s, s_push_next = s;
  l_pop_prev.pop_prev = true;
  l_push_prev.push_prev = true;
  s_pop_next.pop_next = true;
  s_push_next.push_next = true;
  const std::vector<Case> cases = {
      {l_pop_prev, "pop_prev is set, but the load module has no prev neighbour"},
      {l_push_prev, "push_prev is set, but the load module has no prev neighbour"},
      {s_pop_next, "pop_next is set, but the store module has no next neighbour"},
      {s_push_next, "push_next is set, but the store module has no next neighbour"},
  };
  for (const Case& c : cases) {
    b.dram.assign(Bench::kDramBytes, 0);
    b.PutAcc(0, b.Fill(8, 1));
    b.sim.Reset();
    // An ACC load first: it must not run, because the stream is rejected at fetch.
    const std::string msg = ExecErrorOf(b, {b.Load(MemType::kAcc, 0, 0, 1, 1), c.insn, Bench::Finish()});
    EXPECT_THAT(msg, AllOf(HasSubstr("instruction 1"), HasSubstr(c.want)));
    EXPECT_EQ(b.AccRow(0), b.Fill(8, 0)) << c.want;
  }
}

TEST(FsimErrors, IllegalRoutesPaddingAndStreamShape) {
  Bench b;
  EXPECT_THAT(ExecErrorOf(b, {b.Load(MemType::kOut, 0, 0, 1, 1), Bench::Finish()}),
              AllOf(HasSubstr("instruction 0 (LOAD OUT)"), HasSubstr("LOAD cannot target the OUT buffer")));
  Instruction st = b.Store(0, 0, 1, 1);
  st.memory_type = MemType::kAcc;
  EXPECT_THAT(ExecErrorOf(b, {st, Bench::Finish()}),
              AllOf(HasSubstr("instruction 0 (STORE ACC)"), HasSubstr("STORE reads only the OUT buffer")));
  Instruction uop_min = b.Load(MemType::kUop, 0, 0, 1, 1);
  uop_min.pad_min = true;
  EXPECT_THAT(ExecErrorOf(b, {uop_min, Bench::Finish()}),
              AllOf(HasSubstr("instruction 0 (LOAD UOP)"), HasSubstr("pad_min")));
  Instruction st_pad = b.Store(0, 0, 1, 1);
  st_pad.x_pad_0 = 1;
  EXPECT_THAT(ExecErrorOf(b, StoreThenFinish(st_pad)),
              AllOf(HasSubstr("instruction 0 (STORE OUT)"), HasSubstr("does not pad")));
  Instruction st_min = b.Store(0, 0, 1, 1);
  st_min.pad_min = true;
  EXPECT_THAT(ExecErrorOf(b, StoreThenFinish(st_min)),
              AllOf(HasSubstr("instruction 0 (STORE OUT)"), HasSubstr("pad_min 1")));
  EXPECT_THAT(ExecErrorOf(b, {b.Load(MemType::kAcc, 0, 0, 1, 1)}), HasSubstr("must end with FINISH"));
  EXPECT_THAT(ExecErrorOf(b, {}), HasSubstr("must end with FINISH"));
  EXPECT_THAT(ExecErrorOf(b, {Bench::Finish(), Bench::Finish()}),
              AllOf(HasSubstr("instruction 0"), HasSubstr("FINISH before the end of the stream")));
}

// ---------------------------------------------------------------------------------------------
// Malformed program files, through the same path `dcoc fsim run` takes: Deserialize, then run.

// Re-seals a container body (everything before the 12-byte trailer) with a valid checksum.
std::vector<uint8_t> Reseal(std::vector<uint8_t> bytes) {
  bytes.resize(bytes.size() - 12);
  Fnv1a64 h;
  h.Update(bytes);
  const uint64_t d = h.Digest();
  bytes.insert(bytes.end(), {'F', 'N', 'V', '1'});
  for (int b = 0; b < 8; ++b) bytes.push_back(uint8_t(d >> (8 * b)));
  return bytes;
}

// Byte offset of section `tag`'s payload.
size_t SectionPayload(const std::vector<uint8_t>& bytes, std::string_view tag) {
  for (size_t i = 16; i + 16 <= bytes.size(); ++i)
    if (std::string_view(reinterpret_cast<const char*>(&bytes[i]), 4) == tag) return i + 16;
  ADD_FAILURE() << "no section " << tag;
  return 0;
}

std::string FormatErrorOf(const std::vector<uint8_t>& bytes) {
  try {
    spec::Deserialize(bytes);
  } catch (const FormatError& e) {
    return e.what();
  }
  return "";
}

TEST(FsimErrors, MalformedProgramFilesAreRejectedWithAReason) {
  const spec::Program p = GenerateRandomProgram(spec::LoadConfig("1x8x8"), 5);
  const std::vector<uint8_t> good = spec::Serialize(p);
  ASSERT_TRUE(spec::Deserialize(good) == p);
  // Truncated anywhere: header, sections, trailer.
  for (size_t n : {size_t(0), size_t(7), size_t(20), good.size() / 2, good.size() - 1})
    EXPECT_THAT(FormatErrorOf(std::vector<uint8_t>(good.begin(), good.begin() + int64_t(n))),
                ::testing::AnyOf(HasSubstr("truncated"), HasSubstr("header"), HasSubstr("checksum")))
        << n << " bytes";
  // A flipped DRAM byte: the checksum no longer matches.
  std::vector<uint8_t> flipped = good;
  flipped[SectionPayload(good, "DRAM") + 3] ^= 0x40;
  EXPECT_THAT(FormatErrorOf(flipped), HasSubstr("checksum"));
  // An instruction with opcode 7 (resealed, so decoding reaches it).
  const size_t insn = SectionPayload(good, "INSN");
  std::vector<uint8_t> bad_op = good;
  bad_op[insn + 16 * 2] |= 0x7;
  EXPECT_THAT(FormatErrorOf(Reseal(bad_op)), AllOf(HasSubstr("instruction 2"), HasSubstr("opcode 7")));
  // A LOAD/STORE with memory type 6.
  size_t mem = 0;
  while (p.insns[mem].opcode != spec::Opcode::kLoad && p.insns[mem].opcode != spec::Opcode::kStore) ++mem;
  std::vector<uint8_t> bad_mem = good;
  const spec::Spec s = spec::Spec::Create(p.config);
  const spec::FieldSlot* mt = s.isa.mem.Find(spec::Field::kMemoryType);
  spec::Word128 w;
  uint8_t* at = &bad_mem[insn + 16 * mem];
  for (int b = 0; b < 8; ++b) {
    w.lo |= uint64_t(at[b]) << (8 * b);
    w.hi |= uint64_t(at[8 + b]) << (8 * b);
  }
  w.Set(mt->lsb, mt->width, 6);
  for (int b = 0; b < 8; ++b) {
    at[b] = uint8_t(w.lo >> (8 * b));
    at[8 + b] = uint8_t(w.hi >> (8 * b));
  }
  EXPECT_THAT(FormatErrorOf(Reseal(bad_mem)),
              AllOf(HasSubstr(fmt::format("instruction {}", mem)), HasSubstr("memory_type 6")));
}

// Any single-bit flip in the instruction words of a valid program is either rejected when the file
// is read (FormatError) or when it runs (ExecError), or runs to completion — never another exception,
// a crash or a hang.
TEST(FsimErrors, BitFlippedInstructionsNeverEscapeTheErrorHierarchy) {
  const spec::Program p = GenerateRandomProgram(spec::LoadConfig("min"), 9);
  const std::vector<uint8_t> good = spec::Serialize(p);
  const size_t insn = SectionPayload(good, "INSN");
  int format_errors = 0, exec_errors = 0, ran = 0;
  for (size_t k = 0; k < p.insns.size(); ++k) {
    for (int bit = 0; bit < 128; bit += 3) {
      std::vector<uint8_t> mutated = good;
      mutated[insn + 16 * k + size_t(bit / 8)] ^= uint8_t(1 << (bit % 8));
      spec::Program q;
      try {
        q = spec::Deserialize(Reseal(mutated));
      } catch (const FormatError&) {
        ++format_errors;
        continue;
      }
      // Bound the work a mutated loop count can ask for (a legal but very long program).
      uint64_t work = 0;
      for (const Instruction& i : q.insns)
        if (i.uop_end > i.uop_bgn) work += i.iter_out * i.iter_in * (i.uop_end - i.uop_bgn);
      if (work > 2'000'000) continue;
      try {
        RunProgram(q);
        ++ran;
      } catch (const ExecError&) {
        ++exec_errors;
      }
    }
  }
  EXPECT_GT(format_errors, 0);
  EXPECT_GT(exec_errors, 0);
  EXPECT_GT(ran, 0);
}

// Random instructions (any field values that encode), in random streams ending with FINISH: fsim either
// runs them or throws ExecError, and FindHazards returns its findings — never another exception, a crash or a hang (the work a decoded
// GEMM/ALU can ask for is bounded before running, since 16383 x 16383 iterations are legal).
TEST(FsimErrors, RandomStreamsNeverEscapeTheErrorHierarchy) {
  std::mt19937_64 rng(77);
  int ran = 0, errors = 0;
  for (const char* preset : {"min", "1x8x8", "2x16x32"}) {
    const spec::Spec s = spec::Spec::Create(spec::LoadConfig(preset));
    std::vector<uint8_t> image(1 << 16);
    for (uint8_t& b : image) b = uint8_t(rng());
    for (int n = 0; n < 400; ++n) {
      std::vector<Instruction> insns;
      const int len = 1 + int(rng() % 12);
      while (int(insns.size()) < len) {
        // Any field values that encode: mostly small (so sizes and addresses are often in range and
        // the instructions get past the bounds checks), sometimes anything the field holds.
        const spec::Opcode ops[] = {spec::Opcode::kLoad, spec::Opcode::kStore, spec::Opcode::kGemm, spec::Opcode::kAlu};
        Instruction in;
        in.opcode = ops[rng() % 4];
        const spec::Format& f = s.isa.ForOpcode(uint8_t(in.opcode));
        for (const spec::FieldSlot& slot : f.fields) {
          if (slot.field == spec::Field::kOpcode) continue;
          const uint64_t mask = slot.width >= 64 ? ~0ULL : (1ULL << slot.width) - 1;
          uint64_t v = rng() % 10 < 8 ? rng() % std::min<uint64_t>(mask + 1, 6) : rng() & mask;
          if (slot.field == spec::Field::kMemoryType) v = rng() % spec::kNumMemTypes;
          if (slot.field == spec::Field::kAluOpcode) v = rng() % spec::kNumAluOps;
          spec::SetField(in, slot.field, v, slot.width);
        }
        if (rng() % 8 != 0) in.pop_prev = in.pop_next = in.push_prev = in.push_next = false;
        insns.push_back(in);
      }
      insns.push_back(Bench::Finish());
      uint64_t work = 0;
      for (const Instruction& i : insns)
        if (i.uop_end > i.uop_bgn) work += i.iter_out * i.iter_in * (i.uop_end - i.uop_bgn);
      if (work > 200'000) continue;
      // The static checker takes any program too.
      spec::Program p;
      p.config = s.config;
      p.insns = insns;
      p.dram = image;
      (void)FindHazards(p);
      Fsim sim(s);
      std::vector<uint8_t> dram = image;
      try {
        sim.Run(insns, dram, {Interleave::kRandom, uint64_t(n)});
        ++ran;
      } catch (const ExecError&) {
        ++errors;
      }
    }
  }
  EXPECT_GT(ran, 0);
  EXPECT_GT(errors, 0);
}

}  // namespace
}  // namespace dcoc::sim
