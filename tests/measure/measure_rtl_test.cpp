// Measurements on the Verilator backend: one device reused across runs (Device::Reset), cycle bounds
// recorded as lower bounds, the session's per-batch bound.
#include <gtest/gtest.h>

#include <cmath>

#include "host/measure/session.h"
#include "host/runtime/backends.h"
#include "tests/measure/test_util.h"

namespace dcoc::measure {
namespace {

using testing::MakeRequest;
using testing::TempDir;

compiler::ConvLayer Small() { return testing::Layer("resnet18.C5", 8); }

compiler::Schedule Slow() {
  compiler::Schedule s;  // 1x1 tiles, one thread
  return s;
}

TEST(MeasureRtl, ReusedDeviceGivesTheCyclesOfAFreshOne) {
  const spec::Spec sp = spec::Spec::Create(spec::LoadConfig("default"));
  const compiler::Schedule good = compiler::DefaultSchedule(Small(), sp);
  Measurer reused(runtime::BuiltinBackends());
  const Measurement a = reused.Measure(MakeRequest(Small(), "default", "verilator", good));
  ASSERT_EQ(a.status, Status::kOk) << a.error;
  EXPECT_GT(a.cycles, 0u);
  EXPECT_EQ(a.rtl_hash, RtlHashFor("verilator", spec::LoadConfig("default")));
  EXPECT_FALSE(a.rtl_hash.empty());
  const Measurement b = reused.Measure(MakeRequest(Small(), "default", "verilator", Slow()));
  const Measurement c = reused.Measure(MakeRequest(Small(), "default", "verilator", good));
  ASSERT_EQ(b.status, Status::kOk) << b.error;
  EXPECT_GT(b.cycles, a.cycles);
  EXPECT_EQ(c.cycles, a.cycles);
  EXPECT_EQ(c.counters, a.counters);
  const Measurement fresh = Measurer(runtime::BuiltinBackends()).Measure(MakeRequest(Small(), "default", "verilator", good));
  EXPECT_EQ(fresh.cycles, a.cycles);
}

TEST(MeasureRtl, CycleBoundIsALowerBound) {
  Measurer m(runtime::BuiltinBackends());
  const Measurement full = m.Measure(MakeRequest(Small(), "default", "verilator", Slow()));
  ASSERT_EQ(full.status, Status::kOk);
  Request r = MakeRequest(Small(), "default", "verilator", Slow());
  r.max_cycles = full.cycles / 3;
  const Measurement bounded = m.Measure(r);
  EXPECT_EQ(bounded.status, Status::kCycleBound) << bounded.error;
  EXPECT_EQ(bounded.cycles, r.max_cycles);
  EXPECT_LT(bounded.wall.simulate, full.wall.simulate);
  r.max_cycles = full.cycles * 2;
  EXPECT_EQ(m.Measure(r).cycles, full.cycles);  // a loose bound changes nothing
}

TEST(MeasureRtl, SessionBoundsABatchByTheBestKnownBeforeIt) {
  TempDir dir;
  Database db(dir / "t.db");
  const spec::Spec sp = spec::Spec::Create(spec::LoadConfig("default"));
  SessionOptions o;
  o.cycle_bound_factor = 1.5;
  Session s(o, &db);
  const Request good = MakeRequest(Small(), "default", "verilator", compiler::DefaultSchedule(Small(), sp));
  const Request slow = MakeRequest(Small(), "default", "verilator", Slow());
  // Nothing is known in the first batch: no bound, both exact.
  std::vector<Measurement> first = s.Measure({good});
  ASSERT_EQ(first[0].status, Status::kOk);
  const uint64_t best = first[0].cycles;
  EXPECT_EQ(s.BestCycles(good), best);
  const std::vector<Measurement> second = s.Measure({slow});
  EXPECT_EQ(second[0].status, Status::kCycleBound);
  EXPECT_EQ(second[0].cycles, uint64_t(std::ceil(1.5 * double(best))));
  // A new session on the same database: the bound record answers the same bound.
  Session again(o, &db);
  const std::vector<Measurement> third = again.Measure({good, slow});
  EXPECT_TRUE(third[0].memoized && third[1].memoized);
  EXPECT_EQ(third[1].status, Status::kCycleBound);
  // Without a bound the point is measured exactly, and that settles it.
  Session exact(SessionOptions{}, &db);
  const std::vector<Measurement> fourth = exact.Measure({slow});
  EXPECT_FALSE(fourth[0].memoized);
  EXPECT_EQ(fourth[0].status, Status::kOk);
  EXPECT_GT(fourth[0].cycles, second[0].cycles);
  EXPECT_TRUE(again.Measure({slow})[0].memoized);
}

}  // namespace
}  // namespace dcoc::measure
