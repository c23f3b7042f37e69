// The tuning-database commands as a user meets them: a search that fills a database, stats / best /
// export / import with --json, --schedule best, and clear errors with a non-zero exit.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>

#include "tests/measure/test_util.h"

namespace dcoc::measure {
namespace {

using ::testing::HasSubstr;
using testing::TempDir;

struct Result {
  int status;
  std::string out;  // stdout and stderr together
};

Result Dcoc(const std::string& args) {
  const std::string cmd = std::string(DCOC_CLI) + " " + args + " 2>&1";
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

TEST(DbCli, SearchStatsBestExportImport) {
  TempDir dir;
  const std::string db = (dir / "t.db").string();
  const std::string search = "layer search --conv 1,32,8,8,32,3,3,1,1 --backend fsim --top 3 --random 5 --jobs 2 --db " + db;
  Result r = Dcoc(search + " --json");
  ASSERT_EQ(r.status, 0) << r.out;
  nlohmann::json j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["measured"], 8);
  EXPECT_EQ(j["memoized"], 0);
  r = Dcoc(search + " --json");  // the same search again: answered by the database
  ASSERT_EQ(r.status, 0) << r.out;
  j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["measured"], 0);
  EXPECT_EQ(j["memoized"], 8);

  r = Dcoc("db stats " + db + " --json");
  ASSERT_EQ(r.status, 0) << r.out;
  j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["records"], 8);
  ASSERT_EQ(j["tasks"].size(), 1u);
  EXPECT_EQ(j["tasks"][0]["by_status"]["ok"], 8);
  EXPECT_FALSE(j["tasks"][0].contains("best_cycles"));  // fsim is untimed

  // fsim records have no cycles: --schedule best needs a timed record.
  r = Dcoc("layer run --conv 1,32,8,8,32,3,3,1,1 --schedule best --db " + db);
  EXPECT_EQ(r.status, 1);
  EXPECT_THAT(r.out, HasSubstr("has no bit-exact timed record of conv"));

  r = Dcoc("db export " + db + " -o " + (dir / "log.json").string());
  ASSERT_EQ(r.status, 0) << r.out;
  int exported = -1;
  ASSERT_EQ(std::sscanf(r.out.c_str(), "exported %d records", &exported), 1) << r.out;
  r = Dcoc("db import " + (dir / "copy.db").string() + " " + (dir / "log.json").string() + " --json");
  ASSERT_EQ(r.status, 0) << r.out;
  j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["skipped"].size(), 0u);
  EXPECT_EQ(j["lines"], exported);
  EXPECT_EQ(j["imported"], exported);
}

TEST(DbCli, ErrorsAreClearAndExitNonZero) {
  TempDir dir;
  { std::ofstream(dir / "junk.db") << std::string(4096, 'x'); }
  Result r = Dcoc("db stats " + (dir / "junk.db").string());
  EXPECT_EQ(r.status, 1);
  EXPECT_THAT(r.out, HasSubstr("error: tuning database"));
  EXPECT_THAT(r.out, HasSubstr("not a SQLite database, or is corrupt"));
  r = Dcoc("db best " + (dir / "missing.db").string());
  EXPECT_EQ(r.status, 1);
  EXPECT_THAT(r.out, HasSubstr("does not exist"));
  r = Dcoc("layer run --layer resnet18.C5 --schedule best");
  EXPECT_EQ(r.status, 1);
  EXPECT_THAT(r.out, HasSubstr("--schedule best needs --db"));
  r = Dcoc("db import " + (dir / "x.db").string() + " " + (dir / "none.log").string());
  EXPECT_EQ(r.status, 1);
  EXPECT_THAT(r.out, HasSubstr("cannot read AutoTVM log"));
  r = Dcoc("layer search --layer resnet18.C5 --backend nosuch --db " + (dir / "y.db").string());
  EXPECT_EQ(r.status, 1);
  EXPECT_THAT(r.out, HasSubstr("unknown backend \"nosuch\""));
}

}  // namespace
}  // namespace dcoc::measure
