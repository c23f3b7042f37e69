// The co-design driver (CoTune) with a cycle bound, on a tuning database that already knows far faster
// schedules than the run can find (as when several tuners share one database), and the default schedule
// as the bound's reference on each new hardware point. The measurements come from
// a timed stand-in for a simulator: fsim runs and checks the program, and its cycles are the compiler's
// analytic estimate, so runs stop at their bound like Verilator's do -- in milliseconds.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <memory>
#include <set>
#include <string>

#include "agents/dcoc/cotune.h"
#include "host/compiler/space.h"
#include "host/measure/database.h"
#include "host/measure/measurer.h"
#include "host/measure/session.h"
#include "host/runtime/backends.h"
#include "tests/measure/test_util.h"

namespace dcoc::agents::codesign {
namespace {

using measure::testing::TempDir;

// fsim, timed by the estimate: ok with cycles = the estimate, or cycle_bound at the request's max_cycles.
class EstimateTimedExecutor final : public measure::Executor {
 public:
  std::vector<measure::Measurement> Run(std::span<const measure::Request> requests,
                                        const std::function<void(size_t, const measure::Measurement&)>& done) override {
    std::vector<measure::Measurement> out;
    for (size_t i = 0; i < requests.size(); ++i) {
      measure::Measurement m = measurer_.Measure(requests[i]);
      if (m.ok()) {
        m.cycles = uint64_t(std::llround(m.estimate_cycles));
        if (requests[i].max_cycles > 0 && m.cycles > requests[i].max_cycles) {
          m.status = measure::Status::kCycleBound;
          m.cycles = requests[i].max_cycles;
        }
        m.seconds = double(m.cycles) / 1e8;
      }
      ++runs;
      const bool is_default =
          requests[i].schedule == compiler::DefaultSchedule(requests[i].layer, spec::Spec::Create(requests[i].config));
      requests_.push_back(
          {spec::ConfigTag(requests[i].config), requests[i].layer.name, requests[i].max_cycles, is_default});
      out.push_back(std::move(m));
      if (done) done(i, out.back());
    }
    batches.push_back(std::move(requests_));
    requests_.clear();
    return out;
  }
  int runs = 0;
  struct Sent {
    std::string config, layer;
    uint64_t max_cycles = 0;
    bool is_default = false;  // the compiler's default schedule
  };
  std::vector<std::vector<Sent>> batches;  // what each call was sent

