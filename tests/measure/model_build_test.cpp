// Slow: the worker pool verilates a configuration that is not prebuilt (in a fresh model cache) in the
// background while other measurements proceed, and records the build time.
#include <gtest/gtest.h>

#include <cstdlib>

#include "host/measure/worker_pool.h"
#include "tests/measure/test_util.h"

namespace dcoc::measure {
namespace {

using testing::MakeRequest;
using testing::TempDir;

TEST(MeasureRtlSlow, MissingModelIsBuiltInTheBackground) {
  TempDir dir;
  ::setenv("DCOC_CACHE_DIR", (dir / "cache").c_str(), 1);
  WorkerPoolOptions o;
  o.jobs = 2;
  o.worker_exe = DCOC_CLI;
  WorkerPool pool(o);
  const std::string cfg = "1x16_i8w8a32_15_15_17_17";  // not among the prebuilt models (smaller weight buffer)
  const compiler::ConvLayer l = testing::Layer("resnet18.C5", 4);
  const spec::Spec sp = spec::Spec::Create(spec::LoadConfig(cfg));
  compiler::Schedule other = compiler::DefaultSchedule(l, sp);
  other.loop_order = other.loop_order == compiler::LoopOrder::kOcOuter ? compiler::LoopOrder::kSpatialOuter
                                                                        : compiler::LoopOrder::kOcOuter;
  const std::vector<Request> reqs = {MakeRequest(l, cfg, "verilator", compiler::DefaultSchedule(l, sp)),
                                     MakeRequest(l, "default", "fsim", compiler::Schedule{}),
                                     MakeRequest(l, cfg, "verilator", other)};
  std::vector<size_t> order;
  const std::vector<Measurement> got = pool.Run(reqs, [&](size_t i, const Measurement&) { order.push_back(i); });
  ::unsetenv("DCOC_CACHE_DIR");
  ASSERT_EQ(got[0].status, Status::kOk) << got[0].error;
  EXPECT_GT(got[0].wall.build, 1.0);
  EXPECT_EQ(got[1].status, Status::kOk);
  EXPECT_EQ(got[2].status, Status::kOk) << got[2].error;
  EXPECT_EQ(got[2].wall.build, 0.0);  // it waited for the same build: its time is on got[0] only
  EXPECT_EQ(order.front(), 1u);       // the fsim request did not wait for the build
}

}  // namespace
}  // namespace dcoc::measure
