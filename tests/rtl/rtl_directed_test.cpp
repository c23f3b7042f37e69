// Directed RTL tests: each instruction kind, the accumulator hazard, padding, deep token chains, the
// ALU ops, the error paths (deadlock, bad instruction, DRAM bounds, racy FINISH), every register of
// the map, waveforms, and the GEMM efficiency figure. Results are compared with fsim on the same
// stream and DRAM image (fsim is the reference; tests/sim checks it against hand-worked values).
#include <filesystem>
#include <random>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "host/common/error.h"
#include "host/spec/counters.h"
#include "host/spec/regmap.h"
#include "sim/verilator/harness.h"
#include "tests/sim/fsim_bench.h"

namespace dcoc::test {
namespace {

using sim::testing::Bench;
using spec::AluOp;
using spec::Instruction;
using spec::MemType;
using spec::Uop;

// Token wiring as Bench::Run does it, returning the stream instead of running it.
std::vector<Instruction> Wire(std::vector<Instruction> load, std::vector<Instruction> compute,
                              std::vector<Instruction> store, const Bench& b) {
  if (compute.empty() && (!load.empty() || !store.empty())) compute.push_back(b.Load(MemType::kAcc, 0, 0, 0, 0));
  if (!load.empty()) {
    load.back().push_next = true;
    compute.front().pop_prev = true;
  }
  Instruction fin = Bench::Finish();
  if (!store.empty()) {
    compute.back().push_next = true;
    store.front().pop_prev = true;
    store.back().push_prev = true;
    fin.pop_next = true;
  }
  std::vector<Instruction> all;
  all.insert(all.end(), load.begin(), load.end());
  all.insert(all.end(), compute.begin(), compute.end());
  all.insert(all.end(), store.begin(), store.end());
  all.push_back(fin);
  return all;
}

class Rtl {
 public:
  explicit Rtl(const std::string& preset) : s(spec::Spec::Create(spec::LoadConfig(preset))), h(s, sim::CreateVtaModel(s)) {}

  // Runs `insns` on fsim and on the RTL from the same image; the whole DRAM image must agree.
  sim::HarnessResult RunBoth(Bench& b, const std::vector<Instruction>& insns, const sim::HarnessOptions& o = {}) {
    std::vector<uint8_t> ref = b.dram;
    sim::Fsim f(b.s);
    f.Run(insns, ref);
    sim::HarnessResult r = RunRtl(b.dram, insns, o);
    EXPECT_TRUE(std::equal(ref.begin(), ref.end(), h.dram().begin())) << FirstDiff(ref);
    return r;
  }
  sim::HarnessResult RunRtl(const std::vector<uint8_t>& image, const std::vector<Instruction>& insns,
                            const sim::HarnessOptions& o = {}) {
    const auto stream = spec::EncodeStream(s.isa, insns);
    h.dram() = image;
    const uint64_t at = (image.size() + 63) / 64 * 64;
    h.dram().resize(at, 0);
    h.dram().insert(h.dram().end(), stream.begin(), stream.end());
    return h.Run(at, uint32_t(insns.size()), o);
  }
  std::string FirstDiff(const std::vector<uint8_t>& ref) {
    for (size_t i = 0; i < ref.size(); ++i)
      if (ref[i] != h.dram()[i])
        return fmt::format("first difference at byte {:#x} (OUT area row {}): fsim {:#04x}, rtl {:#04x}", i,
                           i >= Bench::kOutBase ? (i - Bench::kOutBase) / uint64_t(s.out_row_bytes) : 0, ref[i],
                           h.dram()[i]);
    return "";
  }

