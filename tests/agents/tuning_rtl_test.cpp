// The driver on the Verilator backend (small layers, in-process measurement): cycle-bounded runs start
// from the default schedule's cycles, every bounded run stops at the batch's bound, and the bound is the
// run's own: a database other runs filled does not change what a run measures; the measured default schedule
// is a candidate for the result.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>

#include "agents/tune/tuning.h"
#include "host/compiler/workloads.h"

namespace dcoc::agents::tune {
namespace {

std::filesystem::path FreshDb(const std::string& name) {
  const std::filesystem::path p =
      std::filesystem::temp_directory_path() / fmt::format("dcoc-tuning-rtl-{}-{}.db", name, ::getpid());
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(p.string() + suffix);
  return p;
}

void RemoveDb(const std::filesystem::path& p) {
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(p.string() + suffix);
}

TEST(TuneRtl, CycleBoundStartsFromTheDefaultSchedule) {
  const std::filesystem::path db_path =
      std::filesystem::temp_directory_path() / ("dcoc-tuning-rtl-" + std::to_string(::getpid()) + ".db");
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(db_path.string() + suffix);
  compiler::ConvLayer l = compiler::ReduceSpatially(compiler::FindLayer("resnet18.C11"), 4, 64);
  l.epilogue = compiler::DefaultEpilogue(l, 8);
  TuneOptions o;
  o.tuner = "random";
  o.trials = 24;
  o.config = spec::LoadConfig("default");
  o.backend = "verilator";
  o.cycle_bound = 1.2;
  {
    measure::Database db(db_path);
    measure::Session session({}, &db);
    const TuneResult r = Tune({{"small", l, 1}}, o, session, &db);
    EXPECT_EQ(db.Count(), 25);  // the 24 trials and the default schedule measured first
    const spec::Spec s = spec::Spec::Create(o.config);
    measure::RecordQuery q;
    q.task = compiler::TaskKey(l);
    uint64_t default_cycles = 0;
    for (const measure::Measurement& m : db.Records(q))
      if (m.schedule == compiler::DefaultSchedule(l, s)) default_cycles = m.cycles;
    ASSERT_GT(default_cycles, 0u);
    const uint64_t bound = uint64_t(std::ceil(1.2 * double(default_cycles)));
    int bounded = 0;
    for (const Sample& x : r.tasks[0].samples) {
      if (x.status == measure::Status::kCycleBound) {
        EXPECT_EQ(x.cycles, bound);
        ++bounded;
      } else {
        EXPECT_EQ(x.status, measure::Status::kOk);
        EXPECT_LE(x.cycles, bound);
      }
    }
    EXPECT_GT(bounded, 0);
  }
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(db_path.string() + suffix);
}

TEST(TuneRtl, ASharedDatabaseDoesNotChangeTheRun) {
  compiler::ConvLayer l = compiler::ReduceSpatially(compiler::FindLayer("resnet18.C11"), 4, 64);
  l.epilogue = compiler::DefaultEpilogue(l, 8);
  const auto options = [](uint64_t seed) {
    TuneOptions o;
    o.tuner = "autotvm";
    o.params = {{"plan_size", 6}};  // batches of 6: the bound tightens as the run finds faster schedules
    o.trials = 24;
    o.seed = seed;
    o.config = spec::LoadConfig("default");
    o.backend = "verilator";
    o.cycle_bound = 1.2;
    return o;
  };
  const auto samples = [&](const std::filesystem::path& db_path, std::vector<uint64_t> seeds) {
    measure::Database db(db_path);
    measure::Session session({}, &db);
    std::vector<std::pair<measure::Status, uint64_t>> last;
    for (uint64_t seed : seeds) {
      last.clear();
      const TuneResult r = Tune({{"small", l, 1}}, options(seed), session, &db);
      for (const Sample& x : r.tasks[0].samples) last.emplace_back(x.status, x.cycles);
    }
    return last;
  };
  const std::filesystem::path alone = FreshDb("alone"), shared = FreshDb("shared");
  const auto by_itself = samples(alone, {1});
  const auto after_others = samples(shared, {2, 3, 1});  // seed 1 after two runs stored their schedules
  EXPECT_EQ(by_itself, after_others);
  EXPECT_EQ(by_itself.size(), 24u);
  RemoveDb(alone);
  RemoveDb(shared);
}

TEST(TuneRtl, TheMeasuredDefaultIsKeptWhenNoTrialBeatsIt) {
  compiler::ConvLayer l = compiler::ReduceSpatially(compiler::FindLayer("resnet18.C11"), 4, 64);
  l.epilogue = compiler::DefaultEpilogue(l, 8);
  const spec::Spec s = spec::Spec::Create(spec::LoadConfig("default"));
  const std::filesystem::path db_path = FreshDb("default-kept");
  {
    measure::Database db(db_path);
    measure::Session session({}, &db);
    // Runs whose random trials all lose to the default keep it; the others keep their best trial.
    int kept = 0, beaten = 0;
    for (uint64_t seed = 1; seed <= 4; ++seed) {
      TuneOptions o;
      o.tuner = "random";
      o.trials = int64_t(1) << (2 * seed - 1);  // 2 to 128: few draws rarely beat the default, many do
      o.seed = seed;
      o.config = s.config;
      o.backend = "verilator";
      o.cycle_bound = 3;
      const TaskResult t = Tune({{"small", l, 1}}, o, session, &db).tasks[0];
      measure::RecordQuery q;
      q.task = compiler::TaskKey(l);
      uint64_t default_cycles = 0;
      for (const measure::Measurement& m : db.Records(q))
        if (m.schedule == compiler::DefaultSchedule(l, s) && m.status == measure::Status::kOk) default_cycles = m.cycles;
      ASSERT_GT(default_cycles, 0u);
      uint64_t trial_best = 0;
      for (const Sample& x : t.samples)
        if (x.status == measure::Status::kOk && (trial_best == 0 || x.cycles < trial_best)) trial_best = x.cycles;
      ASSERT_TRUE(t.best);
      EXPECT_EQ(t.best->cycles, trial_best && trial_best < default_cycles ? trial_best : default_cycles) << seed;
      EXPECT_EQ(t.best_is_default, !(trial_best && trial_best < default_cycles)) << seed;
      if (t.best_is_default) {
        EXPECT_EQ(t.best->schedule, compiler::DefaultSchedule(l, s));
        ++kept;
      } else {
        ++beaten;
      }
      EXPECT_EQ(ToJson(Tune({{"small", l, 1}}, o, session, &db), o)["tasks"][0]["best"].value("default_schedule", false),
                t.best_is_default);  // the replay (memoized) says the same
    }
    EXPECT_GT(kept, 0);  // both cases occur among the seeds
    EXPECT_GT(beaten, 0);
  }
  RemoveDb(db_path);
}

}  // namespace
}  // namespace dcoc::agents::tune
