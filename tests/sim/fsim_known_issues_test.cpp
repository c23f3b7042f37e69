// Deviations of fsim from docs/semantics.md and DESIGN.md found while writing the generator and its
// tests, now fixed; each test states the rule it checks and keeps it from coming back.
#include <cstdint>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "host/common/error.h"
#include "sim/fsim/fsim.h"
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

// semantics.md: "When FINISH executes, every instruction of the load and store modules must already
// have executed (a program must order them before FINISH with tokens); otherwise the program is
// racy and rejected." fsim only notices when the interleaving it happens to pick runs FINISH early:
// round-robin runs the load first, so this racy program passes in kDeterministic mode (and with
// kRandom seeds 1 and 2). An interleaving-independent check: vector clocks (each module's count of
// executed instructions of every module that happen-before it, carried by the tokens); at FINISH,
// compute's clock must cover all load and store instructions.
TEST(FsimKnownIssues, FinishNotOrderedAfterALoadIsRejectedUnderEveryInterleaving) {
  for (Interleave mode : {Interleave::kDeterministic, Interleave::kRandom}) {
    for (uint64_t seed : {1, 2, 3}) {
      Bench b;
      try {
        b.sim.Run(std::vector<Instruction>{b.Load(MemType::kInp, 0, 0, 1, 1), Bench::Finish()}, b.dram, {mode, seed});
        ADD_FAILURE() << "racy FINISH accepted, interleave " << int(mode) << " seed " << seed;
      } catch (const ExecError& e) {
        EXPECT_THAT(std::string(e.what()), AllOf(HasSubstr("FINISH"), HasSubstr("load module")));
      }
    }
  }
}

// semantics.md: "Every SRAM row index is checked against its buffer's depth ... before anything is
// written". fsim checks GEMM/ALU rows per iteration, so iterations before the failing one have
// already written: here the reset GEMM zeroes row 2046 before failing on row 2048.
TEST(FsimKnownIssues, OutOfBoundsGemmWritesNothing) {
  Bench b;
  b.PutAcc(0, b.Fill(8, 7));
  b.PutUop(0, Uop{2046, 0, 0});
  b.Run({}, {b.Load(MemType::kAcc, 2046, 0, 1, 1), b.Load(MemType::kUop, 0, 0, 1, 1)});
  Instruction g = Bench::Gemm(0, 1, true, 1, 3);
  g.dst_factor_in = 1;  // rows 2046, 2047, 2048 (depth 2048)
  EXPECT_THROW(b.sim.Run(std::vector<Instruction>{g, Bench::Finish()}, b.dram), ExecError);
  EXPECT_EQ(b.AccRow(2046), b.Fill(8, 7));
  Instruction a = Bench::Alu(AluOp::kAdd, 0, 1, true, 1);
  a.iter_in = 3;
  a.dst_factor_in = 1;
  EXPECT_THROW(b.sim.Run(std::vector<Instruction>{a, Bench::Finish()}, b.dram), ExecError);
  EXPECT_EQ(b.AccRow(2046), b.Fill(8, 7));
}

// DESIGN.md: bad input is reported as an error, never undefined behaviour. An Instruction built in
// memory (compiler, tests) can hold enum values no word decodes to; fsim's messages call spec::Name,
// whose std::array::at throws std::out_of_range instead of an ExecError.
TEST(FsimKnownIssues, UnknownEnumValuesAreExecErrors) {
  Bench b;
  Instruction ld = b.Load(MemType::kInp, 0, 0, 1, 1);
  ld.memory_type = MemType(7);
  EXPECT_THROW(b.sim.Run(std::vector<Instruction>{ld, Bench::Finish()}, b.dram), ExecError);
  Instruction st = b.Store(0, 0, 1, 1);
  st.memory_type = MemType(7);
  EXPECT_THROW(b.sim.Run(std::vector<Instruction>{st, Bench::Finish()}, b.dram), ExecError);
  Instruction alu = Bench::Alu(AluOp(9), 0, 0, true);
  alu.pop_prev = true;  // deadlocks: the deadlock message describes the ALU op
  EXPECT_THROW(b.sim.Run(std::vector<Instruction>{alu, Bench::Finish()}, b.dram), ExecError);
}

// The same for field values wider than their encoding: the bounds checks compute
// sram_base + rows and (dram_base + ...) * row_bytes in 64 bits, which wrap. sram_base = 2^64 - 1
// passes the check and writes before the input buffer (AddressSanitizer: heap-buffer-overflow in
// Fsim::ExecLoad); dram_base = 2^60 wraps to byte 0 and silently loads row 0. Checking at fetch that
// every instruction encodes (spec::Encode, which names the field and its width) would close this.
TEST(FsimKnownIssues, FieldsTooWideForTheirEncodingAreExecErrors) {
  Bench b;
  Instruction far_dram = b.Load(MemType::kAcc, 0, 0, 1, 1);
  far_dram.dram_base = uint64_t(1) << 60;
  EXPECT_THROW(b.sim.Run(std::vector<Instruction>{far_dram, Bench::Finish()}, b.dram), Error);
  Instruction far_sram = b.Load(MemType::kAcc, 0, 0, 1, 1);
  far_sram.sram_base = ~uint64_t(0);
  EXPECT_THROW(b.sim.Run(std::vector<Instruction>{far_sram, Bench::Finish()}, b.dram), Error);
}

// semantics.md: "pad_min on a UOP load is an error". fsim returns early for zero-size loads before
// that check (STORE, by contrast, rejects pads even when it moves nothing).
TEST(FsimKnownIssues, PadMinOnAZeroSizeMicroOpLoadIsAnError) {
  Bench b;
  Instruction ld = b.Load(MemType::kUop, 0, 0, 0, 1);
  ld.pad_min = true;
  EXPECT_THROW(b.sim.Run(std::vector<Instruction>{ld, Bench::Finish()}, b.dram), ExecError);
}

}  // namespace
}  // namespace dcoc::sim
