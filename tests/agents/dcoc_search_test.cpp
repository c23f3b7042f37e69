// DCOC's search strength on synthetic co-design problems of known optimum (label search: release run only).
#include <gtest/gtest.h>

#include <numeric>

#include "dcoc_drive.h"

namespace dcoc::agents::codesign {
namespace {

using testing::Drive;
using testing::DriveResult;
using testing::SynthProblem;

// Search strength (label search): the agents find a design close to the known optimum, on hardware
// other than the base point (which cannot reach it), within 480 measurements.
TEST(DcocSearch, FindsANearOptimalCoDesign) {
  const SynthProblem problem;
  const auto [optimum, optimum_hw] = problem.Optimum();
  const double base_best = problem.Optimum(/*fixed_base=*/true).first;
  ASSERT_GT(base_best, 1.3 * optimum);  // the hardware matters in this problem
  for (uint64_t seed : {1, 2, 3}) {
    const DriveResult r = Drive(problem, 480, seed, {{"plan_size", 32}});
    ASSERT_TRUE(r.best.found);
    EXPECT_LE(r.best.model_cycles, 1.1 * optimum) << "seed " << seed;
    EXPECT_LT(r.stats.hardware_measured, 16);
  }
}

// Penalties steer the hardware agent away from infeasible points: the fastest hardware is over the cap,
// and without penalties the agent keeps drawing it.
TEST(DcocSearch, PenaltiesSteerAwayFromInfeasibleHardware) {
  const SynthProblem problem(/*cap=*/30);
  const auto late_share = [&](double penalty) {
    const DriveResult r = Drive(problem, 400, 5, {{"plan_size", 32}, {"penalty", penalty}});
    const auto& s = r.stats.infeasible_share;
    const size_t half = s.size() / 2;
    return std::accumulate(s.begin() + ptrdiff_t(half), s.end(), 0.0) / double(s.size() - half);
  };
  const double with = late_share(2), without = late_share(0);
  EXPECT_LT(with, 0.25);
  EXPECT_LT(with, without - 0.2);
}

}  // namespace
}  // namespace dcoc::agents::codesign
