// The generator and the register map: the package carries the configuration, bad configurations are
// refused with a message, and docs/registers.md is up to date with the code.
#include <fstream>
#include <set>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "host/common/error.h"
#include "host/spec/counters.h"
#include "host/spec/program.h"
#include "host/spec/regmap.h"
#include "rtl/gen/rtlgen.h"

namespace dcoc::rtl {
namespace {

TEST(RtlGen, PackageCarriesTheConfiguration) {
  const spec::Spec s = spec::Spec::Create(spec::LoadConfig("2x16x32"));
  const std::string pkg = PackageSv(s);
  EXPECT_NE(pkg.find("localparam int unsigned BATCH = 2;"), std::string::npos);
  EXPECT_NE(pkg.find("localparam int unsigned BLOCK_OUT = 32;"), std::string::npos);
  EXPECT_NE(pkg.find("localparam int unsigned BUS_WIDTH = 128;"), std::string::npos);
  EXPECT_NE(pkg.find(fmt::format("64'h{:016x}", s.config_hash)), std::string::npos);
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

// The package's register offsets and counter indices are the spec's.
TEST(RtlGen, PackageCarriesTheRegisterMap) {
  const std::string pkg = PackageSv(spec::Spec::Create(spec::LoadConfig("default")));
  for (const spec::Register& r : spec::Registers())
    EXPECT_NE(pkg.find(fmt::format("REG_{} = 12'h{:03x};", r.name, r.offset)), std::string::npos) << r.name;
  const auto counters = spec::RtlCounters();
  EXPECT_NE(pkg.find(fmt::format("NUM_COUNTERS = {};", counters.size())), std::string::npos);
  EXPECT_NE(pkg.find("CNT_STORE_BYTES_WRITTEN = 25;"), std::string::npos);
  EXPECT_NE(pkg.find(fmt::format("INSN_QUEUE_DEPTH = {};", spec::kInsnQueueDepth)), std::string::npos);
}

TEST(RtlGen, GenerateWritesFilelist) {
  const auto dir = std::filesystem::temp_directory_path() / "dcoc_rtlgen_test";
  const Generated g = Generate(spec::Spec::Create(spec::LoadConfig("min")), dir);
  EXPECT_TRUE(std::filesystem::exists(g.package));
  EXPECT_TRUE(std::filesystem::exists(g.top));
  EXPECT_EQ(g.sources.size(), RtlSourceFiles().size() + 2);
  EXPECT_EQ(g.sources.front(), g.package);
  EXPECT_EQ(g.sources.back(), g.top);
  // Verilator finds the assertion macros through the filelist's include directory.
  const std::vector<uint8_t> list = spec::ReadFile(g.filelist);
  const std::string text(list.begin(), list.end());
  EXPECT_EQ(text.rfind("+incdir+.\n", 0), 0u) << text;
  for (const std::string& inc : RtlIncludeFiles()) EXPECT_TRUE(std::filesystem::exists(g.dir / inc)) << inc;
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace dcoc::rtl
