#include <fstream>
#include <random>
#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "host/common/error.h"
#include "host/spec/hw_config.h"
#include "host/spec/isa.h"
#include "host/spec/isa_doc.h"

namespace dcoc::spec {
namespace {

using ::testing::HasSubstr;

const Spec& Default() {
  static const Spec s = Spec::Create(HwConfig{});
  return s;
}

// Hand-computed words for VTA's default configuration (DESIGN.md's layout).
TEST(IsaLayout, LoadMatchesVtaBits) {
  Instruction i;
  i.opcode = Opcode::kLoad;
  i.pop_next = true;
  i.memory_type = MemType::kInp;
  i.sram_base = 5;
  i.dram_base = 0x1234;
  i.y_size = 3;
  i.x_size = 4;
  i.x_stride = 7;
  i.y_pad_0 = 1;
  i.x_pad_1 = 2;
  const Word128 w = Encode(Default().isa, i);
  EXPECT_EQ(w.lo, 0x00000048D0001510ULL);
  EXPECT_EQ(w.hi, 0x2001000700040003ULL);
  EXPECT_EQ(Decode(Default().isa, w), i);
}

TEST(IsaLayout, GemmMatchesVtaBits) {
  Instruction i;
  i.opcode = Opcode::kGemm;
  i.reset = true;
  i.uop_bgn = 3;
  i.uop_end = 9;
  i.iter_out = 2;
  i.iter_in = 5;
  i.dst_factor_out = 1;
  i.dst_factor_in = 2;
  i.src_factor_out = 3;
  i.src_factor_in = 4;
  i.wgt_factor_out = 5;
  i.wgt_factor_in = 6;
  const Word128 w = Encode(Default().isa, i);
  EXPECT_EQ(w.lo, 0x000A001001200382ULL);
  EXPECT_EQ(w.hi, 0x0180500800C01001ULL);
}

TEST(IsaLayout, AluMatchesVtaBits) {
  Instruction i;
  i.opcode = Opcode::kAlu;
  i.dst_factor_out = 1;
  i.dst_factor_in = 2;
  i.src_factor_out = 3;
  i.src_factor_in = 4;
  i.alu_opcode = AluOp::kShr;
  i.use_imm = true;
  i.imm = -2;
  const Word128 w = Encode(Default().isa, i);
  EXPECT_EQ(w.lo, 0x4ULL);
  EXPECT_EQ(w.hi, 0xFFFEB00800C01001ULL);
  EXPECT_EQ(Decode(Default().isa, w).imm, -2);
}

TEST(IsaLayout, UopMatchesVtaBits) {
  const Uop u{5, 7, 9};
  EXPECT_EQ(EncodeUop(Default().isa.uop, u), 0x2403805ULL);
  EXPECT_EQ(DecodeUop(Default().isa.uop, 0x2403805ULL), u);
  EXPECT_EQ(Default().isa.uop.word_bits, 32);
}

TEST(IsaLayout, DefaultFieldPositions) {
  const IsaLayout& l = Default().isa;
  auto at = [](const Format& f, Field fd) { return std::pair(f.Find(fd)->msb(), f.Find(fd)->lsb); };
  EXPECT_EQ(at(l.mem, Field::kMemoryType), std::pair(9, 7));
  EXPECT_EQ(at(l.mem, Field::kSramBase), std::pair(25, 10));
  EXPECT_EQ(at(l.mem, Field::kDramBase), std::pair(57, 26));
  EXPECT_EQ(at(l.mem, Field::kXPad1), std::pair(127, 124));
  EXPECT_EQ(at(l.gemm, Field::kUopEnd), std::pair(34, 21));
  EXPECT_EQ(at(l.gemm, Field::kIterIn), std::pair(62, 49));
  EXPECT_EQ(at(l.alu, Field::kAluOpcode), std::pair(110, 108));
  EXPECT_EQ(at(l.alu, Field::kImm), std::pair(127, 112));
}

Instruction RandomInstruction(const IsaLayout& l, std::mt19937_64& rng) {
  static const Opcode kOps[] = {Opcode::kLoad, Opcode::kStore, Opcode::kGemm, Opcode::kFinish, Opcode::kAlu};
  Instruction i;
  i.opcode = kOps[rng() % 5];
  const Format& f = l.ForOpcode(uint8_t(i.opcode));
  for (const FieldSlot& s : f.fields) {
    if (s.field == Field::kOpcode) continue;
    uint64_t v = s.width == 0 ? 0 : rng() & (s.width >= 64 ? ~0ULL : (1ULL << s.width) - 1);
    if (s.field == Field::kMemoryType) v = rng() % kNumMemTypes;
    if (s.field == Field::kAluOpcode) v = rng() % kNumAluOps;
    SetField(i, s.field, v, s.width);
  }
  return i;
}

// Round-trips random instructions and micro-ops over every encodable configuration of the VTA++ space.
TEST(IsaLayout, RoundTripOverEveryValidConfiguration) {
  std::mt19937_64 rng(42);
  int configs = 0;
  HwConfig c;
  for (c.log_batch = 0; c.log_batch <= 2; ++c.log_batch)
    for (c.log_block_in = 3; c.log_block_in <= 6; ++c.log_block_in)
      for (c.log_block_out = 3; c.log_block_out <= 6; ++c.log_block_out)
        for (c.log_inp_buff_size = 13; c.log_inp_buff_size <= 18; ++c.log_inp_buff_size)
          for (c.log_wgt_buff_size = 13; c.log_wgt_buff_size <= 18; ++c.log_wgt_buff_size)
            for (c.log_acc_buff_size = 13; c.log_acc_buff_size <= 18; ++c.log_acc_buff_size)
              for (c.log_uop_buff_size = 7; c.log_uop_buff_size <= 15; c.log_uop_buff_size += 4) {
                std::optional<Spec> s;
                try {
                  s = Spec::Create(c);
                } catch (const ConfigError&) {
                  continue;
                }
                ++configs;
                for (int n = 0; n < 8; ++n) {
                  const Instruction i = RandomInstruction(s->isa, rng);
                  ASSERT_EQ(Decode(s->isa, Encode(s->isa, i)), i) << s->tag;
                  const UopLayout& u = s->isa.uop;
                  const Uop uop{uint32_t(rng() & ((1ULL << u.dst_bits) - 1)), uint32_t(rng() & ((1ULL << u.src_bits) - 1)),
                                uint32_t(rng() & ((1ULL << u.wgt_bits) - 1))};
                  ASSERT_EQ(DecodeUop(u, EncodeUop(u, uop)), uop) << s->tag;
                }
              }
  EXPECT_GT(configs, 3000);
}

TEST(Isa, EncodeRejectsValuesThatDoNotFit) {
  Instruction i;
  i.opcode = Opcode::kGemm;
  i.iter_out = 1 << 14;
  try {
    Encode(Default().isa, i);
    FAIL();
  } catch (const EncodeError& e) {
    EXPECT_THAT(e.what(), HasSubstr("GEMM field iter_out = 16384 does not fit in 14 bits (max 16383)"));
  }
  Instruction a;
  a.opcode = Opcode::kAlu;
  a.imm = 40000;
  EXPECT_THAT([&] { try { Encode(Default().isa, a); } catch (const EncodeError& e) { return std::string(e.what()); } return std::string(); }(),
              HasSubstr("imm = 40000 does not fit in 16 signed bits (-32768..32767)"));
  Instruction l;
  l.opcode = Opcode::kLoad;
  l.reset = true;  // not a MEM field
  EXPECT_THROW(Encode(Default().isa, l), EncodeError);
  EXPECT_THROW(EncodeUop(Default().isa.uop, Uop{1u << 11, 0, 0}), EncodeError);
}

TEST(Isa, DecodeRejectsBadWords) {
  auto err = [](Word128 w) {
    try {
      Decode(Default().isa, w);
    } catch (const EncodeError& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  EXPECT_THAT(err({5, 0}), HasSubstr("opcode 5 is not an instruction"));
  EXPECT_THAT(err({7, 0}), HasSubstr("opcode 7"));
  EXPECT_THAT(err({uint64_t(6) << 7, 0}), HasSubstr("memory_type 6 is not a memory type"));
  EXPECT_THAT(err({4, uint64_t(7) << 44}), HasSubstr("alu_opcode 7 is not an ALU op"));
  EXPECT_THAT(err({3 | (1ULL << 20), 0}), HasSubstr("FINISH: reserved bits"));
}

TEST(Isa, StreamRoundTripAndErrors) {
  std::vector<Instruction> v(3);
  v[0].opcode = Opcode::kGemm;
  v[0].uop_end = 4;
  v[1].opcode = Opcode::kAlu;
  v[1].alu_opcode = AluOp::kMov;
  v[2].opcode = Opcode::kFinish;
  const auto bytes = EncodeStream(Default().isa, v);
  ASSERT_EQ(bytes.size(), 48u);
  EXPECT_EQ(DecodeStream(Default().isa, bytes), v);
  EXPECT_THAT([&] { try { DecodeStream(Default().isa, std::span(bytes).first(40)); } catch (const FormatError& e) { return std::string(e.what()); } return std::string(); }(),
              HasSubstr("40 bytes is not a whole number"));
  auto bad = bytes;
  bad[16] = 6;  // second instruction: opcode 6
  EXPECT_THAT([&] { try { DecodeStream(Default().isa, bad); } catch (const FormatError& e) { return std::string(e.what()); } return std::string(); }(),
              HasSubstr("instruction 1 (byte offset 16)"));
}

TEST(Isa, JsonUsesDesignFieldNames) {
  Instruction i;
  i.opcode = Opcode::kAlu;
  i.alu_opcode = AluOp::kClip;
  i.use_imm = true;
  i.imm = -7;
  const auto j = ToJson(Default().isa, i);
  EXPECT_EQ(j["opcode"], "ALU");
  EXPECT_EQ(j["alu_opcode"], "CLIP");
  EXPECT_EQ(j["imm"], -7);
  EXPECT_TRUE(j.contains("src_factor_in"));
  EXPECT_FALSE(j.contains("wgt_factor_in"));
}

// docs/isa.md is generated; this keeps the committed copy from drifting.
TEST(IsaDoc, CommittedDocMatchesGenerator) {
  std::ifstream in(std::string(DCOC_SOURCE_DIR) + "/docs/isa.md");
  std::stringstream ss;
  ss << in.rdbuf();
  EXPECT_EQ(ss.str(), IsaDoc(Default())) << "regenerate with: dcoc isa doc > docs/isa.md";
}

}  // namespace
}  // namespace dcoc::spec
