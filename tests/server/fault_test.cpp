// The farm under faults with real processes: workers killed with SIGKILL at random moments and
// restarted, the tracker killed and restarted once, during a tuning run; every candidate ends up in
// the tuning database exactly once. The small run is in the unit suite; the full run (1,000
// measurements, 20 kills) carries the slow label (farm_fault_test).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

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
TEST(FarmFaults, SmallRunWithKillsAndATrackerRestart) {
  testing::FaultRunOptions o;
  o.measurements = 50;
  o.kills = 4;
  o.max_seconds = 300;
  Check(o, testing::RunWithFaults(DCOC_CLI, o));
}
#endif

}  // namespace
}  // namespace dcoc::server
