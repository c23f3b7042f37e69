// The tuning driver and the tuner benchmark on the fsim backend (measured in this process, costs from
// the compiler's estimate): budgets, determinism whatever the chunking, resume from the database,
// stopping, early stopping, exhausting a space, and the benchmark's results and report.
#include "agents/tune/tuning.h"

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "agents/tune/bench.h"
#include "host/common/error.h"
#include "host/compiler/workloads.h"

namespace dcoc::agents::tune {
namespace {

using ::testing::HasSubstr;

// A small layer: a few hundred valid schedules, each compiled and run on fsim in milliseconds.
TuneTask SmallTask(const std::string& name = "resnet18.C11") {
  compiler::ConvLayer l = compiler::ReduceSpatially(compiler::FindLayer(name), 4, 64);
  l.epilogue = compiler::DefaultEpilogue(l, 8);
  return {name + "/small", l, 1};
}

TuneOptions FsimOptions(const std::string& tuner, int64_t trials) {
  TuneOptions o;
  o.tuner = tuner;
  o.trials = trials;
  o.config = spec::LoadConfig("default");
  o.backend = "fsim";
  if (tuner == "autotvm" || tuner == "chameleon") o.params = {{"plan_size", 8}};
  if (tuner == "chameleon") o.params["walkers"] = 16;
  return o;
}

class TempDb {
 public:
  TempDb() {
    static int n = 0;
    path_ = std::filesystem::temp_directory_path() / fmt::format("dcoc-tuning-test-{}-{}.db", ::getpid(), n++);
    Remove();
  }
  ~TempDb() { Remove(); }
  const std::filesystem::path& path() const { return path_; }

