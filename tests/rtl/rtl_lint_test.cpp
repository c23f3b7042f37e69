// Every preset's generated RTL lints clean under `verilator --lint-only -Wall` and parses in Yosys
// (read_verilog -sv, hierarchy -check, proc). Skipped when the tool is not installed.
#include <cstdlib>
#include <filesystem>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "host/common/error.h"

#include "rtl/gen/tools.h"

namespace dcoc::rtl {
namespace {

bool Have(const char* tool) { return std::system(fmt::format("command -v {} > /dev/null 2>&1", tool).c_str()) == 0; }

class RtlLint : public ::testing::TestWithParam<std::string> {};

std::string Name(const ::testing::TestParamInfo<std::string>& p) {
  std::string n = p.param;
  for (char& c : n)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  return "p" + n;
}

std::vector<std::string> AllPresets() {
  std::vector<std::string> v;
  for (const auto& p : spec::Presets()) v.emplace_back(p.name);
  return v;
}

TEST_P(RtlLint, VerilatorLintIsClean) {
  if (!Have("verilator")) GTEST_SKIP() << "verilator not installed";
  const spec::Spec s = spec::Spec::Create(spec::LoadConfig(GetParam()));
  const auto dir = std::filesystem::temp_directory_path() / ("dcoc_lint_test_" + s.tag);
  const ToolResult r = Lint(s, dir);
  EXPECT_TRUE(r.ok) << r.log;
  EXPECT_EQ(r.log.find("%Warning"), std::string::npos) << r.log;
  std::filesystem::remove_all(dir);
}

TEST_P(RtlLint, YosysParses) {
  if (!Have("yosys")) GTEST_SKIP() << "yosys not installed";
  const spec::Spec s = spec::Spec::Create(spec::LoadConfig(GetParam()));
  const auto dir = std::filesystem::temp_directory_path() / ("dcoc_yosys_test_" + s.tag);
  const ToolResult r = YosysParse(s, dir);
  EXPECT_TRUE(r.ok) << r.log;
  std::filesystem::remove_all(dir);
}

INSTANTIATE_TEST_SUITE_P(Presets, RtlLint, ::testing::ValuesIn(AllPresets()), Name);

}  // namespace
}  // namespace dcoc::rtl
