// `dcoc tune --farm`: the same tuning run (tuner, seed, budget) measured by two local worker processes
// and through a tracker with two workers (real dcoc processes on loopback) proposes the same candidates
// and stores the same records: the tuners use the farm with no other change.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/server/fault_run.h"

namespace dcoc::server {
namespace {

using testing::Eventually;
using testing::Process;
using testing::ReadText;
using testing::TempDir;

std::map<std::string, measure::Measurement> Records(const std::filesystem::path& db_path) {
  measure::Database db(db_path, measure::Database::Mode::kReadOnly);
  std::map<std::string, measure::Measurement> out;
  for (measure::Measurement& m : db.Records()) out.emplace(compiler::ToString(m.schedule), std::move(m));
  return out;
}

TEST(FarmTune, TuneThroughTheFarmGivesTheLocalRecords) {
  TempDir dir;
  testing::Keys keys;
  keys.Write(dir.path());
  const std::vector<std::string> tune = {DCOC_CLI, "tune",    "--conv", "1,32,14,14,32,3,3,1,1", "--backend", "fsim",
                                         "--tuner", "autotvm", "--params", R"({"plan_size": 8})", "--trials", "24",
                                         "--seed",  "5",       "--json"};
  std::vector<std::string> local = tune;
  for (const std::string& a : {std::string("--jobs"), std::string("2"), std::string("--db"), (dir / "local.db").string()})
    local.push_back(a);
  Process l(local, dir / "local.out");
  ASSERT_EQ(l.Wait(), 0) << ReadText(dir / "local.out");

  Process tracker({DCOC_CLI, "tracker", "--listen", "127.0.0.1:0", "--keys", (dir / "tracker.keys").string(), "--port-file",
                   (dir / "port").string(), "--log", (dir / "tracker.log").string()},
                  dir / "tracker.out");
  ASSERT_TRUE(Eventually([&] { return !ReadText(dir / "port").empty(); }));
  const std::string address = fmt::format("127.0.0.1:{}", std::stoi(ReadText(dir / "port")));
  std::vector<std::unique_ptr<Process>> workers;
  for (int i = 0; i < 2; ++i)
    workers.push_back(std::make_unique<Process>(
        std::vector<std::string>{DCOC_CLI, "worker", "--tracker", address, "--key", (dir / "w.key").string(), "--backend",
                                 "fsim", "--name", fmt::format("tw{}", i)},
        dir / "workers.out"));
  for (const char* w : {"registered worker tw0", "registered worker tw1"})
    ASSERT_TRUE(Eventually([&] { return ReadText(dir / "tracker.log").find(w) != std::string::npos; }))
        << ReadText(dir / "tracker.log");
  std::vector<std::string> farm = tune;
  for (const std::string& a : {std::string("--farm"), address, std::string("--key"), (dir / "alice.key").string(),
                               std::string("--db"), (dir / "farm.db").string()})
    farm.push_back(a);
  Process f(farm, dir / "farm.out");
  ASSERT_EQ(f.Wait(), 0) << ReadText(dir / "farm.out") << ReadText(dir / "tracker.log");

  const std::map<std::string, measure::Measurement> want = Records(dir / "local.db"), got = Records(dir / "farm.db");
  ASSERT_EQ(want.size(), 24u);
  ASSERT_EQ(got.size(), want.size());
  for (const auto& [schedule, w] : want) {
    auto it = got.find(schedule);
    ASSERT_NE(it, got.end()) << "the farm run did not measure " << schedule;
    EXPECT_EQ(it->second.status, w.status) << schedule;
    EXPECT_EQ(it->second.Cost(), w.Cost()) << schedule;
    EXPECT_EQ(it->second.counters, w.counters) << schedule;
    EXPECT_EQ(it->second.config_hash, w.config_hash);
  }
  // Both runs end with the same best schedule (the last JSON line is the result).
  auto best = [&](const char* out) {
    const std::string text = ReadText(dir / out);
    const size_t at = text.rfind("{\"event\":\"result\"");
    return at == std::string::npos ? nlohmann::json() : nlohmann::json::parse(text.substr(at))["tasks"][0]["best"];
  };
  EXPECT_EQ(best("farm.out"), best("local.out"));
  EXPECT_FALSE(best("local.out").is_null()) << ReadText(dir / "local.out");
}

}  // namespace
}  // namespace dcoc::server
