#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "host/common/error.h"
#include "host/common/hash.h"
#include "host/spec/program.h"

namespace dcoc::spec {
namespace {

using ::testing::HasSubstr;

Program Sample() {
  Program p;
  p.config = LoadConfig("1x8x8");
  Instruction ld;
  ld.opcode = Opcode::kLoad;
  ld.memory_type = MemType::kInp;
  ld.y_size = 1;
  ld.x_size = 2;
  ld.x_stride = 2;
  Instruction fin;
  fin.opcode = Opcode::kFinish;
  p.insns = {ld, fin};
  p.dram.resize(64);
  for (size_t i = 0; i < p.dram.size(); ++i) p.dram[i] = uint8_t(i * 7);
  p.regions = {{"x", RegionKind::kInput, 0, 16}, {"y", RegionKind::kOutput, 32, 32}};
  p.description = "sample";
  return p;
}

std::string FormatErrorOf(std::span<const uint8_t> bytes) {
  try {
    Deserialize(bytes);
  } catch (const FormatError& e) {
    return e.what();
  }
  return "";
}

TEST(Program, RoundTrip) {
  const Program p = Sample();
  EXPECT_EQ(Deserialize(Serialize(p)), p);
  const auto path = std::filesystem::path(::testing::TempDir()) / "p.prog";
  SaveProgram(p, path);
  EXPECT_EQ(LoadProgram(path), p);
}

TEST(Program, RejectsTruncationAndCorruption) {
  const auto bytes = Serialize(Sample());
  for (size_t cut : {size_t(0), size_t(5), size_t(30), bytes.size() - 1})
    EXPECT_THAT(FormatErrorOf(std::span(bytes).first(cut)), ::testing::Not(::testing::IsEmpty())) << cut;
  EXPECT_THAT(FormatErrorOf(std::span(bytes).first(5)), HasSubstr("not a dcoc program"));
  auto flipped = bytes;
  flipped[40] ^= 0x10;
  EXPECT_THAT(FormatErrorOf(flipped), HasSubstr("checksum"));
}

// Re-seals a mutated body with a valid checksum, so the structural checks behind it are reached.
std::vector<uint8_t> Reseal(std::vector<uint8_t> body) {
  Fnv1a64 h;
  h.Update(body);
  body.insert(body.end(), {'F', 'N', 'V', '1'});
  for (int b = 0; b < 8; ++b) body.push_back(uint8_t(h.Digest() >> (8 * b)));
  return body;
}

size_t SectionPayload(const std::vector<uint8_t>& bytes, std::string_view tag) {
  for (size_t i = 0; i + 4 < bytes.size(); ++i)
    if (std::string_view(reinterpret_cast<const char*>(&bytes[i]), 4) == tag) return i + 16;
  return 0;
}

TEST(Program, RejectsBadOpcodeAndMemoryType) {
  auto bytes = Serialize(Sample());
  bytes.resize(bytes.size() - 12);
  const size_t insn = SectionPayload(bytes, "INSN");
  ASSERT_NE(insn, 0u);
  auto bad_op = bytes;
  bad_op[insn] = 6;
  EXPECT_THAT(FormatErrorOf(Reseal(bad_op)), HasSubstr("instruction 0 (byte offset 0): opcode 6 is not an instruction"));
  auto bad_mem = bytes;
  bad_mem[insn] = uint8_t((bad_mem[insn] & 0x7f) | 0x80);  // memory_type low bit
  bad_mem[insn + 1] = uint8_t(bad_mem[insn + 1] | 0x03);   // memory_type = 7
  EXPECT_THAT(FormatErrorOf(Reseal(bad_mem)), HasSubstr("memory_type 7 is not a memory type"));
}

TEST(Program, RejectsRegionsOutsideDram) {
  Program p = Sample();
  p.regions.push_back({"z", RegionKind::kOutput, 60, 8});
  EXPECT_THAT(FormatErrorOf(Serialize(p)), HasSubstr("region z [60, 68) lies outside the 64-byte DRAM image"));
  p.regions.back() = {"x", RegionKind::kOutput, 0, 1};
  EXPECT_THAT(FormatErrorOf(Serialize(p)), HasSubstr("region name x appears twice"));
}

TEST(Program, RegionDigestIsStable) {
  const Program p = Sample();
  EXPECT_EQ(RegionDigest(p.dram, p.regions[1]), RegionDigest(p.dram, p.regions[1]));
  EXPECT_NE(RegionDigest(p.dram, p.regions[0]), RegionDigest(p.dram, p.regions[1]));
  EXPECT_EQ(RegionDigest(p.dram, p.regions[0]).size(), 16u);
}

}  // namespace
}  // namespace dcoc::spec
