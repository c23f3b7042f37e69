// Real measurements through the farm: a ResNet-18 layer searched with --farm over two local Verilator
// workers (real dcoc processes on loopback) gives the same records as the same search measured by the
// local worker pool — same schedules, same status, cycles, counters, configuration and RTL hashes.
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

TEST(FarmRtl, AResnet18LayerMeasuredOnTheFarmGivesTheLocalRecords) {
  TempDir dir;
  testing::Keys keys;
  keys.Write(dir.path());
  const std::vector<std::string> search = {DCOC_CLI, "layer", "search", "--layer", "resnet18.C11", "--backend",
                                           "verilator", "--top", "6", "--random", "2", "--seed", "3"};
  // Locally: two worker processes.
  std::vector<std::string> local = search;
  for (const char* a : {"--jobs", "2", "--db"}) local.push_back(a);
  local.push_back((dir / "local.db").string());
  Process l(local, dir / "local.out");
  ASSERT_EQ(l.Wait(), 0) << ReadText(dir / "local.out");

  // Through the farm: a tracker and two Verilator workers.
  Process tracker({DCOC_CLI, "tracker", "--listen", "127.0.0.1:0", "--keys", (dir / "tracker.keys").string(), "--port-file",
                   (dir / "port").string(), "--log", (dir / "tracker.log").string()},
                  dir / "tracker.out");
  ASSERT_TRUE(Eventually([&] { return !ReadText(dir / "port").empty(); }));
  const std::string address = fmt::format("127.0.0.1:{}", std::stoi(ReadText(dir / "port")));
  std::vector<std::unique_ptr<Process>> workers;
  for (int i = 0; i < 2; ++i)
    workers.push_back(std::make_unique<Process>(
        std::vector<std::string>{DCOC_CLI, "worker", "--tracker", address, "--key", (dir / "w.key").string(), "--backend",
                                 "verilator", "--name", fmt::format("rtl{}", i)},
        dir / "workers.out"));
  std::vector<std::string> farm = search;
  for (const std::string& a : {std::string("--farm"), address, std::string("--key"), (dir / "alice.key").string(),
                               std::string("--db"), (dir / "farm.db").string()})
    farm.push_back(a);
  for (const char* w : {"registered worker rtl0: backends [verilator]", "registered worker rtl1: backends [verilator]"})
    ASSERT_TRUE(Eventually([&] { return ReadText(dir / "tracker.log").find(w) != std::string::npos; }))
        << ReadText(dir / "tracker.log");
  Process f(farm, dir / "farm.out");
  ASSERT_EQ(f.Wait(), 0) << ReadText(dir / "farm.out") << ReadText(dir / "tracker.log");

  const std::map<std::string, measure::Measurement> want = Records(dir / "local.db"), got = Records(dir / "farm.db");
  ASSERT_EQ(got.size(), want.size());
  ASSERT_GE(want.size(), 6u);
  for (const auto& [schedule, w] : want) {
    auto it = got.find(schedule);
    ASSERT_NE(it, got.end()) << schedule;
    const measure::Measurement& g = it->second;
    EXPECT_EQ(g.status, w.status) << schedule;
    EXPECT_EQ(g.cycles, w.cycles) << schedule;
    EXPECT_EQ(g.counters, w.counters) << schedule;
    EXPECT_EQ(g.task, w.task);
    EXPECT_EQ(g.config_hash, w.config_hash);
    EXPECT_EQ(g.rtl_hash, w.rtl_hash);
    EXPECT_EQ(g.backend, "verilator");
    EXPECT_GT(g.cycles, 0u);
  }
}

}  // namespace
}  // namespace dcoc::server
