// The hardware contract in the spec: routing and queue ports, the register map, the counter table and
// the configuration hash.
#include <filesystem>
#include <set>

#include <gtest/gtest.h>

#include "host/common/error.h"
#include "host/common/hash.h"
#include "host/spec/counters.h"
#include "host/spec/hw_constants.h"
#include "host/spec/program.h"
#include "host/spec/regmap.h"
#include "host/spec/routing.h"

namespace dcoc::spec {
namespace {

Instruction Insn(Opcode op, MemType m = MemType::kUop) {
  Instruction in;
  in.opcode = op;
  in.memory_type = m;
  return in;
}

TEST(Routing, EveryOpcodeAndMemoryType) {
  EXPECT_EQ(RouteOf(Insn(Opcode::kLoad, MemType::kInp)), Module::kLoad);
  EXPECT_EQ(RouteOf(Insn(Opcode::kLoad, MemType::kWgt)), Module::kLoad);
  EXPECT_EQ(RouteOf(Insn(Opcode::kLoad, MemType::kUop)), Module::kCompute);
  EXPECT_EQ(RouteOf(Insn(Opcode::kLoad, MemType::kAcc)), Module::kCompute);
  EXPECT_EQ(RouteOf(Insn(Opcode::kLoad, MemType::kOut)), std::nullopt);
  EXPECT_EQ(RouteOf(Insn(Opcode::kStore, MemType::kOut)), Module::kStore);
  for (MemType m : {MemType::kUop, MemType::kWgt, MemType::kInp, MemType::kAcc})
    EXPECT_EQ(RouteOf(Insn(Opcode::kStore, m)), std::nullopt) << Name(m);
  EXPECT_EQ(RouteOf(Insn(Opcode::kGemm)), Module::kCompute);
  EXPECT_EQ(RouteOf(Insn(Opcode::kAlu)), Module::kCompute);
  EXPECT_EQ(RouteOf(Insn(Opcode::kFinish)), Module::kCompute);
  EXPECT_EQ(RouteOf(Insn(Opcode(7))), std::nullopt);
  EXPECT_EQ(RouteOf(Insn(Opcode::kLoad, MemType(6))), std::nullopt);
}

// docs/semantics.md: load pops compute->load (next) and pushes load->compute (next); compute pops
// load->compute (prev) and store->compute (next), pushes compute->load (prev) and compute->store
// (next); store pops compute->store (prev) and pushes store->compute (prev).
TEST(Routing, QueuePortsOfEachModule) {
  const QueuePorts& l = PortsOf(Module::kLoad);
  EXPECT_EQ(l.pop_prev, std::nullopt);
  EXPECT_EQ(l.push_prev, std::nullopt);
  EXPECT_EQ(l.pop_next, TokenQueue::kComputeToLoad);
  EXPECT_EQ(l.push_next, TokenQueue::kLoadToCompute);
  const QueuePorts& c = PortsOf(Module::kCompute);
  EXPECT_EQ(c.pop_prev, TokenQueue::kLoadToCompute);
  EXPECT_EQ(c.pop_next, TokenQueue::kStoreToCompute);
  EXPECT_EQ(c.push_prev, TokenQueue::kComputeToLoad);
  EXPECT_EQ(c.push_next, TokenQueue::kComputeToStore);
  const QueuePorts& s = PortsOf(Module::kStore);
  EXPECT_EQ(s.pop_prev, TokenQueue::kComputeToStore);
  EXPECT_EQ(s.push_prev, TokenQueue::kStoreToCompute);
  EXPECT_EQ(s.pop_next, std::nullopt);
  EXPECT_EQ(s.push_next, std::nullopt);
  EXPECT_EQ(QueueBetween(Module::kLoad, Module::kStore), std::nullopt);
  for (int q = 0; q < kNumTokenQueues; ++q) {
    const TokenQueue t = TokenQueue(q);
    EXPECT_EQ(QueueBetween(Producer(t), Consumer(t)), t) << Name(t);
  }
  EXPECT_EQ(Name(TokenQueue::kStoreToCompute), "store->compute");
  EXPECT_EQ(ShortName(TokenQueue::kComputeToLoad), "c2l");
}

TEST(Routing, FlagsMapToQueues) {
  Instruction st = Insn(Opcode::kStore, MemType::kOut);
  st.pop_prev = st.push_prev = true;
  EXPECT_EQ(PopQueues(st, Module::kStore)[0], TokenQueue::kComputeToStore);
  EXPECT_EQ(PopQueues(st, Module::kStore)[1], std::nullopt);
  EXPECT_EQ(PushQueues(st, Module::kStore)[0], TokenQueue::kStoreToCompute);
  EXPECT_FALSE(HasFlagWithoutQueue(st, Module::kStore));
  st.push_next = true;  // store has no next module
  EXPECT_TRUE(HasFlagWithoutQueue(st, Module::kStore));
  Instruction ld = Insn(Opcode::kLoad, MemType::kInp);
  ld.pop_prev = true;  // load has no previous module
  EXPECT_TRUE(HasFlagWithoutQueue(ld, Module::kLoad));
}

TEST(RegisterMap, OffsetsAreAlignedUniqueAndBelowTheCounters) {
  std::set<uint32_t> offsets;
  for (const Register& r : Registers()) {
    EXPECT_EQ(r.offset % 4, 0u) << r.name;
    EXPECT_LT(r.offset, kCounterBase) << r.name;
    EXPECT_TRUE(offsets.insert(r.offset).second) << r.name;
  }
  EXPECT_LT(CounterOffset(int(RtlCounters().size())), 1u << kAxilAddrBits);
  EXPECT_EQ(RegisterOffset("CONFIG_HASH_LO"), 0x018u);
  try {
    (void)RegisterOffset("NOPE");
    FAIL() << "expected UsageError";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("no register named \"NOPE\" (known: CTRL, STATUS"), std::string::npos) << e.what();
  }
}

TEST(RegisterMap, FieldDecoders) {
  // TOKENS_0 = l2c [15:0], c2l [31:16]; TOKENS_1 = c2s [15:0], s2c [31:16].
  EXPECT_EQ(TokensInQueue(0x00030002, 0x00050004, TokenQueue::kLoadToCompute), 2u);
  EXPECT_EQ(TokensInQueue(0x00030002, 0x00050004, TokenQueue::kComputeToLoad), 3u);
  EXPECT_EQ(TokensInQueue(0x00030002, 0x00050004, TokenQueue::kComputeToStore), 4u);
  EXPECT_EQ(TokensInQueue(0x00030002, 0x00050004, TokenQueue::kStoreToCompute), 5u);
  const ModuleStates st = DecodeState(0x00054321);
  EXPECT_EQ(st.fetch, 1u);
  EXPECT_EQ(st.state[0], 2u);
  EXPECT_EQ(st.state[1], 3u);
  EXPECT_EQ(st.state[2], 4u);
  EXPECT_TRUE(st.queued[0]);
  EXPECT_FALSE(st.queued[1]);
  EXPECT_TRUE(st.queued[2]);
  // module [1:0], buffer [4:2], ordinal [31:8]
  const BoundsErrorInfo e = DecodeErrorInfo((77u << 8) | (uint32_t(MemType::kAcc) << 2) | 1u);
  EXPECT_EQ(e.module, Module::kCompute);
  EXPECT_EQ(e.buffer, MemType::kAcc);
  EXPECT_EQ(e.ordinal, 77u);
}

TEST(RegisterMap, CommittedDocMatchesGenerator) {
  const std::filesystem::path doc = std::filesystem::path(DCOC_SOURCE_DIR) / "docs" / "registers.md";
  ASSERT_TRUE(std::filesystem::exists(doc)) << "docs/registers.md is missing; run `dcoc rtl regdoc > docs/registers.md`";
  const std::vector<uint8_t> bytes = ReadFile(doc);
  EXPECT_EQ(std::string(bytes.begin(), bytes.end()), RegistersMarkdown())
      << "docs/registers.md is stale; run `dcoc rtl regdoc > docs/registers.md`";
}

TEST(Counters, OneTableRtlFirst) {
  std::set<std::string_view> names;
  bool rtl_part = true;
  for (const CounterInfo& c : Counters()) {
    EXPECT_TRUE(names.insert(c.name).second) << "duplicate counter " << c.name;
    EXPECT_TRUE(c.rtl || c.fsim) << c.name;
    if (!c.rtl) rtl_part = false;
    EXPECT_TRUE(c.rtl == rtl_part) << c.name << ": RTL counters come first, in register order";
    for (char ch : c.name) EXPECT_TRUE(std::islower(ch) || std::isdigit(ch) || ch == '_') << c.name;
  }
  EXPECT_EQ(RtlCounters().size(), 26u);
  EXPECT_EQ(RtlCounterIndex("cycles"), 0);
  EXPECT_EQ(RtlCounterIndex("store_bytes_written"), 25);
  try {
    (void)RtlCounterIndex("tokens_l2c");
    FAIL() << "expected UsageError";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("reported by fsim only"), std::string::npos) << e.what();
  }
  EXPECT_THROW((void)FindCounter("insns.load"), UsageError);
}

