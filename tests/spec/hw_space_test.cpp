// Hardware design spaces: the default space, parsing, enumeration of the valid points.
#include <gtest/gtest.h>

#include "host/common/error.h"
#include "host/spec/hw_space.h"

namespace dcoc::spec {
namespace {

TEST(HwSpace, DefaultIsDesignsHardwareKnobs) {
  const HwSpace h = HwSpace::Default();
  EXPECT_EQ(h.Size(), 3u * 4 * 4 * 6 * 6 * 6 * 4);
  uint64_t valid = 0;
  const uint64_t skipped = h.ForEach([&](const Spec& s) {
    ++valid;
    EXPECT_EQ(s.config.log_inp_width, 3);
    EXPECT_EQ(s.config.dep_queue_depth, 256);
    return true;
  });
  EXPECT_EQ(valid + skipped, h.Size());
  EXPECT_GT(valid, h.Size() / 4);
  EXPECT_GT(skipped, 0u);  // some combinations do not encode
}

TEST(HwSpace, ParseRangesListsAndStop) {
  const HwSpace h = ParseHwSpace("LOG_BATCH=0,LOG_BLOCK_IN=4-5,LOG_BLOCK_OUT=4|6,LOG_INP_BUFF_SIZE=15,"
                                 "LOG_WGT_BUFF_SIZE=18,LOG_ACC_BUFF_SIZE=17,LOG_BUS_WIDTH=6");
  EXPECT_EQ(h.Size(), 4u);
  std::vector<std::string> tags;
  h.ForEach([&](const Spec& s) {
    tags.push_back(s.tag);
    return true;
  });
  EXPECT_EQ(tags, (std::vector<std::string>{"1x16_i8w8a32_15_15_18_17", "1x16x64_i8w8a32_15_15_18_17",
                                            "1x32x16_i8w8a32_15_15_18_17", "1x32x64_i8w8a32_15_15_18_17"}));
  int n = 0;
  h.ForEach([&](const Spec&) { return ++n < 2; });
  EXPECT_EQ(n, 2);
}

TEST(HwSpace, ErrorsNameTheKeyAndValue) {
  auto msg = [](std::string_view text) {
    try {
      (void)ParseHwSpace(text);
    } catch (const ConfigError& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  EXPECT_NE(msg("LOG_BATCH=0-5").find("LOG_BATCH = 3 is out of range [0, 2]"), std::string::npos);
  EXPECT_NE(msg("LOG_NOPE=1").find("unknown key \"LOG_NOPE\""), std::string::npos);
  EXPECT_NE(msg("LOG_BATCH").find("is not KEY=lo-hi"), std::string::npos);
  EXPECT_NE(msg("LOG_BATCH=x").find("\"x\" is not an integer"), std::string::npos);
  EXPECT_NE(msg("LOG_BATCH=2-1").find("empty range"), std::string::npos);
}

}  // namespace
}  // namespace dcoc::spec
