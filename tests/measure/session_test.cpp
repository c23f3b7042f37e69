// Sessions: memoized points are answered from the database without simulating and still count;
// transient failures are measured again; duplicates in a batch are measured once.
#include <gtest/gtest.h>

#include "host/measure/session.h"
#include "host/runtime/backends.h"
#include "tests/measure/test_util.h"

namespace dcoc::measure {
namespace {

using testing::MakeRequest;
using testing::TempDir;

std::vector<Request> Batch(int n, uint64_t seed) {
  const compiler::ConvLayer l = testing::Layer("resnet18.C5", 8);
  const spec::Spec sp = spec::Spec::Create(spec::LoadConfig("default"));
  const compiler::ScheduleSpace space(l, sp);
  std::mt19937_64 rng(seed);
  std::vector<Request> out;
  std::set<uint64_t> seen;
  while (int(out.size()) < n) {
    const compiler::KnobIndices p = *space.Sample(rng);
    if (seen.insert(space.Index(p)).second) out.push_back(MakeRequest(l, "default", "fsim", space.At(p)));
  }
  return out;
}

SessionOptions Workers(int jobs) {
  SessionOptions o;
  o.jobs = jobs;
  o.pool.worker_exe = DCOC_CLI;
  return o;
}

TEST(Session, MemoizedPointsAreAnsweredWithoutSimulating) {
  TempDir dir;
  Database db(dir / "t.db");
  const std::vector<Request> batch = Batch(10, 1);
  std::vector<Measurement> first;
  {
    Session s(Workers(2), &db);
    size_t calls = 0;
    first = s.Measure(batch, [&](const Progress& p) {
      ++calls;
      EXPECT_EQ(p.total, batch.size());
      EXPECT_EQ(p.done, calls);
    });
    EXPECT_EQ(calls, batch.size());
    EXPECT_EQ(s.counts().measured, 10);
    EXPECT_EQ(s.counts().memoized, 0);
  }
  EXPECT_EQ(db.Count(), 10);
  // The same batch again (a re-run, in this process and without workers): all memoized, same answers.
  Session again(SessionOptions{}, &db);
  const std::vector<Measurement> second = again.Measure(batch);
  EXPECT_EQ(again.counts().measured, 0);
  EXPECT_EQ(again.counts().memoized, 10);
  ASSERT_EQ(second.size(), first.size());
  for (size_t i = 0; i < first.size(); ++i) {
    EXPECT_TRUE(second[i].memoized);
    EXPECT_FALSE(first[i].memoized);
    EXPECT_EQ(second[i].status, first[i].status);
    EXPECT_EQ(second[i].schedule, first[i].schedule);
    EXPECT_EQ(second[i].counters, first[i].counters);
    EXPECT_EQ(second[i].estimate_cycles, first[i].estimate_cycles);
  }
  EXPECT_EQ(db.Count(), 10);  // nothing stored twice

  // A batch mixing old and new points measures only the new ones; a point twice is measured once.
  std::vector<Request> mixed = Batch(14, 1);
  mixed.push_back(mixed.back());
  const std::vector<Measurement> third = again.Measure(mixed);
  EXPECT_EQ(third.size(), mixed.size());
  EXPECT_EQ(again.counts().measured, 4);
  EXPECT_EQ(again.counts().memoized, 10 + 11);
  EXPECT_EQ(db.Count(), 14);
}

// An executor that measures in this process and counts what it was sent.
class CountingExecutor final : public Executor {
 public:
  std::vector<Measurement> Run(std::span<const Request> requests,
                               const std::function<void(size_t, const Measurement&)>& done) override {
    std::vector<Measurement> out;
    for (size_t i = 0; i < requests.size(); ++i) {
      ++sent;
      out.push_back(measurer_.Measure(requests[i]));
      if (done) done(i, out.back());
    }
    return out;
  }
  int sent = 0;

 private:
  Measurer measurer_{runtime::BuiltinBackends()};
};

TEST(Session, OnlyUnansweredRequestsReachTheExecutor) {
  TempDir dir;
  Database db(dir / "t.db");
  auto exec = std::make_shared<CountingExecutor>();
  SessionOptions o;
  o.executor = exec;
  Session s(o, &db);
  s.Measure(Batch(6, 9));
  EXPECT_EQ(exec->sent, 6);
  s.Measure(Batch(8, 9));  // the first 6 are the same points
  EXPECT_EQ(exec->sent, 8);
  EXPECT_EQ(s.counts().memoized, 6);
}

TEST(Session, TransientFailuresAreMeasuredAgain) {
  TempDir dir;
  Database db(dir / "t.db");
  const std::vector<Request> batch = Batch(1, 2);
  Measurement crash = testing::Record(batch[0].layer, "default", batch[0].schedule, Status::kWorkerCrash, 0, "fsim");
  db.Add(crash, batch[0].layer, batch[0].config);
  Session s(SessionOptions{}, &db);
  const std::vector<Measurement> got = s.Measure(batch);
  EXPECT_EQ(got[0].status, Status::kOk);
  EXPECT_FALSE(got[0].memoized);
  EXPECT_EQ(db.Count(), 2);
}

TEST(Session, WithoutADatabaseNothingIsMemoized) {
  Session s(SessionOptions{}, nullptr);
  const std::vector<Request> batch = Batch(3, 4);
  s.Measure(batch);
  s.Measure(batch);
  EXPECT_EQ(s.counts().measured, 6);
  EXPECT_EQ(s.counts().memoized, 0);
  SessionOptions bad;
  bad.cycle_bound_factor = 0.5;
  EXPECT_THROW(Session(bad, nullptr), UsageError);
}

}  // namespace
}  // namespace dcoc::measure
