// Resume under kill -9 with real processes: `dcoc layer search --db F` is killed at random moments
// (the parent; its workers die with it) and started again until it finishes. Nothing committed is
// lost, nothing is stored twice, and the database ends equal to that of a run never interrupted.
#include <gtest/gtest.h>
#include <signal.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <map>
#include <random>
#include <thread>

#include "host/measure/database.h"
#include "tests/measure/test_util.h"

namespace dcoc::measure {
namespace {

using testing::TempDir;

// Starts dcoc with `args` (output to /dev/null); returns the pid.
pid_t Start(const std::vector<std::string>& args) {
  std::vector<std::string> all = {DCOC_CLI};
  all.insert(all.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& a : all) argv.push_back(a.data());
  argv.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid == 0) {
    const int null = ::open("/dev/null", O_WRONLY);
    ::dup2(null, 1);
    ::dup2(null, 2);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  return pid;
}

// Waits up to `seconds` for the process; returns its status, or nullopt if it is still running.
std::optional<int> WaitFor(pid_t pid, double seconds) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  int status = 0;
  for (;;) {
    if (::waitpid(pid, &status, WNOHANG) == pid) return status;
    if (std::chrono::steady_clock::now() > until) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

std::map<std::string, std::string> Contents(const std::filesystem::path& db) {
  std::map<std::string, std::string> out;
  const Database d(db, Database::Mode::kReadOnly);
  for (const Measurement& m : d.Records()) {
    const MemoKey k = KeyOf(m);
    const std::string key = k.task + "|" + k.schedule;
    EXPECT_EQ(out.count(key), 0u) << "stored twice: " << key;
    out[key] = std::string(Name(m.status)) + " " + nlohmann::json(m.counters).dump();
  }
  return out;
}

TEST(Resume, KilledAtRandomMomentsLosesNothingAndDuplicatesNothing) {
  TempDir dir;
  auto args = [&](const std::string& db) {
    return std::vector<std::string>{"layer", "search", "--conv", "1,64,28,28,64,3,3,1,1", "--backend", "fsim",
                                    "--top", "6", "--random", "60", "--seed", "5", "--jobs", "2", "--db", db};
  };
  // The reference: one run, never interrupted.
  const auto t0 = std::chrono::steady_clock::now();
  const pid_t ref = Start(args((dir / "ref.db").string()));
  const std::optional<int> ref_status = WaitFor(ref, 120);
  ASSERT_TRUE(ref_status && WIFEXITED(*ref_status) && WEXITSTATUS(*ref_status) == 0);
  const double run_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const std::map<std::string, std::string> want = Contents(dir / "ref.db");
  ASSERT_GE(want.size(), 50u);

  std::mt19937_64 rng(20261130);
  std::uniform_real_distribution<double> when(0.05, std::max(0.1, 0.3 * run_seconds));
  std::uniform_real_distribution<double> after(0.0, 0.02);
  auto count = [&] {
    if (!std::filesystem::exists(dir / "t.db")) return int64_t(0);
    const Database d(dir / "t.db", Database::Mode::kReadOnly);  // opens after a kill: never corrupt
    return d.Count();
  };
  constexpr int kMidRunKills = 4;
  int64_t committed = 0;
  int kills = 0, runs = 0;
  for (;;) {
    ASSERT_LT(runs, 60) << "the search never finished";
    ++runs;
    const pid_t pid = Start(args((dir / "t.db").string()));
    std::optional<int> done;
    if (kills < kMidRunKills) {
      // The first kills land while the run is committing: just after a new record, at a small random
      // offset. The layer is big enough (tens of ms of CPU per candidate) that a run outlives this on a
      // fast idle machine too.
      const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(60);
      while (!(done = WaitFor(pid, 0.01)) && count() <= committed && std::chrono::steady_clock::now() < until) {
      }
      if (!done) done = WaitFor(pid, after(rng));
    } else {
      // Then at random moments (start-up included); later runs get longer (a run must outlive its
      // start-up to make progress).
      done = WaitFor(pid, when(rng) * std::pow(1.15, runs - kMidRunKills));
    }
    if (done) {
      ASSERT_TRUE(WIFEXITED(*done) && WEXITSTATUS(*done) == 0);
      break;
    }
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    ++kills;
    const int64_t now = count();
    EXPECT_GE(now, committed) << "a committed record was lost after kill " << kills;
    committed = now;
  }
  EXPECT_GE(kills, kMidRunKills);
  EXPECT_EQ(Contents(dir / "t.db"), want);
  RecordProperty("kills", kills);
}

}  // namespace
}  // namespace dcoc::measure
