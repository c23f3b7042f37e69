// Directed semantics tests of the functional simulator. Every expected value is worked out by hand
// from docs/semantics.md (the comments show the arithmetic), never by running fsim a second time.
#include <cstdint>
#include <limits>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "sim/fsim/fsim.h"
#include "tests/sim/fsim_bench.h"

namespace dcoc::sim {
namespace {

using ::testing::ElementsAre;
using spec::AluOp;
using spec::Instruction;
using spec::MemType;
using spec::Uop;
using testing::Bench;

constexpr int64_t kI32Max = std::numeric_limits<int32_t>::max();
constexpr int64_t kI32Min = std::numeric_limits<int32_t>::min();

Instruction With(Instruction i, bool pop_prev, bool pop_next, bool push_prev, bool push_next) {
  i.pop_prev = pop_prev;
  i.pop_next = pop_next;
  i.push_prev = push_prev;
  i.push_next = push_next;
  return i;
}

spec::HwConfig Acc16() {
  spec::HwConfig c = spec::LoadConfig("1x8x8");
  c.log_acc_width = 4;       // 16-bit accumulators
  c.log_acc_buff_size = 15;  // 2048 rows, as in 1x8x8 (4096 would not encode)
  return c;
}

// ---------------------------------------------------------------------------------------------
// GEMM

TEST(FsimGemm, DotProductsResetStoreAndCounters) {
  Bench b;
  b.PutInp(0, {-1, 2, -3, 4, -5, 6, -7, 8});
  std::vector<int64_t> w = b.Diagonal(0);
  for (int o = 0; o < 8; ++o) w[size_t(o * 8 + o)] = o + 1;  // w[o][o] = o + 1
  for (int o = 0; o < 8; ++o) w[size_t(o * 8 + 7)] += 1;     // w[o][7] += 1 (inp[7] = 8)
  b.PutWgt(0, w);
  b.PutUop(0, Uop{3, 0, 0});
  b.PutAcc(0, b.Fill(8, 1000));
  const Counters c = b.Run({b.Load(MemType::kInp, 0, 0, 1, 1), b.Load(MemType::kWgt, 0, 0, 1, 1)},
                           {b.Load(MemType::kUop, 0, 0, 1, 1), b.Load(MemType::kAcc, 3, 0, 1, 1),
                            Bench::Gemm(0, 1, /*reset=*/true), Bench::Gemm(0, 1)},
                           {b.Store(3, 0, 1, 1)});
  // acc[o] = inp[o] * (o + 1) + 8, except o = 7: 8 * (8 + 1).
  const std::vector<int64_t> want = {-1 + 8, 4 + 8, -9 + 8, 16 + 8, -25 + 8, 36 + 8, -49 + 8, 72};
  EXPECT_EQ(b.AccRow(3), want);
  EXPECT_EQ(b.OutRow(3), want);
  EXPECT_EQ(b.OutDram(0), want);
  EXPECT_THAT(c.insns, ElementsAre(2, 5, 1));
  EXPECT_EQ(c.gemm_uops, 2u);
  EXPECT_EQ(c.alu_uops, 0u);
  EXPECT_EQ(c.load_bytes[size_t(MemType::kUop)], 4u);
  EXPECT_EQ(c.load_bytes[size_t(MemType::kInp)], 8u);
  EXPECT_EQ(c.load_bytes[size_t(MemType::kWgt)], 64u);
  EXPECT_EQ(c.load_bytes[size_t(MemType::kAcc)], 32u);
  EXPECT_EQ(c.store_bytes, 8u);
  EXPECT_THAT(c.tokens, ElementsAre(1, 0, 1, 1));
}

TEST(FsimGemm, WrapsAtTheAccumulatorWidthAndNarrowsTheOutput) {
  Bench b(Acc16());
  b.PutInp(0, b.Fill(8, 127));
  b.PutWgt(0, b.Fill(64, 127));
  b.PutUop(0, Uop{0, 0, 0});
  b.Run({b.Load(MemType::kInp, 0, 0, 1, 1), b.Load(MemType::kWgt, 0, 0, 1, 1)},
        {b.Load(MemType::kUop, 0, 0, 1, 1), Bench::Gemm(0, 1, true), Bench::Gemm(0, 1)});
  // 8 * 127 * 127 = 129032 = 0x1F808 -> 16 bits 0xF808 = -2040; low byte 0x08.
  EXPECT_EQ(b.AccRow(0), b.Fill(8, -2040));
  EXPECT_EQ(b.OutRow(0), b.Fill(8, 8));
  b.Run({}, {Bench::Gemm(0, 1)});
  // -2040 + 129032 = 126992 = 0x1F010 -> 0xF010 = -4080; low byte 0x10.
  EXPECT_EQ(b.AccRow(0), b.Fill(8, -4080));
  EXPECT_EQ(b.OutRow(0), b.Fill(8, 16));
}

TEST(FsimGemm, BackToBackMicroOpsOnTheSameRowSeeEachOther) {
  Bench b;
  b.PutInp(0, b.Fill(8, 1));
  b.PutInp(1, b.Fill(8, 2));
  b.PutWgt(0, b.Diagonal(1));
  b.PutWgt(1, b.Fill(64, 1));
  b.PutUop(0, Uop{5, 0, 0});
  b.PutUop(1, Uop{5, 1, 0});
  b.PutUop(2, Uop{5, 0, 1});
  b.Run({b.Load(MemType::kInp, 0, 0, 1, 2), b.Load(MemType::kWgt, 0, 0, 1, 2)},
        {b.Load(MemType::kUop, 0, 0, 1, 3), Bench::Gemm(0, 3, true), Bench::Gemm(0, 3, false, 1, 2)});
  // Per pass: inp0 . diag = 1, inp1 . diag = 2, inp0 . ones = 8 -> 11; iter_in = 2 with zero
  // factors runs the three micro-ops twice on the same row: 22.
  EXPECT_EQ(b.AccRow(5), b.Fill(8, 22));
  EXPECT_EQ(b.sim.acc()[4 * 8], 0);
}

TEST(FsimGemm, TwoLevelLoopAddressing) {
  Bench b;
  for (int s = 0; s < 3; ++s) b.PutInp(uint64_t(s), b.Fill(8, s + 1));
  b.PutWgt(0, b.Diagonal(1));
  b.PutWgt(1, b.Diagonal(2));
  b.PutUop(0, Uop{0, 0, 0});
  Instruction reset = Bench::Gemm(0, 1, true, 2, 3);
  reset.dst_factor_out = 3;
  reset.dst_factor_in = 1;
  Instruction g = reset;
  g.reset = false;
  g.src_factor_out = 0;
  g.src_factor_in = 1;
  g.wgt_factor_out = 1;
  g.wgt_factor_in = 0;
  const Counters c = b.Run({b.Load(MemType::kInp, 0, 0, 1, 3), b.Load(MemType::kWgt, 0, 0, 1, 2)},
                           {b.Load(MemType::kUop, 0, 0, 1, 1), reset, g});
  // d = 3*i0 + i1, s = i1, w = i0: acc[d] = (i1 + 1) * (i0 + 1).
  const int64_t want[6] = {1, 2, 3, 2, 4, 6};
  for (int d = 0; d < 6; ++d) EXPECT_EQ(b.AccRow(uint64_t(d)), b.Fill(8, want[d])) << "row " << d;
  EXPECT_EQ(b.AccRow(6), b.Fill(8, 0));
  EXPECT_EQ(c.gemm_uops, 12u);
}

// Batch 2 with 16-bit inputs and weights: rows are [b][i] (INP), [o][i] (WGT), [b][o] (ACC, OUT),
// elements little-endian.
TEST(FsimGemm, BatchRowsAndSixteenBitElementsFollowTheDramLayout) {
  spec::HwConfig c = spec::LoadConfig("1x8x8");
  c.log_batch = 1;
  c.log_inp_width = 4;
  c.log_wgt_width = 4;
  Bench b(c);
  std::vector<int64_t> inp(16);
  for (int i = 0; i < 8; ++i) inp[size_t(i)] = 10 * (i + 1), inp[size_t(8 + i)] = -7 * (i + 1);
  b.PutInp(0, inp);
  std::vector<int64_t> w = b.Diagonal(100);
  for (int o = 0; o < 8; ++o) w[size_t(o * 8)] += o;  // w[o][0] += o
  b.PutWgt(0, w);
  b.PutUop(0, Uop{0, 0, 0});
  b.Run({b.Load(MemType::kInp, 0, 0, 1, 1), b.Load(MemType::kWgt, 0, 0, 1, 1)},
        {b.Load(MemType::kUop, 0, 0, 1, 1), Bench::Gemm(0, 1, true), Bench::Gemm(0, 1)}, {b.Store(0, 0, 1, 1)});
  // acc[0][o] = 100 * 10(o+1) + o * 10 = 1010 o + 1000; acc[1][o] = 100 * -7(o+1) + o * -7 = -707 o - 700.
  std::vector<int64_t> want(16);
  for (int o = 0; o < 8; ++o) want[size_t(o)] = 1010 * o + 1000, want[size_t(8 + o)] = -707 * o - 700;
  EXPECT_EQ(b.AccRow(0), want);
  EXPECT_EQ(b.OutDram(0), want);
  // out[0][1] = 2010 = 0x07DA and out[1][0] = -700 = 0xFD44, little-endian 16-bit.
  EXPECT_EQ(b.dram[Bench::kOutBase + 2], 0xDA);
  EXPECT_EQ(b.dram[Bench::kOutBase + 3], 0x07);
  EXPECT_EQ(b.dram[Bench::kOutBase + 16], 0x44);
  EXPECT_EQ(b.dram[Bench::kOutBase + 17], 0xFD);
}

// A store's bytes loaded back as inputs, ordered through the tokens: the data goes through DRAM.
TEST(FsimGemm, StoredOutputsLoadBackAsInputs) {
  Bench b;
  b.PutAcc(0, {1, -2, 3, -4, 5, -6, 7, -8});
  b.PutWgt(0, b.Diagonal(2));
  b.PutUop(0, Uop{0, 0, 0});
  Instruction acc = With(b.Load(MemType::kAcc, 0, 0, 1, 1), false, false, false, true);
  Instruction st = With(b.Store(0, 0, 1, 1), true, false, true, false);
  Instruction uop = With(b.Load(MemType::kUop, 0, 0, 1, 1), false, true, true, false);  // store done; release load
  Instruction inp = With(b.Load(MemType::kInp, 0, 0, 1, 1), false, true, false, false);
  inp.dram_base = Bench::kOutBase / uint64_t(b.s.inp_row_bytes);  // the stored row (8-bit, 8 elements)
  Instruction wgt = With(b.Load(MemType::kWgt, 0, 0, 1, 1), false, false, false, true);
  Instruction gemm = With(Bench::Gemm(0, 1), true, false, false, false);
  const Counters c = b.sim.Run(std::vector<Instruction>{acc, st, uop, inp, wgt, gemm, Bench::Finish()}, b.dram,
                               {Interleave::kRandom, 4});
  // acc[0] = a + 2 * narrow(a) = 3a.
  EXPECT_THAT(b.AccRow(0), ElementsAre(3, -6, 9, -12, 15, -18, 21, -24));
  EXPECT_THAT(c.tokens, ElementsAre(1, 1, 1, 1));
}

TEST(FsimGemm, ResetZeroesRowsLoadedBefore) {
  Bench b;
  b.PutAcc(0, b.Fill(8, -77));
  b.PutAcc(1, b.Fill(8, 300));
  b.PutUop(0, Uop{1, 0, 0});
  b.Run({}, {b.Load(MemType::kAcc, 0, 0, 1, 2), b.Load(MemType::kUop, 0, 0, 1, 1), Bench::Gemm(0, 1, true)},
        {b.Store(0, 0, 1, 2)});
  EXPECT_EQ(b.AccRow(0), b.Fill(8, -77));
  EXPECT_EQ(b.AccRow(1), b.Fill(8, 0));
  EXPECT_EQ(b.OutDram(0), b.Fill(8, -77));
  EXPECT_EQ(b.OutDram(1), b.Fill(8, 0));
}

// ---------------------------------------------------------------------------------------------
// ALU: row 0 = a, row 1 = b, micro-op {dst 0, src 1}.

const std::vector<int64_t> kA = {-7, 0, 5, 6, 100, -100, kI32Max, kI32Min};
const std::vector<int64_t> kB = {1, 2, 3, 4, 5, 6, 7, 8};

std::vector<int64_t> RunAlu(AluOp op, bool use_imm, int64_t imm) {
  Bench b;
  b.PutAcc(0, kA);
  b.PutAcc(1, kB);
  b.PutUop(0, Uop{0, 1, 0});
  b.Run({}, {b.Load(MemType::kAcc, 0, 0, 1, 2), b.Load(MemType::kUop, 0, 0, 1, 1), Bench::Alu(op, 0, 1, use_imm, imm)});
  return b.AccRow(0);
}

TEST(FsimAlu, MinMax) {
  EXPECT_THAT(RunAlu(AluOp::kMin, true, 5), ElementsAre(-7, 0, 5, 5, 5, -100, 5, kI32Min));
  EXPECT_THAT(RunAlu(AluOp::kMax, true, -3), ElementsAre(-3, 0, 5, 6, 100, -3, kI32Max, -3));
  EXPECT_THAT(RunAlu(AluOp::kMin, false, 0), ElementsAre(-7, 0, 3, 4, 5, -100, 7, kI32Min));
  EXPECT_THAT(RunAlu(AluOp::kMax, false, 0), ElementsAre(1, 2, 5, 6, 100, 6, kI32Max, 8));
}

TEST(FsimAlu, AddWrapsAndNarrowsTheOutput) {
  // INT32_MAX + 10 = INT32_MIN + 9; INT32_MIN + 10.
  EXPECT_THAT(RunAlu(AluOp::kAdd, true, 10), ElementsAre(3, 10, 15, 16, 110, -90, kI32Min + 9, kI32Min + 10));
  EXPECT_THAT(RunAlu(AluOp::kAdd, false, 0), ElementsAre(-6, 2, 8, 10, 105, -94, kI32Min + 6, kI32Min + 8));
  Bench b;
  b.PutAcc(0, {250, -130, 127, -128, 1000, 0, 0, 0});
  b.PutUop(0, Uop{0, 0, 0});
  b.Run({}, {b.Load(MemType::kAcc, 0, 0, 1, 1), b.Load(MemType::kUop, 0, 0, 1, 1), Bench::Alu(AluOp::kAdd, 0, 1, true, 10)},
        {b.Store(0, 0, 1, 1)});
  // 260 -> 0x104 -> 4; -120; 137 -> 0x89 -> -119; -118; 1010 = 0x3F2 -> -14; 10.
  EXPECT_THAT(b.OutRow(0), ElementsAre(4, -120, -119, -118, -14, 10, 10, 10));
  EXPECT_THAT(b.OutDram(0), ElementsAre(4, -120, -119, -118, -14, 10, 10, 10));
}

TEST(FsimAlu, ShrShiftsRightArithmeticallyAndLeftWhenNegative) {
  EXPECT_THAT(RunAlu(AluOp::kShr, true, 2), ElementsAre(-2, 0, 1, 1, 25, -25, 536870911, -536870912));
  // Left by 3: INT32_MAX * 8 = 0x3_FFFF_FFF8 -> -8; INT32_MIN * 8 -> 0.
  EXPECT_THAT(RunAlu(AluOp::kShr, true, -3), ElementsAre(-56, 0, 40, 48, 800, -800, -8, 0));
  // Right by 31 = ACC_WIDTH - 1: the sign.
  EXPECT_THAT(RunAlu(AluOp::kShr, true, 31), ElementsAre(-1, 0, 0, 0, 0, -1, 0, -1));
  // Tensor: a >> b = -7>>1, 0, 5>>3, 6>>4, 100>>5, -100>>6, INT32_MAX>>7, INT32_MIN>>8.
  EXPECT_THAT(RunAlu(AluOp::kShr, false, 0), ElementsAre(-4, 0, 0, 0, 3, -2, 16777215, -8388608));
}

TEST(FsimAlu, ShrAmountIsTheLowLogAccWidthPlusOneBitsSigned) {
  // 32-bit accumulators: 6 bits. 64 -> 0: no shift.
  EXPECT_EQ(RunAlu(AluOp::kShr, true, 64), kA);
  // 35 -> 6-bit -29: left by 29; only the low 3 bits of a survive: a mod 8 << 29.
  // -7 -> 1 << 29; 5 -> 0xA000_0000; 6 -> 0xC000_0000; 100, -100 -> 4 << 29; INT32_MAX -> 7 << 29.
  EXPECT_THAT(RunAlu(AluOp::kShr, true, 35),
              ElementsAre(536870912, 0, -1610612736, -1073741824, kI32Min, kI32Min, -536870912, 0));
  // -40 -> 6-bit 24: right by 24.
  EXPECT_THAT(RunAlu(AluOp::kShr, true, -40), ElementsAre(-1, 0, 0, 0, 0, -1, 127, -128));
  // -32 and 32 (6-bit -32): left by 32 >= ACC_WIDTH gives 0.
  EXPECT_EQ(RunAlu(AluOp::kShr, true, -32), std::vector<int64_t>(8, 0));
  EXPECT_EQ(RunAlu(AluOp::kShr, true, 32), std::vector<int64_t>(8, 0));
  // 33 -> 6-bit -31: left by 31, only bit 0 survives into the sign bit.
  EXPECT_THAT(RunAlu(AluOp::kShr, true, 33), ElementsAre(kI32Min, 0, kI32Min, 0, 0, 0, kI32Min, 0));
}

TEST(FsimAlu, ShrWith16BitAccumulatorsUsesFiveBits) {
  Bench b(Acc16());
  b.PutAcc(0, {3, -5, 16, 8, 0, 1, -1, 32767});
  b.PutAcc(1, {3, -5, 16, 8, 0, 1, -1, 32767});
  b.PutUop(0, Uop{0, 0, 0});
  b.PutUop(1, Uop{1, 0, 0});
  b.Run({}, {b.Load(MemType::kAcc, 0, 0, 1, 2), b.Load(MemType::kUop, 0, 0, 1, 2),
             Bench::Alu(AluOp::kShr, 0, 1, true, 20), Bench::Alu(AluOp::kShr, 1, 2, true, 15)});
  // 20 -> 5-bit -12: left by 12, wrapping at 16 bits (16 << 12 = 0x10000 -> 0; 8 << 12 = 0x8000).
  EXPECT_THAT(b.AccRow(0), ElementsAre(12288, -20480, 0, -32768, 0, 4096, -4096, -4096));
  // 15: right by 15 = ACC_WIDTH - 1.
  EXPECT_THAT(b.AccRow(1), ElementsAre(0, -1, 0, 0, 0, 0, -1, 0));
}

TEST(FsimAlu, MulWraps) {
  // INT32_MAX * -3 = -6442450941 -> +2^33 = 2147483651 -> -2147483645; INT32_MIN * -3 -> INT32_MIN.
  EXPECT_THAT(RunAlu(AluOp::kMul, true, -3), ElementsAre(21, 0, -15, -18, -300, 300, -2147483645, kI32Min));
  // INT32_MAX * 7 = 15032385529 - 3 * 2^32 = 2147483641; INT32_MIN * 8 = -2^34 -> 0.
  EXPECT_THAT(RunAlu(AluOp::kMul, false, 0), ElementsAre(-7, 0, 15, 24, 500, -600, 2147483641, 0));
  Bench b(Acc16());
  b.PutAcc(0, {300, -300, 256, 181, 0, 1, -1, 2});
  b.PutUop(0, Uop{0, 0, 0});
  b.Run({}, {b.Load(MemType::kAcc, 0, 0, 1, 1), b.Load(MemType::kUop, 0, 0, 1, 1), Bench::Alu(AluOp::kMul, 0, 1, false)});
  // Squares at 16 bits: 90000 - 65536 = 24464; 65536 -> 0; 32761.
  EXPECT_THAT(b.AccRow(0), ElementsAre(24464, 24464, 0, 32761, 0, 1, 1, 4));
}

TEST(FsimAlu, Clip) {
  EXPECT_THAT(RunAlu(AluOp::kClip, true, 127), ElementsAre(-7, 0, 5, 6, 100, -100, 127, -128));
  EXPECT_THAT(RunAlu(AluOp::kClip, true, -128), ElementsAre(-7, 0, 5, 6, 100, -100, 127, -128));
  EXPECT_THAT(RunAlu(AluOp::kClip, true, 0), ElementsAre(-1, 0, 0, 0, 0, -1, 0, -1));    // [-1, 0]
  EXPECT_THAT(RunAlu(AluOp::kClip, true, -3), ElementsAre(-3, 0, 2, 2, 2, -3, 2, -3));  // [-3, 2]
  // Tensor: [~b, b] = [-2, 1], [-3, 2], [-4, 3], [-5, 4], [-6, 5], [-7, 6], [-8, 7], [-9, 8].
  EXPECT_THAT(RunAlu(AluOp::kClip, false, 0), ElementsAre(-2, 0, 3, 4, 5, -7, 7, -9));
}

TEST(FsimAlu, MovAndReset) {
  EXPECT_EQ(RunAlu(AluOp::kMov, true, -5), std::vector<int64_t>(8, -5));
  EXPECT_EQ(RunAlu(AluOp::kMov, true, -32768), std::vector<int64_t>(8, -32768));
  EXPECT_EQ(RunAlu(AluOp::kMov, false, 0), kB);
  Bench b;
  b.PutAcc(0, kA);
  b.PutUop(0, Uop{0, 0, 0});
  Instruction r = Bench::Alu(AluOp::kAdd, 0, 1, true, 1);
  r.reset = true;
  const Counters c = b.Run({}, {b.Load(MemType::kAcc, 0, 0, 1, 1), b.Load(MemType::kUop, 0, 0, 1, 1), r});
  EXPECT_EQ(b.AccRow(0), std::vector<int64_t>(8, 0));
  EXPECT_EQ(c.alu_uops, 1u);
}

TEST(FsimAlu, TwoLevelLoopWithSourceFactors) {
  Bench b;
  for (int r = 0; r < 6; ++r) b.PutAcc(uint64_t(r), b.Fill(8, r));
  b.PutAcc(6, b.Fill(8, 100));
  b.PutAcc(7, b.Fill(8, 200));
  b.PutUop(0, Uop{0, 6, 0});
  Instruction add = Bench::Alu(AluOp::kAdd, 0, 1, false);
  add.iter_out = 2;
  add.iter_in = 3;
  add.dst_factor_out = 3;
  add.dst_factor_in = 1;
  add.src_factor_out = 1;
  add.src_factor_in = 0;
  const Counters c = b.Run({}, {b.Load(MemType::kAcc, 0, 0, 1, 8), b.Load(MemType::kUop, 0, 0, 1, 1), add});
  // d = 3*i0 + i1 gets row 6 + i0: rows 0-2 + 100, rows 3-5 + 200.
  const int64_t want[6] = {100, 101, 102, 203, 204, 205};
  for (int d = 0; d < 6; ++d) EXPECT_EQ(b.AccRow(uint64_t(d)), b.Fill(8, want[d])) << "row " << d;
  EXPECT_EQ(c.alu_uops, 6u);
}

TEST(FsimAlu, ImmediateIsSignExtendedFrom16Bits) {
  Bench b;
  b.PutAcc(0, b.Fill(8, 0));
  b.PutUop(0, Uop{0, 0, 0});
  b.Run({}, {b.Load(MemType::kAcc, 0, 0, 1, 1), b.Load(MemType::kUop, 0, 0, 1, 1),
             Bench::Alu(AluOp::kAdd, 0, 1, true, -32768), Bench::Alu(AluOp::kAdd, 0, 1, true, 32767)});
  EXPECT_EQ(b.AccRow(0), b.Fill(8, -1));
}

TEST(FsimAlu, EmptyRangeAndZeroIterationsDoNothing) {
  Bench b;
  b.PutAcc(0, b.Fill(8, 9));
  b.PutUop(0, Uop{0, 0, 0});
  Instruction zero_iter = Bench::Alu(AluOp::kAdd, 0, 1, true, 1);
  zero_iter.iter_in = 0;
  const Counters c = b.Run({}, {b.Load(MemType::kAcc, 0, 0, 1, 1), b.Load(MemType::kUop, 0, 0, 1, 1),
                                Bench::Alu(AluOp::kAdd, 1, 1, true, 1), zero_iter, Bench::Gemm(0, 0)});
  EXPECT_EQ(b.AccRow(0), b.Fill(8, 9));
  EXPECT_EQ(c.alu_uops, 0u);
  EXPECT_EQ(c.gemm_uops, 0u);
}

// ---------------------------------------------------------------------------------------------
// LOAD and STORE

TEST(FsimLoad, AccPaddingZeroAndMinimumAroundTheData) {
  for (bool pad_min : {false, true}) {
    Bench b;
    b.PutAcc(0, b.Fill(8, 77));
    b.PutAcc(1, kB);
    Instruction ld = b.Load(MemType::kAcc, 10, 1, 1, 1);
    ld.y_pad_0 = 1;
    ld.x_pad_0 = 1;
    ld.x_pad_1 = 1;
    ld.pad_min = pad_min;
    // Fill rows 9..16 with 77 first, so rows the padded load must not touch are visible.
    Instruction fill = b.Load(MemType::kAcc, 9, 0, 8, 1);
    fill.x_stride = 0;  // all eight rows from DRAM row 0
    const Counters c = b.Run({}, {fill, ld});
    // (1 + 1 + 0) x (1 + 1 + 1) = 6 rows at 10..15; the data lands at y = 1, x = 1: row 14.
    const int64_t pad = pad_min ? kI32Min : 0;
    for (uint64_t r : {10, 11, 12, 13, 15}) {
      EXPECT_EQ(b.AccRow(r), b.Fill(8, pad)) << "row " << r;
      EXPECT_EQ(b.OutRow(r), b.Fill(8, 0)) << "row " << r;  // narrow(INT32_MIN) = 0
    }
    EXPECT_EQ(b.AccRow(14), kB);
    EXPECT_EQ(b.OutRow(14), kB);
    EXPECT_EQ(b.AccRow(9), b.Fill(8, 77));
    EXPECT_EQ(b.AccRow(16), b.Fill(8, 77));
    EXPECT_EQ(c.pad_rows[size_t(MemType::kAcc)], 5u);
    EXPECT_EQ(c.load_bytes[size_t(MemType::kAcc)], 8u * 32 + 32);
  }
}

TEST(FsimLoad, InputPaddingSeenThroughAnIdentityGemm) {
  for (bool pad_min : {false, true}) {
    Bench b;
    b.PutInp(0, kB);
    b.PutWgt(0, b.Diagonal(1));
    for (uint32_t d = 0; d < 3; ++d) b.PutUop(d, Uop{d, d, 0});
    Instruction ld = b.Load(MemType::kInp, 0, 0, 1, 1);
    ld.x_pad_0 = 1;
    ld.x_pad_1 = 1;
    ld.pad_min = pad_min;
    const Counters c = b.Run({ld, b.Load(MemType::kWgt, 0, 0, 1, 1)},
                             {b.Load(MemType::kUop, 0, 0, 1, 3), Bench::Gemm(0, 3, true), Bench::Gemm(0, 3)});
    // inp rows: pad, data, pad; acc[d] = inp[d] through the identity weights.
    const int64_t pad = pad_min ? -128 : 0;
    EXPECT_EQ(b.AccRow(0), b.Fill(8, pad));
    EXPECT_EQ(b.AccRow(1), kB);
    EXPECT_EQ(b.AccRow(2), b.Fill(8, pad));
    EXPECT_EQ(c.pad_rows[size_t(MemType::kInp)], 2u);
  }
}

TEST(FsimLoad, WeightPaddingSeenThroughAGemm) {
  for (bool pad_min : {false, true}) {
    Bench b;
    b.PutInp(0, b.Fill(8, 1));
    b.PutWgt(0, b.Diagonal(3));
    b.PutUop(0, Uop{0, 0, 1});  // the padded weight row
    b.PutUop(1, Uop{1, 0, 0});  // the loaded one
    Instruction ld = b.Load(MemType::kWgt, 0, 0, 1, 1);
    ld.y_pad_1 = 1;
    ld.pad_min = pad_min;
    b.Run({b.Load(MemType::kInp, 0, 0, 1, 1), ld},
          {b.Load(MemType::kUop, 0, 0, 1, 2), Bench::Gemm(0, 2, true), Bench::Gemm(0, 2)});
    // sum_i 1 * pad = 8 * -128 = -1024 with the minimum; 0 with zeros.
    EXPECT_EQ(b.AccRow(0), b.Fill(8, pad_min ? -1024 : 0));
    EXPECT_EQ(b.AccRow(1), b.Fill(8, 3));
  }
}

TEST(FsimLoad, MicroOpZeroPaddingWritesMicroOpZero) {
  Bench b;
  b.PutAcc(0, b.Fill(8, 10));
  b.PutAcc(1, b.Fill(8, 20));
  b.PutUop(0, Uop{1, 1, 0});
  Instruction ld = b.Load(MemType::kUop, 0, 0, 1, 1);
  ld.x_pad_0 = 1;  // uop[0] = {0, 0, 0}, uop[1] = {1, 1, 0}
  const Counters c = b.Run({}, {b.Load(MemType::kAcc, 0, 0, 1, 2), ld, Bench::Alu(AluOp::kAdd, 0, 2, true, 1)});
  EXPECT_EQ(b.AccRow(0), b.Fill(8, 11));
  EXPECT_EQ(b.AccRow(1), b.Fill(8, 21));
  EXPECT_EQ(c.pad_rows[size_t(MemType::kUop)], 1u);
}

TEST(FsimLoad, TwoDimensionalStridedLoad) {
  Bench b;
  for (int r = 0; r < 6; ++r) b.PutAcc(uint64_t(r), b.Fill(8, (r + 1) * 10));
  b.Run({}, {b.Load(MemType::kAcc, 0, 0, 2, 2, 3)});
  // DRAM rows 0, 1, 3, 4.
  EXPECT_EQ(b.AccRow(0), b.Fill(8, 10));
  EXPECT_EQ(b.AccRow(1), b.Fill(8, 20));
  EXPECT_EQ(b.AccRow(2), b.Fill(8, 40));
  EXPECT_EQ(b.AccRow(3), b.Fill(8, 50));
}

TEST(FsimLoad, ZeroSizeLoadsAndStoresMoveNothing) {
  Bench b;
  b.PutAcc(0, b.Fill(8, 5));
  Instruction z = b.Load(MemType::kAcc, 0, 0, 0, 1);
  z.x_pad_0 = 3;  // pads do not apply when nothing moves
  const std::vector<uint8_t> before = b.dram;
  const Counters c = b.Run({b.Load(MemType::kInp, 0, 0, 1, 0)}, {z}, {b.Store(0, 0, 0, 4)});
  EXPECT_EQ(b.AccRow(0), b.Fill(8, 0));
  EXPECT_TRUE(b.dram == before);
  EXPECT_EQ(c.load_bytes[size_t(MemType::kAcc)] + c.load_bytes[size_t(MemType::kInp)] + c.store_bytes, 0u);
  EXPECT_EQ(c.pad_rows[size_t(MemType::kAcc)], 0u);
  EXPECT_THAT(c.tokens, ElementsAre(1, 0, 1, 1));
}

TEST(FsimStore, AccLoadThenStoreReturnsTheLoadedDataNarrowed) {
  Bench b;
  b.PutAcc(0, {300, -129, 127, -128, 0, 1, 255, 256});
  b.Run({}, {b.Load(MemType::kAcc, 7, 0, 1, 1)}, {b.Store(7, 0, 1, 1)});
  // 300 = 0x12C -> 0x2C = 44; -129 -> 127; 255 -> -1; 256 -> 0.
  EXPECT_THAT(b.OutDram(0), ElementsAre(44, 127, 127, -128, 0, 1, -1, 0));
}

TEST(FsimStore, StridedStoreLeavesTheGapsAlone) {
  Bench b;
  for (int r = 0; r < 4; ++r) b.PutAcc(uint64_t(r), b.Fill(8, r + 1));
  std::fill(b.dram.begin() + int64_t(Bench::kOutBase), b.dram.end(), uint8_t(0x5A));
  const Counters c = b.Run({}, {b.Load(MemType::kAcc, 0, 0, 1, 4)}, {b.Store(0, 0, 2, 2, 3)});
  // out rows 0..3 go to DRAM rows 0, 1, 3, 4; rows 2 and 5 keep 0x5A.
  EXPECT_EQ(b.OutDram(0), b.Fill(8, 1));
  EXPECT_EQ(b.OutDram(1), b.Fill(8, 2));
  EXPECT_EQ(b.OutDram(2), b.Fill(8, 0x5A));
  EXPECT_EQ(b.OutDram(3), b.Fill(8, 3));
  EXPECT_EQ(b.OutDram(4), b.Fill(8, 4));
  EXPECT_EQ(b.OutDram(5), b.Fill(8, 0x5A));
  EXPECT_EQ(c.store_bytes, 32u);
}

TEST(Fsim, ScratchpadsPersistAcrossRunsUntilReset) {
  Bench b;
  b.PutAcc(0, b.Fill(8, 42));
  b.Run({}, {b.Load(MemType::kAcc, 3, 0, 1, 1)});
  b.Run({}, {}, {b.Store(3, 0, 1, 1)});
  EXPECT_EQ(b.OutDram(0), b.Fill(8, 42));
  b.sim.Reset();
  b.Run({}, {}, {b.Store(3, 0, 1, 1)});
  EXPECT_EQ(b.OutDram(0), b.Fill(8, 0));
}

TEST(Fsim, RunProgramUsesAFreshSimulatorAndLeavesTheProgramAlone) {
  Bench b;
  b.PutAcc(0, b.Fill(8, -3));
  spec::Program p;
  p.config = spec::LoadConfig("1x8x8");
  p.dram = b.dram;
  Instruction ld = b.Load(MemType::kAcc, 0, 0, 1, 1);
  ld.push_next = true;
  Instruction st = b.Store(0, 0, 1, 1);
  st.pop_prev = true;
  st.push_prev = true;
  Instruction fin = Bench::Finish();
  fin.pop_next = true;
  p.insns = {ld, st, fin};
  const FsimResult r = RunProgram(p, {Interleave::kRandom, 5});
  EXPECT_TRUE(p.dram == b.dram);
  Bench out;
  out.dram = r.dram;
  EXPECT_EQ(out.OutDram(0), b.Fill(8, -3));
  EXPECT_EQ(r.counters.insns[size_t(Module::kStore)], 1u);
}

}  // namespace
}  // namespace dcoc::sim