  spec::Spec s;
  sim::Harness h;
};

std::vector<int64_t> Random(std::mt19937_64& rng, int n, int bits) {
  std::vector<int64_t> v(size_t(n), 0);
  for (auto& x : v) x = int64_t(rng() % (1ULL << bits)) - (int64_t(1) << (bits - 1));
  return v;
}

void FillRandom(Bench& b, uint64_t seed) {
  std::mt19937_64 rng(seed);
  for (uint64_t r = 0; r < 32; ++r) {
    b.PutInp(r, Random(rng, b.s.batch * b.s.block_in, b.s.inp_bits));
    b.PutWgt(r, Random(rng, b.s.block_out * b.s.block_in, b.s.wgt_bits));
    b.PutAcc(r, Random(rng, b.s.batch * b.s.block_out, b.s.acc_bits));
  }
}

// ---------------------------------------------------------------------------------------------
// Instructions and the hazard

TEST(RtlDirected, GemmBackToBackWritesToOneRow) {
  Rtl rtl("1x8x8");
  Bench b(rtl.s.config);
  FillRandom(b, 1);
  // Eight micro-ops, all writing accumulator row 5: each must see the previous one's result.
  for (uint32_t u = 0; u < 8; ++u) b.PutUop(u, Uop{5, u, 7 - u});
  b.PutUop(8, Uop{5, 0, 0});
  Instruction g = Bench::Gemm(0, 8, false, 3, 2);
  g.src_factor_out = 1;
  g.wgt_factor_in = 1;
  const auto insns = Wire({b.Load(MemType::kInp, 0, 0, 1, 16), b.Load(MemType::kWgt, 0, 0, 1, 16)},
                          {b.Load(MemType::kUop, 0, 0, 1, 9), b.Load(MemType::kAcc, 0, 0, 1, 8),
                           Bench::Gemm(8, 9, true), g, Bench::Gemm(0, 8)},
                          {b.Store(0, 0, 1, 8)}, b);
  const auto r = rtl.RunBoth(b, insns);
  EXPECT_EQ(r.counters.at("gemm_uops"), 1u + 48u + 8u);
}

TEST(RtlDirected, AllAluOpsImmediateAndTensor) {
  for (const char* preset : {"1x8x8", "default"}) {
    Rtl rtl(preset);
    Bench b(rtl.s.config);
    FillRandom(b, 2);
    for (uint32_t u = 0; u < 4; ++u) b.PutUop(u, Uop{u, (u + 1) % 4, 0});  // dst u, src u+1: chained rows
    b.PutUop(4, Uop{2, 2, 0});                                              // dst == src
    std::vector<Instruction> compute = {b.Load(MemType::kUop, 0, 0, 1, 5)};
    uint64_t out_row = 0;
    std::vector<Instruction> store;
    const int64_t imms[] = {-7, 3, 0, 31, -33, 127, -32768, 32767};
    for (int op = 0; op < spec::kNumAluOps; ++op) {
      for (int mode = 0; mode < 3; ++mode) {
        compute.push_back(b.Load(MemType::kAcc, 0, uint64_t(op), 1, 4));
        Instruction a = Bench::Alu(AluOp(op), 0, mode == 2 ? 5 : 4, mode == 0, imms[(op + mode) % 8]);
        a.iter_out = 2;
        compute.push_back(a);
        // Each result goes out through its own store, in order.
        Instruction st = b.Store(0, out_row, 1, 4);
        out_row += 4;
        compute.back().push_next = true;
        st.pop_prev = true;
        st.push_prev = true;
        compute.push_back(b.Load(MemType::kAcc, 0, 0, 0, 0));
        compute.back().pop_next = true;
        store.push_back(st);
      }
    }
    // Interleave so that every store follows its producer: compute block, then its store.
    std::vector<Instruction> all;
    size_t si = 0;
    for (const Instruction& c : compute) {
      all.push_back(c);
      if (c.push_next) all.push_back(store[si++]);
    }
    all.push_back(Bench::Finish());
    const auto r = rtl.RunBoth(b, all);
    EXPECT_GT(r.counters.at("alu_uops"), 100u) << preset;
  }
}

TEST(RtlDirected, PaddingZeroAndMinimumForEveryLoadedType) {
  Rtl rtl("1x8x8");
  Bench b(rtl.s.config);
  FillRandom(b, 3);
  b.PutUop(0, Uop{0, 0, 0});
  for (uint32_t u = 1; u < 16; ++u) b.PutUop(u, Uop{u, u, u % 8});
  Instruction inp = b.Load(MemType::kInp, 0, 2, 2, 3, 5);
  inp.y_pad_0 = 1, inp.y_pad_1 = 1, inp.x_pad_0 = 2, inp.x_pad_1 = 1;  // 4 x 6 = 24 rows
  inp.pad_min = true;
  Instruction wgt = b.Load(MemType::kWgt, 0, 1, 2, 2, 3);
  wgt.x_pad_0 = 1, wgt.y_pad_1 = 2;  // 4 x 3 = 12 rows, zero padding
  Instruction uop = b.Load(MemType::kUop, 1, 1, 1, 3);
  uop.x_pad_1 = 2;  // micro-ops 1..3 loaded, 4..5 zero (dst 0, src 0, wgt 0)
  Instruction acc = b.Load(MemType::kAcc, 0, 4, 3, 2, 4);
  acc.y_pad_0 = 1, acc.x_pad_0 = 1, acc.x_pad_1 = 1;  // 4 x 4 = 16 rows, minimum padding
  acc.pad_min = true;
  Instruction gemm = Bench::Gemm(0, 6, false, 2, 2);
  gemm.dst_factor_out = 8, gemm.src_factor_out = 6, gemm.src_factor_in = 1, gemm.wgt_factor_in = 3;
  const auto insns = Wire({inp, wgt}, {uop, acc, gemm}, {b.Store(0, 0, 1, 24)}, b);
  rtl.RunBoth(b, insns);
}

// LOAD ACC_8BIT: int8 rows (narrower than, as wide as, or wider than a bus beat) sign-extended into the
// accumulator, zero and minimum padding, a 2-D strided run, then an ALU add and a store of every row.
TEST(RtlDirected, Acc8BitLoadsWidenInt8Rows) {
  for (const char* cfg : {"1x8x8", "default", "2x16x32"}) {
    SCOPED_TRACE(cfg);
    Rtl rtl(cfg);
    Bench b(rtl.s.config);
    FillRandom(b, 6);
    b.PutUop(0, Uop{0, 16, 0});
    Instruction a8 = b.Load(MemType::kAcc8, 0, 3, 3, 2, 5);
    a8.y_pad_0 = 1, a8.x_pad_0 = 1, a8.x_pad_1 = 1;  // 4 x 4 = 16 rows, zero padding
    Instruction m8 = b.Load(MemType::kAcc8, 16, 40, 1, 3);
    m8.x_pad_1 = 2, m8.pad_min = true;  // 5 rows, two of them -128
    Instruction add = Bench::Alu(spec::AluOp::kAdd, 0, 1, false);
    add.iter_in = 5, add.dst_factor_in = 1, add.src_factor_in = 1;  // acc[0..5) += acc[16..21)
    const auto insns = Wire({}, {b.Load(MemType::kUop, 0, 0, 1, 1), a8, m8, add}, {b.Store(0, 0, 1, 21)}, b);
    rtl.RunBoth(b, insns);
  }
}

TEST(RtlDirected, StridedStoresAndZeroSizeInstructions) {
  Rtl rtl("default");
  Bench b(rtl.s.config);
  FillRandom(b, 4);
  Instruction empty_inp = b.Load(MemType::kInp, 0, 0, 0, 3);
  empty_inp.y_pad_0 = 2;  // moves nothing, pads nothing
  const auto insns = Wire({empty_inp, b.Load(MemType::kInp, 0, 0, 1, 4)},
                          {b.Load(MemType::kAcc, 0, 0, 4, 3, 5), Bench::Gemm(0, 0), Bench::Gemm(0, 1, false, 0, 3)},
                          {b.Store(0, 1, 4, 3, 7), b.Store(0, 0, 2, 0)}, b);
  rtl.RunBoth(b, insns);
}

TEST(RtlDirected, DeepTokenChains) {
  Rtl rtl("1x8x8");
  Bench b(rtl.s.config);
  FillRandom(b, 5);
  b.PutUop(0, Uop{0, 0, 0});
  // 200 loads each hand one token to compute; compute consumes them one by one, 100 of them handing
  // a token back to load through compute->load, which 100 later loads wait for.
  std::vector<Instruction> all;
  for (int i = 0; i < 200; ++i) {
    Instruction l = b.Load(MemType::kInp, uint64_t(i % 16), uint64_t(i % 16), 1, 1);
    l.push_next = true;
    all.push_back(l);
  }
  for (int i = 0; i < 200; ++i) {
    Instruction c = b.Load(MemType::kUop, 0, 0, 1, 1);
    c.pop_prev = true;
    c.push_prev = i < 100;
    all.push_back(c);
  }
  for (int i = 0; i < 100; ++i) {
    Instruction l = b.Load(MemType::kWgt, uint64_t(i % 8), uint64_t(i % 8), 1, 1);
    l.pop_next = true;
    all.push_back(l);
  }
  Instruction last = b.Load(MemType::kInp, 0, 0, 1, 1);
  last.push_next = true;
  all.push_back(last);
  Instruction c = Bench::Gemm(0, 1);
  c.pop_prev = true;
  all.push_back(c);
  all.push_back(Bench::Finish());
  const auto r = rtl.RunBoth(b, all);
  EXPECT_EQ(r.counters.at("load_insns"), 301u);
  EXPECT_EQ(r.counters.at("compute_insns"), 202u);
}

// ---------------------------------------------------------------------------------------------
// Performance figures

TEST(RtlDirected, GemmSustainsOneMicroOpPerCycle) {
  Rtl rtl("default");
  Bench b(rtl.s.config);
  FillRandom(b, 6);
  for (uint32_t u = 0; u < 16; ++u) b.PutUop(u, Uop{u % 4, u, u});  // rows repeat every 4 micro-ops
  Instruction g = Bench::Gemm(0, 16, false, 64, 64);
  const auto insns = Wire({}, {b.Load(MemType::kUop, 0, 0, 1, 16), g}, {}, b);
  const auto r = rtl.RunBoth(b, insns);
  const double eff = double(r.counters.at("gemm_uops")) / double(r.cycles);
  RecordProperty("gemm_efficiency", std::to_string(eff));
  std::printf("GEMM-only program: %llu micro-ops in %llu cycles, efficiency %.4f\n",
              static_cast<unsigned long long>(r.counters.at("gemm_uops")), static_cast<unsigned long long>(r.cycles), eff);
  EXPECT_EQ(r.counters.at("gemm_uops"), 65536u);
  EXPECT_GE(eff, 0.98);
}

TEST(RtlDirected, AluRates) {
  Rtl rtl("default");
  Bench b(rtl.s.config);
  FillRandom(b, 7);
  for (uint32_t u = 0; u < 8; ++u) b.PutUop(u, Uop{u, (u + 3) % 8, 0});
  for (bool imm : {true, false}) {
    Instruction a = Bench::Alu(AluOp::kAdd, 0, 8, imm, 5);
    a.iter_out = 32;
    a.iter_in = 32;
    const auto insns = Wire({}, {b.Load(MemType::kUop, 0, 0, 1, 8), b.Load(MemType::kAcc, 0, 0, 1, 8), a}, {}, b);
    const auto r = rtl.RunBoth(b, insns);
    const double rate = double(r.counters.at("alu_uops")) / double(r.counters.at("compute_busy"));
    std::printf("ALU %s: %llu micro-ops, %.3f per busy cycle\n", imm ? "immediate" : "tensor-tensor",
                static_cast<unsigned long long>(r.counters.at("alu_uops")), rate);
    EXPECT_GE(rate, imm ? 0.95 : 0.48);
  }
}

// A tensor MOV reads only its source row and issues every cycle: a chain of micro-ops each reading
// the row the previous one wrote (forwarded from P2), and a row moved onto itself, must match fsim.
TEST(RtlDirected, TensorMovIsSinglePassAndForwards) {
  Rtl rtl("default");
  Bench b(rtl.s.config);
  FillRandom(b, 8);
  for (uint32_t u = 0; u < 8; ++u) b.PutUop(u, Uop{u + 1, u, 0});  // acc[u + 1] = acc[u]
  b.PutUop(8, Uop{4, 4, 0});
  b.PutUop(9, Uop{0, 9, 0});
  for (uint32_t u = 10; u < 18; ++u) b.PutUop(u, Uop{16 + (u - 10), (u + 3) % 8, 0});
  Instruction chain = Bench::Alu(AluOp::kMov, 0, 10, false);
  chain.iter_out = 3;
  chain.src_factor_out = 1;  // later passes shift the chain by one row
  chain.dst_factor_out = 1;
  Instruction add = Bench::Alu(AluOp::kAdd, 10, 18, false);  // reads rows the MOVs wrote
  Instruction mov = Bench::Alu(AluOp::kMov, 10, 18, false);
  mov.iter_in = 2;
  mov.src_factor_in = 8;
  const auto insns = Wire({}, {b.Load(MemType::kUop, 0, 0, 1, 18), b.Load(MemType::kAcc, 0, 0, 1, 24), chain, add, mov},
                          {b.Store(0, 0, 1, 24)}, b);
  const auto r = rtl.RunBoth(b, insns);
  EXPECT_EQ(r.counters.at("alu_uops"), 30u + 8u + 16u);

  Instruction big = Bench::Alu(AluOp::kMov, 10, 18, false);
  big.iter_out = 32;
  big.iter_in = 32;
  const auto r2 = rtl.RunBoth(b, Wire({}, {b.Load(MemType::kUop, 0, 0, 1, 18), b.Load(MemType::kAcc, 0, 0, 1, 24), big}, {}, b));
  const double rate = double(r2.counters.at("alu_uops")) / double(r2.counters.at("compute_busy"));
  std::printf("ALU tensor MOV: %llu micro-ops, %.3f per busy cycle\n",
              static_cast<unsigned long long>(r2.counters.at("alu_uops")), rate);
  EXPECT_GE(rate, 0.95);
}

// ---------------------------------------------------------------------------------------------
// Errors

TEST(RtlDirected, DeadlockIsReportedWithQueueState) {
  Rtl rtl("1x8x8");
  Bench b(rtl.s.config);
  Instruction g = Bench::Gemm(0, 0);
  g.pop_prev = true;  // nobody ever pushes load->compute
  sim::HarnessOptions o;
  o.watchdog_cycles = 20000;
  const std::vector<Instruction> insns = {g, Bench::Finish()};
  o.insns = insns;
  try {
    rtl.RunRtl(b.dram, insns, o);
    FAIL() << "expected a deadlock error";
  } catch (const ExecError& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("deadlock"), std::string::npos) << m;
    EXPECT_NE(m.find("load->compute 0"), std::string::npos) << m;
    EXPECT_NE(m.find("executed load 0, compute 0"), std::string::npos) << m;
    EXPECT_NE(m.find("compute is at instruction 0 (GEMM"), std::string::npos) << m;
    EXPECT_NE(m.find("waiting for a token in load->compute"), std::string::npos) << m;
  }
  // The harness recovers: the next program runs (reset clears the stuck module).
  rtl.h.Reset();
  rtl.RunBoth(b, {Bench::Finish()});
}

TEST(RtlDirected, BadInstructionIsFlagged) {
  Rtl rtl("1x8x8");
  Bench b(rtl.s.config);
  Instruction bad = b.Store(0, 0, 1, 1);
  bad.memory_type = MemType::kInp;  // STORE of INP: no module executes it
  try {
    rtl.RunRtl(b.dram, {bad, Bench::Finish()});
    FAIL() << "expected an error";
  } catch (const ExecError& e) {
    EXPECT_NE(std::string(e.what()).find("no module executes"), std::string::npos) << e.what();
  }
}

TEST(RtlDirected, DramOutOfBoundsIsReported) {
  Rtl rtl("1x8x8");
  Bench b(rtl.s.config);
  Instruction l = b.Load(MemType::kAcc, 0, 1 << 20, 1, 1);  // far past the image
  try {
    rtl.RunRtl(b.dram, {l, Bench::Finish()});
    FAIL() << "expected an error";
  } catch (const ExecError& e) {
    EXPECT_NE(std::string(e.what()).find("outside the"), std::string::npos) << e.what();
  }
}

TEST(RtlDirected, RacyFinishIsFlagged) {
  Rtl rtl("1x8x8");
  Bench b(rtl.s.config);
  Instruction st = b.Store(0, 0, 1, 1);
  st.pop_prev = true;  // waits for a token compute never pushes; FINISH runs meanwhile
  try {
    rtl.RunRtl(b.dram, {st, Bench::Finish()});
    FAIL() << "expected an error";
  } catch (const ExecError& e) {
    EXPECT_NE(std::string(e.what()).find("FINISH executed while"), std::string::npos) << e.what();
  }
}

// Every instruction fetch routes to no module is flagged (ERROR.BAD_INSN), and the run still reaches
// FINISH: LOAD of OUT, and the opcodes past ALU (patched into an encoded word: the encoder refuses them).
TEST(RtlDirected, UnroutableInstructionsAreFlagged) {
  Rtl rtl("1x8x8");
  Bench b(rtl.s.config);
  const std::vector<Instruction> load_out = {b.Load(MemType::kOut, 0, 0, 1, 1), Bench::Finish()};
  std::vector<std::vector<uint8_t>> streams = {spec::EncodeStream(rtl.s.isa, load_out)};
  for (uint8_t opcode = 5; opcode < 8; ++opcode) {
    std::vector<uint8_t> st = spec::EncodeStream(rtl.s.isa, std::vector<Instruction>{Bench::Finish(), Bench::Finish()});
    st[0] = uint8_t((st[0] & ~7u) | opcode);  // the opcode is the word's low three bits
    streams.push_back(st);
  }
  for (const auto& st : streams) {
    rtl.h.dram() = b.dram;
    const uint64_t at = (b.dram.size() + 63) / 64 * 64;
    rtl.h.dram().resize(at, 0);
    rtl.h.dram().insert(rtl.h.dram().end(), st.begin(), st.end());
    try {
      rtl.h.Run(at, 2);
      ADD_FAILURE() << "expected an error for opcode " << (st[0] & 7);
    } catch (const ExecError& e) {
      EXPECT_NE(std::string(e.what()).find("no module executes"), std::string::npos) << e.what();
    }
  }
}

// Long runs: an INP load, an ACC load and a store of 200 rows each, from row 100 of their DRAM areas, so
// every run is split into bursts both at 256 beats and at a 4 KiB boundary (read DMA and store).
TEST(RtlDirected, LongRunsSplitAt256BeatsAnd4KiB) {
  Rtl rtl("default");
  Bench b(rtl.s.config);
  FillRandom(b, 9);
  std::mt19937_64 rng(9);
  for (uint64_t r = 32; r < 300; ++r) {
    b.PutInp(r, Random(rng, b.s.batch * b.s.block_in, b.s.inp_bits));
    if (r < 250) b.PutAcc(r, Random(rng, b.s.batch * b.s.block_out, b.s.acc_bits));
  }
  const uint64_t bus = uint64_t(rtl.s.bus_bytes);
  ASSERT_GT(200 * uint64_t(rtl.s.inp_row_bytes), 256 * bus);
  ASSERT_GT(200 * uint64_t(rtl.s.out_row_bytes), 256 * bus);
  const auto insns = Wire({b.Load(MemType::kInp, 0, 100, 1, 200)}, {b.Load(MemType::kAcc, 0, 50, 1, 200)},
                          {b.Store(0, 100, 1, 200)}, b);
  rtl.RunBoth(b, insns);
}

// Out-of-bounds scratchpad accesses: the instruction is skipped, ERROR.SRAM_BOUNDS latches the first
// one, and the harness names the module, the instruction and the index.
std::string BoundsError(Rtl& rtl, const Bench& b, const std::vector<Instruction>& insns) {
  sim::HarnessOptions o;
  o.insns = insns;
  try {
    rtl.RunRtl(b.dram, insns, o);
  } catch (const ExecError& e) {
    return e.what();
  }
  return "no error";
}

TEST(RtlDirected, ScratchpadBoundsAreReported) {
  Rtl rtl("1x8x8");
  Bench b(rtl.s.config);
  const uint64_t inp = uint64_t(rtl.s.inp_depth), acc = uint64_t(rtl.s.acc_depth), uop = uint64_t(rtl.s.uop_depth);
  {
    Instruction l = b.Load(MemType::kInp, inp - 2, 0, 1, 4);  // rows inp-2 .. inp+1
    l.push_next = true;
    Instruction fin = Bench::Finish();
    fin.pop_prev = true;
    const std::string m = BoundsError(rtl, b, {b.Load(MemType::kInp, 0, 0, 1, 1), l, fin});
    EXPECT_NE(m.find(fmt::format("the load module's instruction 1 of its stream (instruction 1: LOAD")), std::string::npos) << m;
    EXPECT_NE(m.find(fmt::format("INP index {}, outside the buffer's {} entries", inp, inp)), std::string::npos) << m;
  }
  {
    b.PutUop(0, Uop{uint32_t(acc - 1), 0, 0});
    Instruction g = Bench::Gemm(0, 1, true, 2, 1);
    g.dst_factor_out = 1;  // second iteration writes row acc
    const std::string m = BoundsError(rtl, b, {b.Load(MemType::kUop, 0, 0, 1, 1), g, Bench::Finish()});
    EXPECT_NE(m.find("the compute module's instruction 1"), std::string::npos) << m;
    EXPECT_NE(m.find(fmt::format("ACC index {}", acc)), std::string::npos) << m;
  }
  {
    const std::string m = BoundsError(rtl, b, {b.Load(MemType::kAcc, acc - 1, 0, 1, 2), Bench::Finish()});
    EXPECT_NE(m.find("the compute module's instruction 0"), std::string::npos) << m;
    EXPECT_NE(m.find(fmt::format("ACC index {}", acc)), std::string::npos) << m;
  }
  {
    const std::string m = BoundsError(rtl, b, {Bench::Gemm(0, uop + 1), Bench::Finish()});
    EXPECT_NE(m.find(fmt::format("UOP index {}", uop + 1)), std::string::npos) << m;
  }
  {
    Instruction st = b.Store(acc - 1, 0, 1, 2);
    st.push_prev = true;
    Instruction fin = Bench::Finish();
    fin.pop_next = true;
    const std::string m = BoundsError(rtl, b, {st, fin});
    EXPECT_NE(m.find("the store module's instruction 0"), std::string::npos) << m;
    EXPECT_NE(m.find(fmt::format("OUT index {}", acc)), std::string::npos) << m;
  }
  // An in-bounds program runs clean on the same harness afterwards.
  rtl.RunBoth(b, {Bench::Finish()});
}

// ---------------------------------------------------------------------------------------------
// Register map and waveforms

TEST(RtlRegisters, EveryRegister) {
  Rtl rtl("1x8x8");
  sim::Harness& h = rtl.h;
  const uint64_t hash = rtl.s.config_hash;
  EXPECT_EQ(h.ReadReg(spec::RegisterOffset("CONFIG_HASH_LO")), uint32_t(hash));
  EXPECT_EQ(h.ReadReg(spec::RegisterOffset("CONFIG_HASH_HI")), uint32_t(hash >> 32));
  h.WriteReg(spec::RegisterOffset("CONFIG_HASH_LO"), 0);  // read-only: ignored
  EXPECT_EQ(h.ReadReg(spec::RegisterOffset("CONFIG_HASH_LO")), uint32_t(hash));
  for (const char* r : {"INSN_ADDR_LO", "INSN_ADDR_HI", "INSN_COUNT"}) {
    h.WriteReg(spec::RegisterOffset(r), 0xdeadbeef);
    EXPECT_EQ(h.ReadReg(spec::RegisterOffset(r)), 0xdeadbeefu) << r;
  }
  EXPECT_EQ(h.ReadReg(spec::RegisterOffset("CTRL")), 0u);
  EXPECT_EQ(h.ReadReg(0x0F0), 0u);                                   // unmapped
  EXPECT_EQ(h.ReadReg(spec::kCounterBase + 8 * 200), 0u);              // past the last counter
  for (const char* r : {"TOKENS_0", "TOKENS_1", "ERROR"}) EXPECT_EQ(h.ReadReg(spec::RegisterOffset(r)), 0u) << r;

  // A run: DONE is set, counters count, and the next start clears DONE and every counter at once.
  Bench b(rtl.s.config);
  FillRandom(b, 8);
  b.PutUop(0, Uop{0, 0, 0});
  const auto insns = Wire({b.Load(MemType::kInp, 0, 0, 1, 2)}, {b.Load(MemType::kUop, 0, 0, 1, 1), Bench::Gemm(0, 1, false, 3, 1)},
                          {b.Store(0, 0, 1, 1)}, b);
  const auto r = rtl.RunBoth(b, insns);
  EXPECT_EQ(h.ReadReg(spec::RegisterOffset("STATUS")) & spec::kStatusDone, spec::kStatusDone);
  EXPECT_EQ(h.ReadReg(spec::RegisterOffset("INSN_DONE")), uint32_t(insns.size()));
  EXPECT_EQ(r.counters.at("fetch_insns"), insns.size());
  EXPECT_EQ(r.counters.at("fetch_bytes_read"), insns.size() * 16);
  EXPECT_EQ(r.counters.at("load_insns"), 1u);
  EXPECT_EQ(r.counters.at("compute_insns"), 3u);
  EXPECT_EQ(r.counters.at("store_insns"), 1u);
  EXPECT_EQ(r.counters.at("gemm_uops"), 3u);
  EXPECT_EQ(r.counters.at("load_bytes_read"), 2u * uint64_t(rtl.s.inp_row_bytes));
  EXPECT_EQ(r.counters.at("compute_bytes_read"), uint64_t(rtl.s.uop_bytes));
  EXPECT_EQ(r.counters.at("store_bytes_written"), uint64_t(rtl.s.out_row_bytes));
  EXPECT_GT(r.counters.at("cycles"), 0u);
  EXPECT_GT(r.counters.at("load_busy"), 0u);
  EXPECT_GT(r.counters.at("compute_busy"), 0u);
  EXPECT_GT(r.counters.at("store_busy"), 0u);
  EXPECT_GT(r.counters.at("compute_stall_l2c") + r.counters.at("store_stall_c2s"), 0u);
  // A counter read is LO then HI; HI is the latched upper half (0 here).
  EXPECT_EQ(h.ReadReg(spec::kCounterBase + 4), 0u);
  // Start again with an instruction count pointing at a stream that blocks: DONE drops immediately.
  Instruction g = Bench::Gemm(0, 0);
  g.pop_prev = true;
  const auto stream = spec::EncodeStream(rtl.s.isa, std::vector<Instruction>{g, Bench::Finish()});
  h.dram().insert(h.dram().end(), 64 - h.dram().size() % 64, 0);
  const uint64_t at = h.dram().size();
  h.dram().insert(h.dram().end(), stream.begin(), stream.end());
  h.WriteReg(spec::RegisterOffset("INSN_ADDR_LO"), uint32_t(at));
  h.WriteReg(spec::RegisterOffset("INSN_ADDR_HI"), 0);
  h.WriteReg(spec::RegisterOffset("INSN_COUNT"), 2);
  h.WriteReg(spec::RegisterOffset("CTRL"), 1);
  const uint32_t st = h.ReadReg(spec::RegisterOffset("STATUS"));
  EXPECT_EQ(st & spec::kStatusDone, 0u);
  EXPECT_EQ(st & spec::kStatusRunning, spec::kStatusRunning);
  EXPECT_LT(h.ReadReg(spec::CounterOffset(spec::RtlCounterIndex("cycles"))), 50u);
  EXPECT_EQ(h.ReadReg(spec::CounterOffset(spec::RtlCounterIndex("gemm_uops"))), 0u);
  for (int i = 0; i < 40; ++i) (void)h.ReadReg(spec::RegisterOffset("STATUS"));
  EXPECT_EQ(h.ReadReg(spec::RegisterOffset("STATE")) & (1u << 17), 1u << 17);  // GEMM waits in compute's queue
  EXPECT_EQ(h.ReadReg(spec::CounterOffset(spec::RtlCounterIndex("compute_stall_l2c"))) > 0, true);
  h.Reset();
}

TEST(RtlTrace, WritesAnFstWaveform) {
  Rtl rtl("1x8x8");
  Bench b(rtl.s.config);
  const auto path = std::filesystem::temp_directory_path() / "dcoc_rtl_trace_test.fst";
  std::filesystem::remove(path);
  sim::HarnessOptions o;
  o.trace_path = path.string();
  rtl.RunRtl(b.dram, {b.Load(MemType::kAcc, 0, 0, 1, 1), Bench::Finish()}, o);
  ASSERT_TRUE(std::filesystem::exists(path));
  EXPECT_GT(std::filesystem::file_size(path), 1000u);
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace dcoc::test
