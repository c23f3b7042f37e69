// The farm under faults with real processes: workers killed with SIGKILL at random moments and
// restarted, the tracker killed and restarted once, during a tuning run; every candidate ends up in
// the tuning database exactly once. The small run is in the unit suite; the full run (1,000
// measurements, 20 kills) carries the slow label (farm_fault_test).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "host/server/client.h"
#include "tests/server/fault_run.h"

namespace dcoc::server {
namespace {

void Check(const testing::FaultRunOptions& o, const testing::FaultRunResult& r) {
  EXPECT_EQ(r.exit_code, 0) << r.client_output.substr(0, 2000);
  EXPECT_EQ(r.kills, o.kills);
  EXPECT_EQ(r.tracker_restarted, o.restart_tracker);
  EXPECT_EQ(r.records, o.measurements) << "every candidate exactly once";
  EXPECT_EQ(r.distinct, o.measurements);
  EXPECT_EQ(r.ok, o.measurements);
  const nlohmann::json out = nlohmann::json::parse(r.client_output.substr(r.client_output.find('{')), nullptr, false);
  ASSERT_FALSE(out.is_discarded()) << r.client_output.substr(0, 2000);
  EXPECT_EQ(out["measured"], o.measurements);
  EXPECT_EQ(out["results"].size(), size_t(o.measurements));
  fmt::print("fault run: {} measurements, {} worker kills, tracker restarted: {}, {:.1f} s\n", o.measurements, r.kills,
             r.tracker_restarted, r.seconds);
}

#ifdef DCOC_FAULT_FULL
TEST(FarmFaults, ThousandMeasurementsTwentyKillsAndATrackerRestart) {
  testing::FaultRunOptions o;  // 1,000 measurements, 4 workers, 20 kills, one tracker restart
  Check(o, testing::RunWithFaults(DCOC_CLI, o));
}
#else
// A worker process that stops (SIGSTOP: alive, connected, silent) is declared hung after the idle limit,
// its measurement goes to another worker, and when it continues it rejoins.
TEST(FarmFaults, AStoppedWorkerIsTakenOutOfRotationAndRejoins) {
  using testing::Process;
  using testing::ReadText;
  testing::TempDir dir;
  testing::Keys keys;
  keys.Write(dir.path());
  Process tracker({DCOC_CLI, "tracker", "--listen", "127.0.0.1:0", "--keys", (dir / "tracker.keys").string(), "--port-file",
                   (dir / "port").string(), "--heartbeat", "0.5", "--idle", "2", "--log", (dir / "tracker.log").string()},
                  dir / "tracker.out");
  ASSERT_TRUE(testing::Eventually([&] { return !ReadText(dir / "port").empty(); }));
  const std::string address = fmt::format("127.0.0.1:{}", std::stoi(ReadText(dir / "port")));
  auto worker = [&](const char* name) {
    return std::make_unique<Process>(std::vector<std::string>{DCOC_CLI, "worker", "--tracker", address, "--key",
                                                              (dir / "w.key").string(), "--backend", "fsim", "--name", name},
                                     dir / "workers.out");
  };
  auto stopped = worker("stopped");
  ASSERT_TRUE(testing::Eventually([&] { return ReadText(dir / "tracker.log").find("registered worker stopped") != std::string::npos; }));
  auto steady = worker("steady");
  ASSERT_TRUE(testing::Eventually([&] { return ReadText(dir / "tracker.log").find("registered worker steady") != std::string::npos; }));
  testing::FaultRunOptions o;
  Process client({DCOC_CLI, "layer", "search", "--conv", o.conv, "--backend", "fsim", "--top", "24", "--random", "0",
                  "--farm", address, "--key", (dir / "alice.key").string(), "--db", (dir / "run.db").string()},
                 dir / "client.out");
  // Stop it while the tracker counts a measurement as running on it (checked after stopping it; if it
  // had just finished one, it continues and is stopped again later).
  auto running_on_stopped = [&] {
    const nlohmann::json s = FarmStatus(testing::PeerOpts(address, keys.admin), 60);
    for (const nlohmann::json& w : s["workers"])
      if (w["name"] == "stopped") return w["running"].get<int>() > 0;
    return false;
  };
  bool held = false;
  for (int attempt = 0; attempt < 100 && !held && !client.Ended(); ++attempt) {
    testing::Eventually([&] { return client.Ended() || running_on_stopped(); });
    ::kill(stopped->pid(), SIGSTOP);
    held = running_on_stopped();
    if (!held) ::kill(stopped->pid(), SIGCONT);
  }
  ASSERT_TRUE(held) << "the stopped worker never held a measurement";
  ASSERT_TRUE(testing::Eventually([&] { return ReadText(dir / "tracker.log").find("hung: no heartbeat") != std::string::npos; }));
  EXPECT_EQ(client.Wait(), 0) << ReadText(dir / "client.out");
  ::kill(stopped->pid(), SIGCONT);
  // It comes back: its connection was closed, so it reconnects and registers again.
  EXPECT_TRUE(testing::Eventually(
      [&] {
        const std::string log = ReadText(dir / "tracker.log");
        return log.find("registered worker stopped") != log.rfind("registered worker stopped");
      },
      120))
      << ReadText(dir / "tracker.log");
  measure::Database db(dir / "run.db", measure::Database::Mode::kReadOnly);
  EXPECT_EQ(db.Count(), 24);
}

TEST(FarmFaults, SmallRunWithKillsAndATrackerRestart) {
  testing::FaultRunOptions o;
  o.measurements = 50;
  o.kills = 4;
  Check(o, testing::RunWithFaults(DCOC_CLI, o));
}
#endif

}  // namespace
}  // namespace dcoc::server
