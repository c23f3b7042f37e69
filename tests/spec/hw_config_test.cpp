#include <fstream>
#include <tuple>

#include <fmt/format.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "host/common/error.h"
#include "host/spec/hw_config.h"

namespace dcoc::spec {
namespace {

using ::testing::HasSubstr;

std::string ConfigErrorOf(const nlohmann::json& j) {
  try {
    ConfigFromJson(j);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

TEST(HwConfig, LoadsVtaConfigJsonUnchanged) {
  const auto j = nlohmann::json::parse(R"({"TARGET":"sim","HW_VER":"0.0.2","LOG_INP_WIDTH":3,"LOG_WGT_WIDTH":3,
    "LOG_ACC_WIDTH":5,"LOG_BATCH":0,"LOG_BLOCK":4,"LOG_UOP_BUFF_SIZE":15,"LOG_INP_BUFF_SIZE":15,
    "LOG_WGT_BUFF_SIZE":18,"LOG_ACC_BUFF_SIZE":17})");
  const HwConfig c = ConfigFromJson(j);
  EXPECT_EQ(c, HwConfig{});
  EXPECT_EQ(ConfigTag(c), "1x16_i8w8a32_15_15_18_17");
}

TEST(HwConfig, SeparateBlocksAndVtaPlusKeys) {
  const HwConfig c = ConfigFromJson(nlohmann::json::parse(
      R"({"LOG_BLOCK_IN":4,"LOG_BLOCK_OUT":5,"LOG_BATCH":1,"LOG_BUS_WIDTH":7,"DEP_QUEUE_DEPTH":64,"CLOCK_MHZ":250})"));
  EXPECT_EQ(c.log_block_in, 4);
  EXPECT_EQ(c.log_block_out, 5);
  EXPECT_EQ(ConfigTag(c), "2x16x32_i8w8a32_15_15_18_17_bus128_dq64");
  EXPECT_DOUBLE_EQ(c.clock_mhz, 250.0);
  EXPECT_EQ(ConfigFromTag(ConfigTag(c)).log_block_out, 5);
}

TEST(HwConfig, RejectsEveryOutOfRangeKey) {
  for (const KeyRange& r : IntegerKeyRanges()) {
    for (int bad : {r.lo - 1, r.hi + 1}) {
      nlohmann::json j;
      j[std::string(r.key)] = bad;
      const std::string msg = ConfigErrorOf(j);
      EXPECT_THAT(msg, HasSubstr(std::string(r.key))) << bad;
      EXPECT_THAT(msg, HasSubstr(fmt::format("= {}", bad)));
      EXPECT_THAT(msg, HasSubstr(fmt::format("[{}, {}]", r.lo, r.hi)));
    }
  }
}

TEST(HwConfig, RejectsMalformedInput) {
  EXPECT_THAT(ConfigErrorOf(nlohmann::json::parse(R"({"LOG_BTACH":0})")), HasSubstr("unknown configuration key \"LOG_BTACH\""));
  EXPECT_THAT(ConfigErrorOf(nlohmann::json::parse(R"({"LOG_BATCH":"1"})")), HasSubstr("LOG_BATCH must be an integer"));
  EXPECT_THAT(ConfigErrorOf(nlohmann::json::parse("[1,2]")), HasSubstr("must be a JSON object"));
  EXPECT_THAT(ConfigErrorOf(nlohmann::json::parse(R"({"CLOCK_MHZ":0})")), HasSubstr("CLOCK_MHZ = 0"));
  EXPECT_THAT(ConfigErrorOf(nlohmann::json::parse(R"({"LOG_ACC_WIDTH":4,"LOG_INP_WIDTH":4})")),
              HasSubstr("LOG_ACC_WIDTH = 4 must exceed"));
  EXPECT_THAT(ConfigErrorOf(nlohmann::json::parse(R"({"LOG_BLOCK":4,"LOG_BLOCK_IN":5})")), HasSubstr("disagree"));
}

TEST(HwConfig, Tags) {
  EXPECT_EQ(ConfigFromTag("1x16_i8w8a32_15_15_18_17"), HwConfig{});
  EXPECT_THROW(ConfigFromTag("1x16_i8w8a32_15_15_18"), ConfigError);
  EXPECT_THAT([] { try { ConfigFromTag("3x16_i8w8a32_15_15_18_17"); } catch (const ConfigError& e) { return std::string(e.what()); } return std::string(); }(),
              HasSubstr("BATCH = 3 is not a power of two"));
  EXPECT_THROW(ConfigFromTag("8x16_i8w8a32_15_15_18_17"), ConfigError);  // LOG_BATCH 3 out of range
  for (const Preset& p : Presets()) EXPECT_EQ(ConfigFromTag(ConfigTag(p.config)), p.config) << p.name;
}

TEST(HwConfig, LoadConfigResolvesPresetTagAndFile) {
  EXPECT_EQ(LoadConfig("default"), HwConfig{});
  EXPECT_EQ(LoadConfig("1x16_i8w8a32_15_15_18_17"), HwConfig{});
  const std::string path = ::testing::TempDir() + "/cfg.json";
  std::ofstream(path) << R"({"LOG_BLOCK":3,"LOG_INP_BUFF_SIZE":14,"LOG_WGT_BUFF_SIZE":16,"LOG_ACC_BUFF_SIZE":16,"LOG_UOP_BUFF_SIZE":13})";
  EXPECT_EQ(LoadConfig(path).log_block_in, 3);
  try {
    LoadConfig("no-such-preset");
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_THAT(e.what(), HasSubstr("not a preset (default, 1x8x8"));
  }
  std::ofstream(path) << "{not json";
  EXPECT_THROW(LoadConfig(path), ConfigError);
}

// GEMM_MAC / GEMM_DSP_BUDGET: JSON, tags (suffix only when not dsp), the derived DSP plan, and refusals.
TEST(HwConfig, GemmMacChoices) {
  const HwConfig pack = ConfigFromJson(nlohmann::json::parse(R"({"GEMM_MAC":"pack"})"));
  EXPECT_EQ(pack.gemm_mac, GemmMac::kPack);
  EXPECT_EQ(ConfigTag(pack), "1x16_i8w8a32_15_15_18_17_pack");
  const HwConfig mix = ConfigFromJson(nlohmann::json::parse(R"({"GEMM_MAC":"mix","GEMM_DSP_BUDGET":100,"LOG_BUS_WIDTH":7})"));
  EXPECT_EQ(ConfigTag(mix), "1x16_i8w8a32_15_15_18_17_bus128_mix100");
  for (const HwConfig& c : {pack, mix, ConfigFromTag("1x16_i8w8a32_15_15_18_17_lut")}) {
    EXPECT_EQ(ConfigFromTag(ConfigTag(c)), c) << ConfigTag(c);
    EXPECT_EQ(ConfigFromJson(ConfigToJson(c)), c) << ConfigTag(c);
  }
  EXPECT_EQ(ConfigToJson(HwConfig{}).count("GEMM_MAC"), 0u);  // VTA's own keys only for the default

  auto plan = [](std::string_view tag) {
    const Spec s = Spec::Create(ConfigFromTag(tag));
    return std::tuple(s.gemm_pack, s.gemm_dsp_units, s.gemm_lut_products);
  };
  EXPECT_EQ(plan("1x16_i8w8a32_15_15_18_17"), std::tuple(false, 256, 0));
  EXPECT_EQ(plan("1x16_i8w8a32_15_15_18_17_lut"), std::tuple(false, 0, 256));
  EXPECT_EQ(plan("1x16_i8w8a32_15_15_18_17_pack"), std::tuple(true, 128, 0));
  EXPECT_EQ(plan("1x16_i8w8a32_15_15_18_17_mix100"), std::tuple(true, 100, 56));
  EXPECT_EQ(plan("1x16_i8w8a32_15_15_18_17_mix500"), std::tuple(true, 128, 0));     // budget above the need
  EXPECT_EQ(plan("1x16_i16w16a32_15_15_18_17_mix100"), std::tuple(false, 100, 156));  // int16: one per DSP

  EXPECT_THAT(ConfigErrorOf(nlohmann::json::parse(R"({"GEMM_MAC":"booth"})")),
              HasSubstr("GEMM_MAC = \"booth\" is not one of dsp, lut, pack, mix"));
  EXPECT_THAT(ConfigErrorOf(nlohmann::json::parse(R"({"GEMM_MAC":3})")), HasSubstr("GEMM_MAC must be a string"));
  EXPECT_THAT(ConfigErrorOf(nlohmann::json::parse(R"({"GEMM_MAC":"mix"})")),
              HasSubstr("GEMM_DSP_BUDGET = 0 is out of range [1, 65536]"));
  EXPECT_THAT(ConfigErrorOf(nlohmann::json::parse(R"({"GEMM_DSP_BUDGET":10})")),
              HasSubstr("GEMM_DSP_BUDGET = 10 applies only to GEMM_MAC = mix (GEMM_MAC is dsp)"));
  EXPECT_THAT(ConfigErrorOf(nlohmann::json::parse(R"({"GEMM_MAC":"pack","LOG_WGT_WIDTH":4})")),
              HasSubstr("GEMM_MAC = pack needs 8-bit inputs and weights"));
  EXPECT_THROW(ConfigFromTag("1x16_i8w8a32_15_15_18_17_mix0"), ConfigError);
  EXPECT_THROW(ConfigFromTag("1x16_i8w8a32_15_15_18_17_booth"), ConfigError);
}

TEST(Spec, DefaultDerivedQuantitiesMatchVta) {
  const Spec s = Spec::Create(HwConfig{});
  EXPECT_EQ(s.inp_row_bytes, 16);
  EXPECT_EQ(s.wgt_row_bytes, 256);
  EXPECT_EQ(s.acc_row_bytes, 64);
  EXPECT_EQ(s.out_row_bytes, 16);
  EXPECT_EQ(s.uop_bytes, 4);
  EXPECT_EQ(s.uop_depth, 8192);
  EXPECT_EQ(s.inp_depth, 2048);
  EXPECT_EQ(s.wgt_depth, 1024);
  EXPECT_EQ(s.acc_depth, 2048);
  EXPECT_EQ(s.log_uop_depth, 13);
  EXPECT_EQ(s.log_wgt_depth, 10);
  EXPECT_EQ(s.MacsPerCycle(), 256);
}

TEST(Spec, EveryPresetIsValid) {
  for (const Preset& p : Presets()) EXPECT_NO_THROW(Spec::Create(p.config)) << p.name;
}

TEST(Spec, UnencodableConfigurationNamesFieldAndBits) {
  HwConfig c;  // 1x8x8 with the largest buffers: index fields no longer fit 128 bits
  c.log_block_in = c.log_block_out = 3;
  c.log_inp_buff_size = c.log_wgt_buff_size = c.log_acc_buff_size = 18;
  try {
    Spec::Create(c);
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_THAT(e.what(), HasSubstr("not encodable"));
    EXPECT_THAT(e.what(), HasSubstr("GEMM field"));
    EXPECT_THAT(e.what(), HasSubstr("bits at ["));
  }
}

// Sweeps the whole VTA++ space: every configuration either derives a layout or names the reason.
TEST(Spec, WholeSpaceEitherEncodesOrExplains) {
  int ok = 0, rejected = 0;
  HwConfig c;
  for (c.log_batch = 0; c.log_batch <= 2; ++c.log_batch)
    for (c.log_block_in = 3; c.log_block_in <= 6; ++c.log_block_in)
      for (c.log_block_out = 3; c.log_block_out <= 6; ++c.log_block_out)
        for (c.log_inp_buff_size = 13; c.log_inp_buff_size <= 18; ++c.log_inp_buff_size)
          for (c.log_wgt_buff_size = 13; c.log_wgt_buff_size <= 18; ++c.log_wgt_buff_size)
            for (c.log_acc_buff_size = 13; c.log_acc_buff_size <= 18; c.log_acc_buff_size += 1) {
              try {
                const Spec s = Spec::Create(c);
                EXPECT_GE(s.wgt_depth, 1);
                ++ok;
              } catch (const ConfigError& e) {
                EXPECT_THAT(e.what(), ::testing::AnyOf(HasSubstr("not encodable"), HasSubstr("cannot hold two rows")));
                ++rejected;
              }
            }
  EXPECT_GT(ok, 1000);
  EXPECT_GT(rejected, 0);
}

}  // namespace
}  // namespace dcoc::spec
