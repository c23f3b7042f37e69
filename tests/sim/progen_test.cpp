// The random program generator: validity, determinism, coverage of every instruction kind, and the
// key property of fsim — a generated program gives the same DRAM image and the same counters under
// every interleaving of the three modules, does not depend on the scratchpads' reset contents, and
// agrees with a plain sequential model written from docs/semantics.md (tests/sim/golden_model.h).
#include <algorithm>
#include <array>
#include <random>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "host/common/error.h"
#include "host/spec/hw_config.h"
#include "host/spec/program.h"
#include "sim/fsim/fsim.h"
#include "sim/progen/hazards.h"
#include "sim/progen/progen.h"
#include "tests/sim/golden_model.h"

namespace dcoc::sim {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using spec::AluOp;
using spec::Instruction;
using spec::MemType;
using spec::Opcode;

// A random valid configuration: every integer key uniform in its range (queue depth 2-6), retried
// until spec::Spec::Create accepts it.
spec::HwConfig RandomConfig(uint64_t seed) {
  std::mt19937_64 rng(seed);
  for (;;) {
    spec::HwConfig c;
    for (const spec::KeyRange& r : spec::IntegerKeyRanges()) {
      const int hi = r.key == "DEP_QUEUE_DEPTH" ? 6 : r.hi;
      const int lo = r.key == "DEP_QUEUE_DEPTH" ? 2 : r.lo;
      c.*r.member = lo + int(rng() % uint64_t(hi - lo + 1));
    }
    try {
      (void)spec::Spec::Create(c);
      return c;
    } catch (const ConfigError&) {
    }
  }
}

struct NamedConfig {
  std::string name;
  spec::HwConfig config;
};
void PrintTo(const NamedConfig& c, std::ostream* os) { *os << c.name << " (" << spec::ConfigTag(c.config) << ")"; }

// Every preset, three random configurations, a tight token queue, and a configuration whose weight
// buffer holds a single row (so the generator falls back to one slot per scratchpad).
std::vector<NamedConfig> PropertyConfigs() {
  std::vector<NamedConfig> out;
  for (const spec::Preset& p : spec::Presets()) out.push_back({std::string(p.name), p.config});
  for (uint64_t s : {11, 22, 33}) out.push_back({fmt::format("random{}", s), RandomConfig(s)});
  spec::HwConfig dq2 = spec::LoadConfig("1x8x8");
  dq2.dep_queue_depth = 2;
  out.push_back({"1x8x8_dq2", dq2});
  spec::HwConfig two_rows = spec::LoadConfig("1x64x64");
  two_rows.log_wgt_width = 4;
  two_rows.log_wgt_buff_size = 14;  // 64x64 16-bit weights = 8 KiB rows: the smallest legal buffer, two rows
  out.push_back({"two_weight_rows", two_rows});
  spec::HwConfig wide_uop = spec::LoadConfig("1x8x8");
  wide_uop.log_inp_buff_size = 13;  // 1024 input rows: 10 bits
  wide_uop.log_wgt_buff_size = 17;  // 2048 weight rows: 11 bits
  wide_uop.log_uop_buff_size = 7;   // 64-bit micro-ops (11 + 11 + 11 bits): only 16 of them
  out.push_back({"sixteen_wide_uops", wide_uop});
  return out;
}

// Options that keep the property suite fast on every configuration.
GenOptions PropertyOptions() {
  GenOptions o;
  o.max_insns = 160;
  o.max_macs = uint64_t(1) << 20;
  o.max_window_rows = 24;
  o.max_window_bytes = 1 << 14;
  return o;
}

// Program n of a configuration: small (above), the defaults, or many blocks (so slots are reused
// often) with long micro-op loops and wide windows.
GenOptions VariedOptions(int n) {
  if (n % 3 == 0) return PropertyOptions();
  GenOptions o;
  if (n % 3 == 2) {
    o.blocks = 8;
    o.max_ops_per_block = 12;
    o.max_uops = 32;
    o.max_iter = 8;
    o.max_window_rows = 64;
    o.max_macs = uint64_t(1) << 21;
  }
  return o;
}

// The region named `name`, or an empty one.
spec::Region RegionOr(const spec::Program& p, std::string_view name) {
  const spec::Region* r = p.FindRegion(name);
  return r ? *r : spec::Region{};
}

// Fills every scratchpad row (micro-op, input, weight, accumulator/out) with random data, so a
// program that reads a row it never wrote gives a different result than on a fresh simulator.
void Dirty(Fsim& sim, uint64_t seed) {
  const spec::Spec& s = sim.spec();
  std::mt19937_64 rng(seed);
  const std::vector<std::pair<MemType, int64_t>> bufs = {{MemType::kUop, s.uop_depth * s.uop_bytes},
                                                         {MemType::kInp, s.inp_depth * s.inp_row_bytes},
                                                         {MemType::kWgt, s.wgt_depth * s.wgt_row_bytes},
                                                         {MemType::kAcc, s.acc_depth * s.acc_row_bytes}};
  std::vector<Instruction> insns;
  std::vector<uint8_t> dram;
  for (auto [m, bytes] : bufs) {
    const int64_t depth = m == MemType::kUop ? s.uop_depth : m == MemType::kInp ? s.inp_depth : m == MemType::kWgt ? s.wgt_depth : s.acc_depth;
    const int64_t row_bytes = bytes / depth;
    const uint64_t at = (dram.size() + uint64_t(row_bytes) - 1) / uint64_t(row_bytes) * uint64_t(row_bytes);
    dram.resize(at + uint64_t(bytes));
    for (uint64_t b = at; b < dram.size(); ++b) dram[b] = uint8_t(rng());
    Instruction ld;
    ld.opcode = Opcode::kLoad;
    ld.memory_type = m;
    ld.dram_base = at / uint64_t(row_bytes);
    ld.y_size = 1;
    ld.x_size = uint64_t(depth);
    ld.x_stride = uint64_t(depth);
    // The load module's loads must finish before FINISH: its last (WGT) pushes a load->compute
    // token that the ACC load (compute) pops.
    ld.push_next = m == MemType::kWgt;
    ld.pop_prev = m == MemType::kAcc;
    insns.push_back(ld);  // the junk micro-ops are never executed
  }
  Instruction fin;
  fin.opcode = Opcode::kFinish;
  insns.push_back(fin);
  sim.Run(insns, dram);
}

// The stream order itself is a legal execution: each pop finds a token pushed earlier in the
// stream, each push finds room (DEP_QUEUE_DEPTH), FINISH is last. VTA's fetch unit dispatches in
// stream order into bounded command queues, so this is what keeps fetch from stalling for good.
std::string StreamOrderProblem(const spec::Program& p) {
  std::array<int64_t, kNumTokenQueues> tokens{};
  for (size_t n = 0; n < p.insns.size(); ++n) {
    const Instruction& i = p.insns[n];
    const Module m = RouteOf(i, n);
    // (pop_prev, pop_next, push_prev, push_next) queues of each module; -1: none.
    static constexpr int kQ[3][4] = {{-1, 1, -1, 0}, {0, 3, 1, 2}, {2, -1, 3, -1}};
    const int* q = kQ[size_t(m)];
    const bool flag[4] = {i.pop_prev, i.pop_next, i.push_prev, i.push_next};
    for (int k = 0; k < 2; ++k)
      if (flag[k] && tokens[size_t(q[k])]-- == 0) return fmt::format("instruction {} pops an empty queue", n);
    for (int k = 2; k < 4; ++k)
      if (flag[k] && ++tokens[size_t(q[k])] > p.config.dep_queue_depth)
        return fmt::format("instruction {} pushes into a full queue", n);
  }
  return p.insns.back().opcode == Opcode::kFinish ? "" : "the stream does not end with FINISH";
}

// ---------------------------------------------------------------------------------------------
// The key property, per configuration.// ---------------------------------------------------------------------------------------------
// The key property, per configuration.

class ProgenProperty : public ::testing::TestWithParam<NamedConfig> {};

TEST_P(ProgenProperty, SameResultUnderEveryInterleavingAndScratchpadState) {
  const spec::HwConfig& cfg = GetParam().config;
  const spec::Spec s = spec::Spec::Create(cfg);
  constexpr int kPrograms = 25;
  uint64_t gemm_uops = 0, alu_uops = 0, store_bytes = 0;
  Fsim dirty(s);
  for (int n = 0; n < kPrograms; ++n) {
    const uint64_t seed = 1000 + uint64_t(n);
    SCOPED_TRACE(fmt::format("config {} seed {}", GetParam().name, seed));
    const spec::Program p = GenerateRandomProgram(cfg, seed, VariedOptions(n));
    // Statically: no race, no read of an unwritten row, FINISH last, every token popped.
    for (const Hazard& h : FindHazards(p)) ADD_FAILURE() << Name(h.kind) << ": " << h.message;
    ASSERT_EQ(StreamOrderProblem(p), "");
    const FsimResult ref = RunProgram(p, {Interleave::kDeterministic, 1});
    // fsim against the plain sequential model written from docs/semantics.md.
    {
      testing::GoldenModel golden(s);
      std::vector<uint8_t> dram = p.dram;
      golden.Run(p.insns, dram);
      ASSERT_TRUE(dram == ref.dram) << "fsim and the golden model disagree";
      ASSERT_EQ(golden.gemm_uops, ref.counters.gemm_uops);
      ASSERT_EQ(golden.alu_uops, ref.counters.alu_uops);
    }
    for (uint64_t iseed : {1, 2, 3}) {
      const FsimResult r = RunProgram(p, {Interleave::kRandom, iseed + uint64_t(n) * 7});
      ASSERT_EQ(r.counters, ref.counters) << "interleaving seed " << iseed;
      ASSERT_TRUE(r.dram == ref.dram) << "interleaving seed " << iseed;
    }
    // Scratchpads full of junk from a previous run: nothing the program reads is left over.
    Dirty(dirty, seed);
    std::vector<uint8_t> dram = p.dram;
    dirty.Run(p.insns, dram, {Interleave::kRandom, seed});
    ASSERT_TRUE(dram == ref.dram) << "the program reads a scratchpad row it never wrote";
    // Only the output region changes.
    const spec::Region out = RegionOr(p, "output");
    ASSERT_GT(out.bytes, 0u);
    for (size_t b = 0; b < p.dram.size(); ++b) {
      if (b < out.offset || b >= out.offset + out.bytes) {
        ASSERT_EQ(ref.dram[b], p.dram[b]) << "byte " << b;
      }
    }
    gemm_uops += ref.counters.gemm_uops;
    alu_uops += ref.counters.alu_uops;
    store_bytes += ref.counters.store_bytes;
  }
  EXPECT_GT(gemm_uops, 0u);
  EXPECT_GT(alu_uops, 0u);
  EXPECT_GT(store_bytes, 0u);
}

INSTANTIATE_TEST_SUITE_P(Configs, ProgenProperty, ::testing::ValuesIn(PropertyConfigs()),
                         [](const auto& param_info) { return param_info.param.name; });

// Many more random configurations (queue depths from 1 to 4096), fewer programs each: the generator
// works for any valid configuration, and its programs never deadlock or race.
TEST(ProgenProperty, ManyRandomConfigurations) {
  std::mt19937_64 rng(2026);
  for (int n = 0; n < 60; ++n) {
    spec::HwConfig c = RandomConfig(rng());
    const int depths[] = {1, 2, 3, 8, 4096};
    c.dep_queue_depth = depths[rng() % 5];
    for (uint64_t seed = 1; seed <= 3; ++seed) {
      SCOPED_TRACE(fmt::format("config {} seed {}", spec::ConfigTag(c), seed));
      GenOptions o = PropertyOptions();
      o.double_buffer = seed != 3;
      const spec::Program p = GenerateRandomProgram(c, seed, o);
      for (const Hazard& h : FindHazards(p)) ADD_FAILURE() << Name(h.kind) << ": " << h.message;
      ASSERT_EQ(StreamOrderProblem(p), "");
      const FsimResult a = RunProgram(p), b = RunProgram(p, {Interleave::kRandom, seed});
      ASSERT_TRUE(a.dram == b.dram);
      ASSERT_EQ(a.counters, b.counters);
      testing::GoldenModel golden(spec::Spec::Create(c));
      std::vector<uint8_t> dram = p.dram;
      golden.Run(p.insns, dram);
      ASSERT_TRUE(dram == a.dram) << "fsim and the golden model disagree";
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Coverage: over a few seeds, every feature the issue asks for appears, on every preset.

// Replays the compute module's micro-op loads to know which micro-ops each GEMM/ALU executes.
std::set<std::string> Features(const spec::Program& p) {
  const spec::Spec s = spec::Spec::Create(p.config);
  std::set<std::string> f;
  std::vector<spec::Uop> ubuf(size_t(s.uop_depth));
  const spec::Region out = RegionOr(p, "output");
  std::vector<bool> stored(p.dram.size(), false);
  for (const Instruction& i : p.insns) {
    switch (i.opcode) {
      case Opcode::kLoad:
      case Opcode::kStore: {
        const std::string what = fmt::format("{} {}", spec::Name(i.opcode), spec::Name(i.memory_type));
        f.insert(what);
        if (i.y_size == 0 || i.x_size == 0) {
          f.insert(fmt::format("zero-size {}", spec::Name(i.opcode)));
          if (i.y_pad_0 + i.y_pad_1 + i.x_pad_0 + i.x_pad_1 > 0) f.insert("zero-size with pads");
          break;
        }
        if (i.y_size > 1) f.insert(what + " 2-D");
        {
          const uint64_t rb = uint64_t(s.RowBytes(i.memory_type));
          const uint64_t first = i.dram_base * rb, end = (i.dram_base + (i.y_size - 1) * i.x_stride + i.x_size) * rb;
          if (i.opcode == Opcode::kLoad && first < out.offset + out.bytes && end > out.offset) f.insert(what + " from output");
          if (i.opcode == Opcode::kStore) {
            bool again = false;
            for (uint64_t y = 0; y < i.y_size; ++y)
              for (uint64_t x = 0; x < i.x_size; ++x)
                for (uint64_t b = 0; b < rb; ++b) {
                  const size_t at = size_t((i.dram_base + y * i.x_stride + x) * rb + b);
                  again = again || stored[at];
                  stored[at] = true;
                }
            if (again) f.insert("STORE over stored bytes");
          }
        }
        if (i.y_size > 1 && i.x_stride > i.x_size) f.insert(what + " strided");
        const bool padded = i.y_pad_0 + i.y_pad_1 + i.x_pad_0 + i.x_pad_1 > 0;
        if (padded) f.insert(what + (i.pad_min ? " pad min" : " pad zero"));
        if (padded && i.y_pad_0 + i.y_pad_1 > 0 && i.x_pad_0 + i.x_pad_1 > 0) f.insert(what + " pad 2-D");
        if (i.opcode == Opcode::kLoad && i.memory_type == MemType::kUop) {
          uint64_t idx = i.sram_base;
          for (uint64_t y = 0; y < i.y_pad_0 + i.y_size + i.y_pad_1; ++y)
            for (uint64_t x = 0; x < i.x_pad_0 + i.x_size + i.x_pad_1; ++x, ++idx) {
              const bool in = y >= i.y_pad_0 && y < i.y_pad_0 + i.y_size && x >= i.x_pad_0 && x < i.x_pad_0 + i.x_size;
              uint64_t w = 0;
              const uint64_t row = i.dram_base + (y - i.y_pad_0) * i.x_stride + (x - i.x_pad_0);
              if (in)
                for (int b = 0; b < s.uop_bytes; ++b) w |= uint64_t(p.dram[row * uint64_t(s.uop_bytes) + uint64_t(b)]) << (8 * b);
              ubuf[idx] = spec::DecodeUop(s.isa.uop, w);
            }
        }
        break;
      }
      case Opcode::kGemm:
      case Opcode::kAlu: {
        const bool alu = i.opcode == Opcode::kAlu;
        const std::string k = alu ? "ALU" : "GEMM";
        if (i.reset) f.insert(k + " reset");
        else if (alu) f.insert(fmt::format("ALU {} {}", spec::Name(i.alu_opcode), i.use_imm ? "imm" : "tensor"));
        else f.insert("GEMM accumulate");
        if (i.uop_end == i.uop_bgn) f.insert(k + " empty uop range");
        if (i.iter_out == 0 || i.iter_in == 0) f.insert(k + " zero iterations");
        if (i.iter_out > 1 && i.iter_in > 1 && i.dst_factor_out > 0 && i.dst_factor_in > 0 && i.uop_end > i.uop_bgn &&
            (alu || (i.src_factor_out + i.src_factor_in > 0 && i.wgt_factor_out + i.wgt_factor_in > 0)))
          f.insert(k + " 2-level loop");
        for (uint64_t u = i.uop_bgn + 1; u < i.uop_end; ++u)
          if (ubuf[u].dst == ubuf[u - 1].dst && !i.reset && i.iter_out * i.iter_in > 0) f.insert(k + " same row back-to-back");
        if (i.alu_opcode == AluOp::kShr && alu && i.use_imm && i.imm < 0) f.insert("ALU SHR negative imm");
        break;
      }
      case Opcode::kFinish: f.insert("FINISH"); break;
    }
  }
  return f;
}

class ProgenCoverage : public ::testing::TestWithParam<NamedConfig> {};

TEST_P(ProgenCoverage, EveryFeatureAppears) {
  std::set<std::string> seen;
  for (uint64_t seed = 1; seed <= 40; ++seed) {
    const std::set<std::string> f = Features(GenerateRandomProgram(GetParam().config, seed));
    seen.insert(f.begin(), f.end());
  }
  std::vector<std::string> want = {"LOAD UOP", "LOAD INP", "LOAD WGT", "LOAD ACC", "STORE OUT", "FINISH",
                                   "zero-size LOAD", "zero-size STORE", "zero-size with pads",
                                   "LOAD INP 2-D", "LOAD WGT 2-D", "LOAD ACC 2-D", "STORE OUT 2-D", "LOAD UOP 2-D",
                                   "LOAD INP strided", "STORE OUT strided", "LOAD UOP pad zero",
                                   "GEMM reset", "GEMM accumulate", "ALU reset", "GEMM 2-level loop", "ALU 2-level loop",
                                   "GEMM same row back-to-back", "ALU same row back-to-back", "GEMM empty uop range",
                                   "GEMM zero iterations", "ALU SHR negative imm", "LOAD INP from output",
                                   "LOAD ACC from output", "STORE over stored bytes"};
  for (const char* m : {"INP", "WGT", "ACC", "ACC_8BIT"})
    for (const char* k : {"pad zero", "pad min", "pad 2-D"}) want.push_back(fmt::format("LOAD {} {}", m, k));
  for (const char* k : {"", " 2-D", " strided", " from output"}) want.push_back(fmt::format("LOAD ACC_8BIT{}", k));
  for (int op = 0; op < spec::kNumAluOps; ++op)
    for (const char* k : {"imm", "tensor"}) want.push_back(fmt::format("ALU {} {}", spec::Name(AluOp(op)), k));
  for (const std::string& w : want) EXPECT_TRUE(seen.count(w)) << "never generated: " << w;
}

std::vector<NamedConfig> PresetConfigs() {
  std::vector<NamedConfig> out;
  for (const spec::Preset& p : spec::Presets()) out.push_back({std::string(p.name), p.config});
  return out;
}

INSTANTIATE_TEST_SUITE_P(Presets, ProgenCoverage, ::testing::ValuesIn(PresetConfigs()),
                         [](const auto& param_info) { return param_info.param.name; });

// ---------------------------------------------------------------------------------------------
// API behaviour.

TEST(Progen, SameSeedSameProgramDifferentSeedDifferentProgram) {
  const spec::HwConfig c = spec::LoadConfig("default");
  const spec::Program a = GenerateRandomProgram(c, 42), b = GenerateRandomProgram(c, 42);
  EXPECT_TRUE(a == b);
  EXPECT_FALSE(a == GenerateRandomProgram(c, 43));
  EXPECT_THAT(a.description, AllOf(HasSubstr("seed 42"), HasSubstr("max_insns=400")));
  EXPECT_EQ(a.config, c);
}

TEST(Progen, StreamOrderCheckerCatchesAPopBeforeItsPush) {
  spec::Program p;
  p.config = spec::LoadConfig("1x8x8");
  Instruction g;
  g.opcode = Opcode::kGemm;
  g.pop_prev = true;
  Instruction l;
  l.opcode = Opcode::kLoad;
  l.memory_type = MemType::kInp;
  l.push_next = true;
  Instruction f;
  f.opcode = Opcode::kFinish;
  p.insns = {g, l, f};
  EXPECT_EQ(StreamOrderProblem(p), "instruction 0 pops an empty queue");
  p.insns = {l, g, f};
  EXPECT_EQ(StreamOrderProblem(p), "");
  p.config.dep_queue_depth = 1;
  p.insns = {l, l, g, g, f};
  EXPECT_EQ(StreamOrderProblem(p), "instruction 1 pushes into a full queue");
}

TEST(Progen, ProgramsRoundTripThroughTheContainer) {
  for (uint64_t seed = 1; seed <= 5; ++seed) {
    const spec::Program p = GenerateRandomProgram(spec::LoadConfig("2x16x32"), seed);
    EXPECT_TRUE(spec::Deserialize(spec::Serialize(p)) == p) << "seed " << seed;
  }
}

TEST(Progen, RegionsAreDisjointAlignedAndInsideTheImage) {
  const spec::Program p = GenerateRandomProgram(spec::LoadConfig("4x32x8"), 7);
  const spec::Spec s = spec::Spec::Create(p.config);
  std::vector<spec::Region> rs = p.regions;
  std::sort(rs.begin(), rs.end(), [](const auto& x, const auto& y) { return x.offset < y.offset; });
  for (size_t k = 0; k < rs.size(); ++k) {
    EXPECT_LE(rs[k].offset + rs[k].bytes, p.dram.size()) << rs[k].name;
    if (k > 0) {
      EXPECT_LE(rs[k - 1].offset + rs[k - 1].bytes, rs[k].offset) << rs[k].name;
    }
  }
  for (std::string_view name : {"uop", "input", "weight", "output"}) EXPECT_NE(p.FindRegion(name), nullptr) << name;
  EXPECT_EQ(RegionOr(p, "output").kind, spec::RegionKind::kOutput);
  EXPECT_EQ(RegionOr(p, "input").offset % uint64_t(s.inp_row_bytes), 0u);
  EXPECT_EQ(RegionOr(p, "weight").offset % uint64_t(s.wgt_row_bytes), 0u);
}

TEST(Progen, BlocksAndInstructionBudgetAreHonoured) {
  const spec::HwConfig c = spec::LoadConfig("1x8x8");
  for (int blocks : {1, 2, 3, 7}) {
    GenOptions o;
    o.blocks = blocks;
    const spec::Program p = GenerateRandomProgram(c, uint64_t(blocks), o);
    const FsimResult r = RunProgram(p);
    // One load->compute token per block.
    EXPECT_EQ(r.counters.tokens[size_t(TokenQueue::kLoadToCompute)], uint64_t(blocks));
  }
  for (int max_insns : {7, 8, 13, 20, 50, 100}) {
    for (uint64_t seed = 1; seed <= 10; ++seed) {
      GenOptions o;
      o.max_insns = max_insns;
      const spec::Program p = GenerateRandomProgram(c, seed, o);
      EXPECT_LE(p.insns.size(), size_t(max_insns)) << "seed " << seed;
      EXPECT_NO_THROW(RunProgram(p)) << "seed " << seed << " max_insns " << max_insns;
    }
  }
}

TEST(Progen, SingleSlotAndQueueDepthOne) {
  spec::HwConfig c = spec::LoadConfig("min");
  c.dep_queue_depth = 1;
  for (bool double_buffer : {true, false}) {
    for (uint64_t seed = 1; seed <= 10; ++seed) {
      GenOptions o;
      o.double_buffer = double_buffer;
      const spec::Program p = GenerateRandomProgram(c, seed, o);
      for (const Hazard& h : FindHazards(p)) ADD_FAILURE() << Name(h.kind) << ": " << h.message;
      ASSERT_EQ(StreamOrderProblem(p), "");
      const FsimResult a = RunProgram(p), b = RunProgram(p, {Interleave::kRandom, seed});
      EXPECT_TRUE(a.dram == b.dram) << "seed " << seed;
    }
  }
}

TEST(Progen, BadOptionsAndConfigurationsAreRejected) {
  const spec::HwConfig c = spec::LoadConfig("default");
  auto message = [&](const GenOptions& o) -> std::string {
    try {
      GenerateRandomProgram(c, 1, o);
    } catch (const UsageError& e) {
      return e.what();
    }
    return "";
  };
  GenOptions o;
  o.blocks = -1;
  EXPECT_THAT(message(o), HasSubstr("blocks = -1"));
  o = {};
  o.max_insns = 3;
  EXPECT_THAT(message(o), HasSubstr("max_insns = 3"));
  o = {};
  o.blocks = 10;
  o.max_insns = 30;
  EXPECT_THAT(message(o), HasSubstr("blocks = 10 needs max_insns >= 61"));
  o = {};
  o.max_uops = 0;
  EXPECT_THAT(message(o), HasSubstr("max_uops = 0 must be at least 1"));
  o = {};
  o.max_window_rows = -3;
  EXPECT_THAT(message(o), HasSubstr("max_window_rows = -3"));
  spec::HwConfig bad = c;
  bad.log_batch = 7;
  EXPECT_THROW(GenerateRandomProgram(bad, 1), ConfigError);
}

}  // namespace
}  // namespace dcoc::sim
