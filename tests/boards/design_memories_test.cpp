// The resource model's list of RAMs (boards::DesignMemories) is the generated design's: Yosys elaborates
// each configuration and lists its memories with their widths and depths. Skipped without yosys.
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "boards/ram_mapping.h"
#include "rtl/gen/rtlgen.h"

namespace dcoc::boards {
namespace {

class DesignMemoriesTest : public ::testing::TestWithParam<std::string> {};

TEST_P(DesignMemoriesTest, MatchTheElaboratedDesign) {
  if (std::system("command -v yosys > /dev/null 2>&1") != 0) GTEST_SKIP() << "yosys not installed";
  const spec::Spec s = spec::Spec::Create(spec::LoadConfig(GetParam()));
  const auto dir = std::filesystem::temp_directory_path() / ("dcoc_memories_test_" + s.tag);
  const rtl::Generated g = rtl::Generate(s, dir);
  std::string files;
  for (const auto& f : g.sources) {
    files.push_back(' ');
    files.append(f.string());
  }
  const auto json = dir / "mems.json";
  const std::string cmd = fmt::format(
      "yosys -q -p \"read_verilog -sv{}; hierarchy -top vta_top; proc; flatten; opt_clean; memory_collect; "
      "select t:\\$mem_v2; write_json {}\" > {} 2>&1",
      files, json.string(), (dir / "yosys.log").string());
  ASSERT_EQ(std::system(cmd.c_str()), 0) << "see " << (dir / "yosys.log").string();
  std::ifstream in(json);
  std::stringstream ss;
  ss << in.rdbuf();
  const auto j = nlohmann::json::parse(ss.str());
  std::vector<std::pair<int64_t, int64_t>> got, want;
  for (const auto& [mname, m] : j.at("modules").items())
    for (const auto& [cname, c] : m.at("cells").items())
      if (c.at("type") == "$mem_v2")
        got.emplace_back(std::stoll(c.at("parameters").at("WIDTH").get<std::string>(), nullptr, 2),
                         std::stoll(c.at("parameters").at("SIZE").get<std::string>(), nullptr, 2));
  for (const Memory& m : DesignMemories(s)) want.emplace_back(m.width, m.depth);
  std::sort(got.begin(), got.end());
  std::sort(want.begin(), want.end());
  EXPECT_EQ(got, want);
  std::filesystem::remove_all(dir);
}

INSTANTIATE_TEST_SUITE_P(Presets, DesignMemoriesTest, ::testing::Values("default", "min", "1x32x32"));

}  // namespace
}  // namespace dcoc::boards