 private:
  void Remove() {
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path_.string() + suffix);
  }
  std::filesystem::path path_;
};

std::vector<uint64_t> Cycles(const TaskResult& t) {
  std::vector<uint64_t> c;
  for (const Sample& s : t.samples) c.push_back(s.cycles);
  return c;
}

TEST(Tune, MeasuresTheBudgetAndKeepsTheBest) {
  measure::Session session({}, nullptr);
  const TuneResult r = Tune({SmallTask()}, FsimOptions("random", 20), session, nullptr);
  ASSERT_EQ(r.tasks.size(), 1u);
  const TaskResult& t = r.tasks[0];
  EXPECT_EQ(t.samples.size(), 20u);
  ASSERT_TRUE(t.best);
  uint64_t min = 0;
  for (const Sample& s : t.samples) {
    EXPECT_EQ(s.status, measure::Status::kOk);
    if (s.cycles && (min == 0 || s.cycles < min)) min = s.cycles;
  }
  EXPECT_EQ(t.best->cycles, min);
  EXPECT_GT(t.BestGops(spec::Spec::Create(spec::LoadConfig("default"))), 0);
  EXPECT_FALSE(r.interrupted);
}

// The same seed gives the same run whatever the chunking (the number of workers changes it).
TEST(Tune, ChunkingDoesNotChangeASeededRun) {
  for (const std::string tuner : {"ga", "autotvm", "chameleon"}) {
    measure::Session a({}, nullptr), b({}, nullptr);
    TuneOptions o = FsimOptions(tuner, 40);
    o.chunk = 3;
    const TuneResult ra = Tune({SmallTask()}, o, a, nullptr);
    o.chunk = 64;
    const TuneResult rb = Tune({SmallTask()}, o, b, nullptr);
    EXPECT_EQ(Cycles(ra.tasks[0]), Cycles(rb.tasks[0])) << tuner;
  }
}

// A re-run with the same database replays what was measured (memoized, nothing simulated) and
// continues exactly as an uninterrupted run would have.
TEST(Tune, ResumesFromTheDatabase) {
  TempDb first, fresh;
  std::vector<uint64_t> resumed;
  {
    measure::Database db(first.path());
    measure::Session s({}, &db);
    Tune({SmallTask()}, FsimOptions("autotvm", 16), s, &db);
  }
  {
    measure::Database db(first.path());
    measure::Session s({}, &db);
    const TuneResult r = Tune({SmallTask()}, FsimOptions("autotvm", 32), s, &db);
    EXPECT_EQ(r.tasks[0].memoized, 16);
    EXPECT_EQ(s.counts().measured, 16);
    resumed = Cycles(r.tasks[0]);
  }
  measure::Database db(fresh.path());
  measure::Session s({}, &db);
  EXPECT_EQ(Cycles(Tune({SmallTask()}, FsimOptions("autotvm", 32), s, &db).tasks[0]), resumed);
}

TEST(Tune, StopsBetweenChunksKeepingWhatWasMeasured) {
  TempDb tmp;
  measure::Database db(tmp.path());
  measure::Session session({}, &db);
  std::atomic<bool> stop{false};
  TuneOptions o = FsimOptions("random", 50);
  o.chunk = 5;
  const TuneResult r = Tune(
      {SmallTask()}, o, session, &db,
      [&](const TuneEvent& e) {
        if (e.kind == TuneEvent::Kind::kMeasurement && e.done == 7) stop = true;
      },
      &stop);
  EXPECT_TRUE(r.interrupted);
  EXPECT_TRUE(r.tasks[0].interrupted);
  EXPECT_EQ(r.tasks[0].samples.size(), 10u);  // the chunk in flight finished
  EXPECT_EQ(db.Count(), 10);
}

TEST(Tune, AllTrialsMeasuresEveryValidSchedule) {
  const TuneTask task = SmallTask("resnet18.C10");
  const uint64_t valid =
      compiler::ScheduleSpace(task.layer, spec::Spec::Create(spec::LoadConfig("default"))).CountValid();
  ASSERT_LT(valid, 2000u);
  measure::Session session({}, nullptr);
  int64_t total = 0;
  const TuneResult r =
      Tune({task}, FsimOptions("grid", kAllTrials), session, nullptr, [&](const TuneEvent& e) { total = e.total; });
  EXPECT_EQ(r.tasks[0].samples.size(), valid);
  EXPECT_EQ(r.tasks[0].valid_points, valid);
  EXPECT_EQ(total, int64_t(valid));
}

TEST(Tune, EarlyStoppingAfterMeasurementsWithoutImprovement) {
  measure::Session session({}, nullptr);
  TuneOptions o = FsimOptions("random", 400);
  o.early_stopping = 10;
  const TuneResult r = Tune({SmallTask()}, o, session, nullptr);
  const TaskResult& t = r.tasks[0];
  EXPECT_TRUE(t.early_stopped);
  ASSERT_LT(t.samples.size(), 400u);
  // The run ends 10 measurements after the last improvement.
  size_t last_best = 0;
  uint64_t best = 0;
  for (size_t i = 0; i < t.samples.size(); ++i)
    if (t.samples[i].cycles && (best == 0 || t.samples[i].cycles < best)) best = t.samples[i].cycles, last_best = i;
  EXPECT_EQ(t.samples.size() - 1 - last_best, 10u);  // cut exactly there, whatever the chunking
}

TEST(Tune, SplitsOneBudgetOverTheTasks) {
  EXPECT_THAT(SplitBudget(10, 3), ::testing::ElementsAre(4, 3, 3));
  EXPECT_THAT(SplitBudget(kAllTrials, 2), ::testing::ElementsAre(kAllTrials, kAllTrials));
  measure::Session session({}, nullptr);
  TuneTask a = SmallTask("resnet18.C11"), b = SmallTask("resnet18.C8");
  b.count = 3;
  const TuneResult r = Tune({a, b}, FsimOptions("random", 15), session, nullptr);
  ASSERT_EQ(r.tasks.size(), 2u);
  EXPECT_EQ(r.tasks[0].samples.size(), 8u);
  EXPECT_EQ(r.tasks[1].samples.size(), 7u);
  const nlohmann::ordered_json j = ToJson(r, FsimOptions("random", 15));
  EXPECT_EQ(j["model"]["cycles"].get<uint64_t>(), r.tasks[0].best->cycles + 3 * r.tasks[1].best->cycles);
}

TEST(Tune, BadOptionsAreUsageErrors) {
  measure::Session session({}, nullptr);
  try {
    Tune({SmallTask()}, FsimOptions("random", 0), session, nullptr);
    FAIL();
  } catch (const UsageError& e) {
    EXPECT_THAT(e.what(), HasSubstr("--trials 0: must be at least 1"));
  }
  TuneOptions o = FsimOptions("random", 4);
  o.cycle_bound = 0.5;
  EXPECT_THROW(Tune({SmallTask()}, o, session, nullptr), UsageError);
  EXPECT_THROW(Tune({SmallTask()}, FsimOptions("simplex", 4), session, nullptr), UsageError);
  EXPECT_THROW(Tune({}, FsimOptions("random", 4), session, nullptr), UsageError);
}

TEST(Bench, ResultsSummaryReportAndReuse) {
  TempDb tmp;
  measure::Database db(tmp.path());
  BenchOptions o;
  o.layers = {SmallTask("resnet18.C11"), SmallTask("resnet18.C10")};
  o.tuners = {"random", "autotvm"};
  o.params["autotvm"] = {{"plan_size", 8}};
  o.trials = 12;
  o.seeds = 2;
  o.config = spec::LoadConfig("default");
  o.backend = "fsim";
  int checkpoints = 0;
  nlohmann::ordered_json res;
  {
    measure::Session session({}, &db);
    res = RunBench(o, session, db, {}, nullptr, nlohmann::ordered_json(),
                   [&](const nlohmann::ordered_json&) { ++checkpoints; });
  }
  EXPECT_EQ(checkpoints, 8);
  ASSERT_EQ(res["runs"].size(), 8u);
  for (const auto& run : res["runs"]) {
    EXPECT_EQ(run["curve_cycles"].size(), 12u);
    EXPECT_GT(run["best_cycles"].get<uint64_t>(), 0u);
  }
  ASSERT_EQ(res["layers"].size(), 2u);
  for (const auto& l : res["layers"]) {
    ASSERT_FALSE(l["best_known"].is_null());
    for (const auto& run : res["runs"]) {
      if (run["layer"] == l["name"]) {
        EXPECT_GE(run["best_cycles"].get<uint64_t>(), l["best_known"]["cycles"].get<uint64_t>());
      }
    }
  }
  ASSERT_EQ(res["summary"]["per_layer"].size(), 4u);
  for (const auto& e : res["summary"]["per_layer"]) {
    EXPECT_EQ(e["runs"], 2);
    EXPECT_LE(e["fraction_of_best_mean"].get<double>(), 1.0);
    EXPECT_EQ(e["reach"].size(), 3u);
    // random spends no time of its own; autotvm fits and anneals, and the measurements cost something.
    const double share = e["tuner_share"].get<double>();
    if (e["tuner"] == "random") {
      EXPECT_EQ(share, 0.0);
    } else {
      EXPECT_TRUE(share > 0 && share < 1) << share;
    }
  }
  ASSERT_EQ(res["summary"]["per_tuner"].size(), 2u);
  const std::string html = ReportHtml(res);
  EXPECT_THAT(html, HasSubstr("<svg"));
  EXPECT_THAT(html, HasSubstr("resnet18.C10/small"));
  EXPECT_THAT(html, HasSubstr("autotvm"));
  EXPECT_THAT(html, ::testing::Not(HasSubstr("<script")));
  // A second run with the first's results reuses every run: nothing is measured again.
  measure::Session again({}, &db);
  const nlohmann::ordered_json res2 = RunBench(o, again, db, {}, nullptr, res);
  EXPECT_EQ(again.counts().measured + again.counts().memoized, 0);
  EXPECT_EQ(res2["runs"], res["runs"]);
}

}  // namespace
}  // namespace dcoc::agents::tune