TEST(ConfigHash, IsFnvOfTheTagAndDiffersAcrossPresets) {
  std::set<uint64_t> hashes;
  for (const auto& p : Presets()) {
    Fnv1a64 h;
    h.Update(ConfigTag(p.config));
    EXPECT_EQ(ConfigHash(p.config), h.Digest()) << p.name;
    EXPECT_EQ(Spec::Create(p.config).config_hash, h.Digest()) << p.name;
    hashes.insert(ConfigHash(p.config));
  }
  EXPECT_EQ(hashes.size(), Presets().size());
  // The clock is not hardware.
  HwConfig a = LoadConfig("default"), b = a;
  b.clock_mhz = 250;
  EXPECT_EQ(ConfigHash(a), ConfigHash(b));
  b.dep_queue_depth = 64;
  EXPECT_NE(ConfigHash(a), ConfigHash(b));
}

TEST(HwConstants, FetchChunks) {
  EXPECT_EQ(FetchChunkInsns(8), 128);   // 64-bit bus: 256 beats of 8 bytes
  EXPECT_EQ(FetchChunkInsns(32), 256);  // 256-bit bus: the 4 KiB boundary
  EXPECT_EQ(FetchBufferInsns(64), 512);
}

}  // namespace
}  // namespace dcoc::spec