 private:
  measure::Measurer measurer_{runtime::BuiltinBackends()};
  std::vector<Sent> requests_;
};

// Two small layers on one hardware point (the software-only problem: the bound matters per task), or on
// two (the base and its 128-bit bus).
VtaProblem SmallProblem(const std::string& bus = "6") {
  std::vector<VtaTask> tasks;
  for (const char* name : {"resnet18.C6", "resnet18.C9"}) tasks.push_back({name, measure::testing::Layer(name, 4), 1});
  spec::HwSpace space = spec::ParseHwSpace(
      "LOG_BATCH=0,LOG_BLOCK_IN=4,LOG_BLOCK_OUT=4,LOG_INP_BUFF_SIZE=15,LOG_WGT_BUFF_SIZE=18,LOG_ACC_BUFF_SIZE=17,"
      "LOG_BUS_WIDTH=" +
      bus);
  space.base = spec::LoadConfig("default");
  return VtaProblem(std::move(tasks), std::move(space), boards::LoadBoard("zcu104"));
}

// A database holding, for every task, a record 4x faster than the compiler's best estimate there (faster
// than any schedule this run can measure; with a bound of 1.5 x it, every attempt would stop). The record
// is of another schedule than the default (a database's record of the same schedule is its measurement).
void SeedFasterRecords(const VtaProblem& problem, measure::Database& db) {
  const spec::HwConfig config = *problem.Config(problem.BaseHardware());
  const spec::Spec s = spec::Spec::Create(config);
  EstimateTimedExecutor exec;
  for (const VtaTask& t : problem.tasks()) {
    measure::Request r;
    r.layer = t.layer;
    r.config = config;
    r.backend = "fsim";
    r.schedule = compiler::DefaultSchedule(t.layer, s);  // the estimate's best schedule
    const measure::Request rs[1] = {r};
    measure::Measurement m = exec.Run(rs, {})[0];
    ASSERT_TRUE(m.ok()) << m.error;
    m.cycles = std::max<uint64_t>(1, m.cycles / 4);
    m.seconds = double(m.cycles) / 1e8;
    m.schedule.tile_co = m.schedule.tile_co == 1 ? 2 : 1;  // stored as another schedule's
    db.Add(m, t.layer, config);
  }
}

CoTuneOptions Options(double cycle_bound) {
  CoTuneOptions o;
  o.backend = "fsim";
  o.trials = 16;
  o.seed = 5;
  o.cycle_bound = cycle_bound;
  o.params = {
      {"plan_size", 8}, {"hardware_samples", 1}, {"software_samples", 8}, {"train_steps", 5}, {"software_only", true}};
  return o;
}

TEST(DcocCoTune, ADatabaseKnowingFasterSchedulesStillLeavesTheRunItsOwnDesign) {
  TempDir dir;
  const VtaProblem problem = SmallProblem();
  measure::Database db(dir / "t.db");
  SeedFasterRecords(problem, db);
  auto exec = std::make_shared<EstimateTimedExecutor>();
  measure::SessionOptions so;
  so.executor = exec;
  measure::Session session(so, &db);
  const CoTuneResult r = CoTune(problem, Options(1.5), session);
  ASSERT_TRUE(r.best.found) << "no whole-model design after " << r.measured << " measurements";
  EXPECT_EQ(r.measured, 16);
  // The design is the run's own: every task's schedule measured exactly by this run, none of them the
  // database's (impossibly fast) record.
  ASSERT_EQ(r.task_best.size(), problem.NumTasks());
  const spec::Spec s = spec::Spec::Create(*r.config);
  for (size_t t = 0; t < problem.NumTasks(); ++t) {
    ASSERT_TRUE(r.task_best[t].has_value()) << problem.TaskName(t);
    const measure::Measurement& m = *r.task_best[t];
    EXPECT_EQ(m.status, measure::Status::kOk);
    EXPECT_EQ(double(m.cycles), r.best.task_cycles[t]);
    const compiler::Schedule sched = problem.ScheduleAt(t, r.best.hardware, r.best.schedules[t]);
    EXPECT_EQ(m.cycles, uint64_t(std::llround(compiler::EstimateCost(problem.tasks()[t].layer, sched, s).cycles)));
  }
  // Bounds still apply: the run's later candidates stop at 1.5 x its own best (some were slower than that).
  EXPECT_GT(r.stats.lower_bounds, 0);
  EXPECT_LT(r.stats.lower_bounds, r.measured);
}

// The failure the driver's bound fixes: the same run with the bound taken from the database (the session's
// own factor) has no measurement of its own under the bound, hence no design.
TEST(DcocCoTune, ABoundFromTheDatabaseAloneLeavesNoDesign) {
  TempDir dir;
  const VtaProblem problem = SmallProblem();
  measure::Database db(dir / "t.db");
  SeedFasterRecords(problem, db);
  measure::SessionOptions so;
  so.executor = std::make_shared<EstimateTimedExecutor>();
  so.cycle_bound_factor = 1.5;
  measure::Session session(so, &db);
  const CoTuneResult r = CoTune(problem, Options(0), session);
  EXPECT_FALSE(r.best.found);
  EXPECT_EQ(r.stats.lower_bounds, r.measured);
}

// On each (hardware point, task) the run has no result of yet, the default schedule is measured first (not a
// trial): one candidate runs unbounded (the run has a result there whatever it drew), the others stop at 1.5 x
// the fewer of the default's cycles and the run's best of the task on the hardware measured before.
TEST(DcocCoTune, TheDefaultScheduleIsTheReferenceOnEachNewHardwarePoint) {
  const VtaProblem problem = SmallProblem("6|7");
  auto exec = std::make_shared<EstimateTimedExecutor>();
  measure::SessionOptions so;
  so.executor = exec;
  measure::Session session(so, nullptr);
  CoTuneOptions o = Options(1.5);
  o.trials = 24;
  o.params.erase("software_only");
  const CoTuneResult r = CoTune(problem, o, session);
  EXPECT_EQ(r.measured, 24);
  ASSERT_EQ(r.stats.hardware_measured, 2);
  std::set<std::pair<std::string, std::string>> probed;
  std::set<std::string> configs;
  for (const auto& batch : exec->batches) {
    const bool probes = std::all_of(batch.begin(), batch.end(), [](const auto& q) { return q.is_default && !q.max_cycles; });
    std::map<std::pair<std::string, std::string>, int> unbounded;
    for (const auto& q : batch) {
      const auto key = std::make_pair(q.config, q.layer);
      configs.insert(q.config);
      if (probes) {
        EXPECT_TRUE(probed.insert(key).second) << "probed twice: " << q.config << " " << q.layer;
      } else {
        EXPECT_TRUE(probed.count(key)) << "measured before its default schedule: " << q.config << " " << q.layer;
        if (!q.max_cycles) ++unbounded[key];
      }
    }
    for (const auto& [key, n] : unbounded) EXPECT_LE(n, 1) << key.first << " " << key.second;
  }
  EXPECT_EQ(configs.size(), 2u);
  EXPECT_EQ(probed.size(), 4u);  // 2 hardware points x 2 tasks
  EXPECT_EQ(r.default_probes, 4);
}

// On this stand-in the default schedule is the estimate's best, so no trial beats it: the result keeps every
// task's default (ties aside), also after a resume, when the run measures the defaults it forgot again.
TEST(DcocCoTune, TheResultKeepsAMeasuredDefaultThatNoTrialBeat) {
  TempDir dir;
  const VtaProblem problem = SmallProblem();
  auto exec = std::make_shared<EstimateTimedExecutor>();
  measure::SessionOptions so;
  so.executor = exec;
  measure::Database db(dir / "t.db");
  measure::Session session(so, &db);
  const spec::Spec s = spec::Spec::Create(*problem.Config(problem.BaseHardware()));
  for (const bool resumed : {false, true}) {
    CoTuneOptions o = Options(1.5);
    o.checkpoint = (dir / (resumed ? "resumed.ckpt" : "whole.ckpt")).string();
    if (resumed) {
      o.trials = 8;
      (void)CoTune(problem, o, session);
      o.trials = 16;
    }
    const CoTuneResult r = CoTune(problem, o, session);
    ASSERT_TRUE(r.best.found);
    ASSERT_EQ(r.default_faster.size(), 2u);
    const nlohmann::ordered_json j = ToJson(r, problem, o);
    double model = 0;
    for (size_t t = 0; t < 2; ++t) {
      const compiler::ConvLayer& l = problem.tasks()[t].layer;
      measure::RecordQuery q;
      q.task = compiler::TaskKey(l);
      double default_cycles = 0;
      for (const measure::Measurement& m : db.Records(q))
        if (m.schedule == compiler::DefaultSchedule(l, s) && m.status == measure::Status::kOk) default_cycles = m.cycles;
      ASSERT_GT(default_cycles, 0);
      EXPECT_EQ(j["tasks"][t]["cycles"].get<double>(), default_cycles) << resumed << " " << t;
      EXPECT_EQ(j["tasks"][t].value("default_schedule", false), r.default_faster[t] > 0);
      if (r.default_faster[t] > 0) {
        EXPECT_LT(double(r.default_faster[t]), r.best.task_cycles[t]);
        EXPECT_EQ(j["tasks"][t]["schedule"], compiler::ToJson(compiler::DefaultSchedule(l, s)));
      }
      model += j["tasks"][t]["cycles"].get<double>();
    }
    EXPECT_EQ(j["model"]["cycles"].get<double>(), model);
    EXPECT_GT(r.default_faster[0] + r.default_faster[1], 0u) << "no default kept: the test shows nothing";
  }
}

// A measurement memoized from another model's record of the same shape keeps that record's layer name; the
// event names the run's own task (issue 9: VGG-16's dense layers were reported as AlexNet's).
TEST(DcocCoTune, EventsNameTheRunsOwnTaskAlsoWhenMemoizedFromAnotherModel) {
  TempDir dir;
  measure::Database db(dir / "t.db");
  measure::Session session(measure::SessionOptions{}, &db);
  const VtaProblem first = SmallProblem();
  (void)CoTune(first, Options(1.5), session);
  std::vector<VtaTask> renamed = first.tasks();
  for (VtaTask& t : renamed) t.name = t.layer.name = "other." + t.name;
  spec::HwSpace space = spec::ParseHwSpace(
      "LOG_BATCH=0,LOG_BLOCK_IN=4,LOG_BLOCK_OUT=4,LOG_INP_BUFF_SIZE=15,LOG_WGT_BUFF_SIZE=18,LOG_ACC_BUFF_SIZE=17,"
      "LOG_BUS_WIDTH=6");
  space.base = spec::LoadConfig("default");
  const VtaProblem second(renamed, std::move(space), first.board());
  int memoized = 0, events = 0;
  (void)CoTune(second, Options(1.5), session, [&](const CoTuneEvent& e) {
    if (!e.measurement) return;
    ++events;
    EXPECT_EQ(second.tasks()[e.task].name.rfind("other.", 0), 0u);
    if (e.measurement->memoized) {
      ++memoized;
      EXPECT_EQ(e.measurement->layer, first.tasks()[e.task].layer.name);  // the stored record's name
    }
  });
  EXPECT_EQ(events, 16);
  EXPECT_GT(memoized, 0);
}

TEST(DcocCoTune, BadCycleBoundIsAnError) {
  const VtaProblem problem = SmallProblem();
  measure::Session session(measure::SessionOptions{}, nullptr);
  EXPECT_THROW(CoTune(problem, Options(0.5), session), UsageError);
}

}  // namespace
}  // namespace dcoc::agents::codesign
