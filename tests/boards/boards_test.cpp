// Board descriptors, their caps and the fit check.
#include <cmath>
#include <functional>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "boards/board.h"
#include "boards/fit.h"
#include "host/common/error.h"

namespace dcoc::boards {
namespace {

std::string ErrorOf(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(Boards, EveryBoardLoadsWithACapAndReasonPerResource) {
  const auto names = BoardNames();
  EXPECT_EQ(names.size(), 7u);
  for (const auto& n : names) {
    const Board b = LoadBoard(n);
    EXPECT_EQ(b.name, n);
    EXPECT_GT(b.available.lut, 0) << n;
    EXPECT_GT(b.available.dsp, 0) << n;
    EXPECT_FALSE(b.sources.empty()) << n;
    EXPECT_TRUE(b.family == "xc7" || b.family == "xcup") << n;
    for (Resource r : kAllResources) {
      EXPECT_FALSE(b.CapOf(r).reason.empty()) << n << " " << Name(r);
      EXPECT_LE(b.CapOf(r).max_utilization, 1.0) << n << " " << Name(r);
      if (b.available.Get(r) == 0) {
        EXPECT_EQ(b.CapOf(r).max_utilization, 0.0) << n << " " << Name(r);
      }
    }
  }
  const Board z = LoadBoard("pynq-z2");
  EXPECT_EQ(z.part, "xc7z020clg400-1");
  EXPECT_DOUBLE_EQ(z.Limit(Resource::kDsp), 220 * z.CapOf(Resource::kDsp).max_utilization);
}

TEST(Boards, UnknownBoardNamesTheKnownOnes) {
  const std::string e = ErrorOf([] { (void)LoadBoard("nope"); });
  EXPECT_NE(e.find("unknown board \"nope\" (known: alveo-u250"), std::string::npos) << e;
  EXPECT_NE(ErrorOf([] { (void)LoadBoard("../boards/pynq-z2"); }).find("unknown board"), std::string::npos);
}

TEST(Boards, BadCapsAreRefusedWithTheKey) {
  nlohmann::json j = ToJson(LoadBoard("pynq-z2"));
  j["caps"]["dsp"]["max_utilization"] = 1.5;
  EXPECT_NE(ErrorOf([&] { (void)BoardFromJson(j, "test"); }).find("caps.dsp.max_utilization = 1.5 is outside [0, 1]"),
            std::string::npos);
  j = ToJson(LoadBoard("pynq-z2"));
  j["caps"]["lut"]["reason"] = "";
  EXPECT_NE(ErrorOf([&] { (void)BoardFromJson(j, "test"); }).find("caps.lut: the reason is empty"), std::string::npos);
  j = ToJson(LoadBoard("pynq-z2"));
  j["caps"].erase("bram36");
  EXPECT_NE(ErrorOf([&] { (void)BoardFromJson(j, "test"); }).find("board test: caps: no cap for \"bram36\""),
            std::string::npos);
  j = ToJson(LoadBoard("pynq-z2"));
  j["resources"].erase("ff");
  EXPECT_NE(ErrorOf([&] { (void)BoardFromJson(j, "test"); }).find("key \"ff\" is missing"), std::string::npos);
  // The round trip keeps everything.
  const Board b = BoardFromJson(ToJson(LoadBoard("zcu104")), "round trip");
  EXPECT_EQ(ToJson(b), ToJson(LoadBoard("zcu104")));
}

TEST(Fit, PerResourceUtilizationAndExceededCaps) {
  const Board z = LoadBoard("pynq-z2");  // 53200 LUT, 106400 FF, 220 DSP, 140 BRAM36, no URAM
  Resources r;
  r.lut = 26600, r.ff = 10640, r.dsp = 210, r.bram36 = 150;
  const Fit f = FitsBoard(r, z);
  EXPECT_FALSE(f.fits);
  EXPECT_DOUBLE_EQ(f.Of(Resource::kLut).utilization, 0.5);
  EXPECT_DOUBLE_EQ(f.Of(Resource::kFf).utilization, 0.1);
  EXPECT_FALSE(f.Of(Resource::kLut).exceeded);
  EXPECT_DOUBLE_EQ(f.Of(Resource::kLut).of_cap, 26600 / z.Limit(Resource::kLut));
  EXPECT_TRUE(f.Of(Resource::kDsp).exceeded);  // 210 > 0.9 x 220 = 198
  EXPECT_TRUE(f.Of(Resource::kBram36).exceeded);
  EXPECT_EQ(f.exceeded, (std::vector<Resource>{Resource::kDsp, Resource::kBram36}));
  EXPECT_EQ(f.limiting, Resource::kBram36);  // 150 / 126 is the largest share of its limit
  EXPECT_NEAR(f.Excess(), (210 / z.Limit(Resource::kDsp) - 1) + (150 / z.Limit(Resource::kBram36) - 1), 1e-12);
  EXPECT_EQ(f.Of(Resource::kUram).utilization, 0.0);

  r.dsp = 100, r.bram36 = 100;
  const Fit ok = FitsBoard(r, z);
  EXPECT_TRUE(ok.fits);
  EXPECT_TRUE(ok.exceeded.empty());
  EXPECT_EQ(ok.Excess(), 0.0);

  r.uram = 4;  // the part has none
  const Fit u = FitsBoard(r, z);
  EXPECT_FALSE(u.fits);
  EXPECT_TRUE(std::isinf(u.Of(Resource::kUram).utilization));
  EXPECT_EQ(u.Excess(), 5.0);
  const nlohmann::ordered_json j = ToJson(u);
  EXPECT_EQ(j["resources"]["uram"]["utilization"], "inf");
  EXPECT_EQ(j["exceeded"], nlohmann::json::array({"uram"}));
}

}  // namespace
}  // namespace dcoc::boards
