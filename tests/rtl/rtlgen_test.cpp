// The generator and the register map: the package carries the configuration, bad configurations are
// refused with a message, and docs/registers.md is up to date with the code.
#include <fstream>
#include <set>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "host/common/error.h"
#include "host/spec/program.h"
#include "rtl/gen/regmap.h"
#include "rtl/gen/rtlgen.h"

namespace dcoc::rtl {
namespace {

TEST(RtlGen, PackageCarriesTheConfiguration) {
  const spec::Spec s = spec::Spec::Create(spec::LoadConfig("2x16x32"));
  const std::string pkg = PackageSv(s);
  EXPECT_NE(pkg.find("localparam int unsigned BATCH = 2;"), std::string::npos);
  EXPECT_NE(pkg.find("localparam int unsigned BLOCK_OUT = 32;"), std::string::npos);
  EXPECT_NE(pkg.find("localparam int unsigned BUS_WIDTH = 128;"), std::string::npos);
  EXPECT_NE(pkg.find(fmt::format("64'h{:016x}", ConfigHash(s.config))), std::string::npos);
  EXPECT_NE(pkg.find("typedef struct packed"), std::string::npos);
  EXPECT_EQ(pkg.find("import"), std::string::npos);
}

TEST(RtlGen, PackageCarriesTheGemmMultipliers) {
  const std::string dsp = PackageSv(spec::Spec::Create(spec::LoadConfig("default")));
  EXPECT_NE(dsp.find("localparam int unsigned GEMM_PACK = 0;"), std::string::npos);
  EXPECT_NE(dsp.find("localparam int unsigned GEMM_DSP_UNITS = 256;"), std::string::npos);
  const std::string mix = PackageSv(spec::Spec::Create(spec::LoadConfig("1x16_i8w8a32_15_15_18_17_mix100")));
  EXPECT_NE(mix.find("GEMM_MAC = mix"), std::string::npos);
  EXPECT_NE(mix.find("localparam int unsigned GEMM_PACK = 1;"), std::string::npos);
  EXPECT_NE(mix.find("localparam int unsigned GEMM_DSP_UNITS = 100;"), std::string::npos);
  // Another implementation is another configuration: its own hash (and so its own models and caches).
  EXPECT_NE(ConfigHash(spec::LoadConfig("1x16_i8w8a32_15_15_18_17_mix100")), ConfigHash(spec::LoadConfig("default")));
}

TEST(RtlGen, DefaultLayoutMatchesVta) {
  const std::string pkg = PackageSv(spec::Spec::Create(spec::LoadConfig("default")));
  EXPECT_NE(pkg.find("sram_base;  // [25:10]"), std::string::npos);
  EXPECT_NE(pkg.find("dram_base;  // [57:26]"), std::string::npos);
  EXPECT_NE(pkg.find("imm;  // [127:112]"), std::string::npos);
}

TEST(RtlGen, ConfigHashDiffersAcrossPresets) {
  std::set<uint64_t> hashes;
  for (const auto& p : spec::Presets()) hashes.insert(ConfigHash(p.config));
  EXPECT_EQ(hashes.size(), spec::Presets().size());
}

// The scratchpads double-buffer, so the spec itself refuses single-row buffers before the generator runs.
TEST(RtlGen, SingleRowBuffersAreRejectedBySpec) {
  spec::HwConfig c = spec::LoadConfig("1x64x64");
  c.log_wgt_buff_size = 13;  // 8 KiB
  c.log_wgt_width = 4;       // 64x64 int16 weights: 8 KiB rows, one row
  try {
    (void)spec::Spec::Create(c);
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("LOG_WGT_BUFF_SIZE = 13 (8192 bytes) cannot hold two rows"), std::string::npos)
        << e.what();
  }
}

TEST(RtlGen, RegisterMapIsConsistent) {
  std::set<uint32_t> offsets;
  for (const auto& r : Registers()) {
    EXPECT_EQ(r.offset % 4, 0u) << r.name;
    EXPECT_LT(r.offset, kCounterBase) << r.name;
    EXPECT_TRUE(offsets.insert(r.offset).second) << r.name;
  }
  EXPECT_LT(kCounterBase + 8 * Counters().size(), 1u << kAxilAddrBits);
  EXPECT_EQ(CounterIndex("cycles"), 0);
  EXPECT_THROW((void)CounterIndex("nope"), UsageError);
}

TEST(RtlGen, RegistersDocIsUpToDate) {
  const std::filesystem::path doc = std::filesystem::path(DCOC_SOURCE_DIR) / "docs" / "registers.md";
  ASSERT_TRUE(std::filesystem::exists(doc)) << "docs/registers.md is missing; run `dcoc rtl regdoc > docs/registers.md`";
  const std::vector<uint8_t> bytes = spec::ReadFile(doc);
  const std::string text(bytes.begin(), bytes.end());
  EXPECT_EQ(text, RegistersMarkdown()) << "docs/registers.md is stale; run `dcoc rtl regdoc > docs/registers.md`";
}

TEST(RtlGen, GenerateWritesFilelist) {
  const auto dir = std::filesystem::temp_directory_path() / "dcoc_rtlgen_test";
  const Generated g = Generate(spec::Spec::Create(spec::LoadConfig("min")), dir);
  EXPECT_TRUE(std::filesystem::exists(g.package));
  EXPECT_TRUE(std::filesystem::exists(g.top));
  EXPECT_EQ(g.sources.size(), RtlSourceFiles().size() + 2);
  EXPECT_EQ(g.sources.front(), g.package);
  EXPECT_EQ(g.sources.back(), g.top);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace dcoc::rtl
