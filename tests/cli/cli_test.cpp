// The dcoc command line as a user meets it: exit codes, error messages, --json output that parses.
#include <array>
#include <cstdio>
#include <filesystem>
#include <string>

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sys/wait.h>

namespace {

using ::testing::HasSubstr;

struct Result {
  int status;
  std::string out;  // stdout and stderr together
};

Result Dcoc(const std::string& args) {
  const std::string cmd = fmt::format("{} {} 2>&1", DCOC_CLI, args);
  FILE* pipe = popen(cmd.c_str(), "r");
  Result r{-1, ""};
  if (pipe == nullptr) return r;
  std::array<char, 4096> buf{};
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), pipe)) > 0) r.out.append(buf.data(), n);
  const int st = pclose(pipe);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

std::string Temp(const std::string& name) { return (std::filesystem::path(::testing::TempDir()) / name).string(); }

TEST(Cli, HelpListsTheSubcommands) {
  const Result r = Dcoc("--help");
  EXPECT_EQ(r.status, 0);
  for (const char* sub : {"config", "program", "fsim", "rtl", "sim", "layer", "op", "disasm"})
    EXPECT_THAT(r.out, HasSubstr(sub));
}

TEST(Cli, ConfigShowJsonHasTheDerivedQuantities) {
  const Result r = Dcoc("config show 2x16x32 --json");
  ASSERT_EQ(r.status, 0) << r.out;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["tag"], "2x16x32_i8w8a32_15_15_18_17_bus128");
  EXPECT_EQ(j["macs_per_cycle"], 1024);
  EXPECT_EQ(j["buffers"]["wgt"]["depth"], 512);
  EXPECT_EQ(j["isa"]["ALU"]["imm"]["bits"], 16);
}

TEST(Cli, BadConfigurationIsAClearErrorAndNonZeroExit) {
  Result r = Dcoc("config show no-such-thing");
  EXPECT_EQ(r.status, 1);
  EXPECT_THAT(r.out, HasSubstr("error: \"no-such-thing\" is not a preset"));
  const std::string cfg = Temp("bad.json");
  FILE* f = fopen(cfg.c_str(), "w");
  ASSERT_NE(f, nullptr);
  fputs(R"({"LOG_BATCH": 5})", f);
  fclose(f);
  r = Dcoc("config show " + cfg);
  EXPECT_EQ(r.status, 1);
  EXPECT_THAT(r.out, HasSubstr("LOG_BATCH = 5 is out of range [0, 2]"));
}

TEST(Cli, RandomProgramRunsChecksAndDisassembles) {
  const std::string prog = Temp("p.prog");
  Result r = Dcoc(fmt::format("program random --config 1x8x8 --seed 5 -o {}", prog));
  ASSERT_EQ(r.status, 0) << r.out;
  r = Dcoc("program check " + prog);
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_THAT(r.out, HasSubstr("no hazards"));
  r = Dcoc("fsim run --json " + prog);
  ASSERT_EQ(r.status, 0) << r.out;
  const auto det = nlohmann::json::parse(r.out);
  r = Dcoc(fmt::format("fsim run --json --interleave random --seed 9 {}", prog));
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_EQ(nlohmann::json::parse(r.out)["outputs"], det["outputs"]);
  r = Dcoc("disasm --json " + prog);
  ASSERT_EQ(r.status, 0) << r.out;
  const auto last = r.out.substr(r.out.rfind('{', r.out.size() - 2));
  EXPECT_EQ(nlohmann::json::parse(last)["opcode"], "FINISH");
}

TEST(Cli, CorruptProgramIsRejectedByName) {
  const std::string prog = Temp("c.prog");
  ASSERT_EQ(Dcoc(fmt::format("program random --seed 2 -o {}", prog)).status, 0);
  {
    FILE* f = fopen(prog.c_str(), "r+b");
    ASSERT_NE(f, nullptr);
    fseek(f, 100, SEEK_SET);
    fputc(0x5a, f);
    fclose(f);
  }
  const Result r = Dcoc("fsim run " + prog);
  EXPECT_EQ(r.status, 1);
  EXPECT_THAT(r.out, HasSubstr("checksum"));
}

TEST(Cli, OperatorsRunBitExact) {
  for (const char* op : {"add", "relu", "requant", "maxpool", "avgpool"}) {
    const Result r = Dcoc(fmt::format("op run --op {} --shape 1,20,9,9 --config 1x8x8 --json", op));
    ASSERT_EQ(r.status, 0) << op << r.out;
    EXPECT_EQ(nlohmann::json::parse(r.out)["bit_exact"], true) << op;
  }
  const Result bad = Dcoc("op run --op maxpool --shape 1,3,4 --config 1x8x8");
  EXPECT_EQ(bad.status, 1);
  EXPECT_THAT(bad.out, HasSubstr("expected 4 numbers N,C,H,W"));
}

TEST(Cli, LayerRunReportsTheCheck) {
  const Result r = Dcoc("layer run --conv 1,32,8,8,32,3,3,1,1 --config default --json");
  ASSERT_EQ(r.status, 0) << r.out;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["bit_exact"], true);
  EXPECT_EQ(j["mismatches"], 0);
  EXPECT_EQ(j["macs"], 32 * 32 * 8 * 8 * 9);
  EXPECT_EQ(j["ideal_cycles"], 32 * 32 * 8 * 8 * 9 / 256);
  const Result bad = Dcoc("layer run --conv 1,32,8,8 --config default");
  EXPECT_EQ(bad.status, 1);
  EXPECT_THAT(bad.out, HasSubstr("expected 9 numbers"));
}

TEST(Cli, ResourceModelFitAndSweep) {
  Result r = Dcoc("rtl resources --model --config default --board pynq-z2 --json");
  ASSERT_EQ(r.status, 0) << r.out;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["source"], "model");
  EXPECT_EQ(j["resources"]["bram36"], 116.5);
  EXPECT_GT(j["resources"]["lut"].get<double>(), 10000);
  EXPECT_EQ(j["board"], "pynq-z2");
  EXPECT_TRUE(j["fit"]["resources"]["dsp"].contains("utilization"));
  r = Dcoc("rtl sweep --board pynq-z2 --space LOG_BLOCK_IN=3-4,LOG_BLOCK_OUT=3-4 --json");
  ASSERT_EQ(r.status, 0) << r.out;
  j = nlohmann::json::parse(r.out);
  EXPECT_GT(j["fit"].get<int>(), 0);
  EXPECT_EQ(j["configurations"].size(), j["fit"].get<size_t>());
  for (const auto& c : j["configurations"]) EXPECT_EQ(c["fit"]["fits"], true) << c["config"];
  r = Dcoc("rtl sweep --board nope");
  EXPECT_EQ(r.status, 1);
  EXPECT_THAT(r.out, HasSubstr("unknown board \"nope\""));
  r = Dcoc("rtl sweep --board pynq-z2 --space LOG_BATCH=7");
  EXPECT_EQ(r.status, 1);
  EXPECT_THAT(r.out, HasSubstr("LOG_BATCH = 7 is out of range [0, 2]"));
  r = Dcoc("rtl boards --json");
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_EQ(nlohmann::json::parse(r.out).size(), 7u);
}

}  // namespace
