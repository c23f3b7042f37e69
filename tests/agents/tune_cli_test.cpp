// `dcoc tune` as a process: JSON lines, errors, Ctrl-C (SIGINT stops cleanly, a re-run continues), and
// resume under kill -9 at random moments (nothing committed is lost or stored twice, and the run ends
// with the result of a run never interrupted). fsim backend, so each measurement takes milliseconds.
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include "host/measure/database.h"

namespace dcoc::agents {
namespace {

using ::testing::HasSubstr;

class Scratch {
 public:
  Scratch() {
    std::random_device rd;
    dir_ = std::filesystem::temp_directory_path() /
           ("dcoc-tune-cli-" + std::to_string(::getpid()) + "-" + std::to_string(rd()));
    std::filesystem::create_directories(dir_);
  }
  ~Scratch() {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  std::string operator/(const std::string& name) const { return (dir_ / name).string(); }

 private:
  std::filesystem::path dir_;
};

// A dcoc process with stdout and stderr going to files.
class Dcoc {
 public:
  Dcoc(const std::vector<std::string>& args, const std::string& out, const std::string& err) {
    std::vector<std::string> all = {DCOC_CLI};
    all.insert(all.end(), args.begin(), args.end());
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644), 1);
      ::dup2(::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644), 2);
      std::vector<char*> argv;
      for (std::string& a : all) argv.push_back(a.data());
      argv.push_back(nullptr);
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
  }
  // The exit status once the process ended within `seconds`, else nullopt.
  std::optional<int> Wait(double seconds) {
    const auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    for (int status = 0;; std::this_thread::sleep_for(std::chrono::milliseconds(5))) {
      if (::waitpid(pid_, &status, WNOHANG) == pid_) return status;
      if (std::chrono::steady_clock::now() > until) return std::nullopt;
    }
  }
  void Signal(int sig) { ::kill(pid_, sig); }

 private:
  pid_t pid_ = -1;
};

std::string Slurp(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

int64_t Records(const std::string& db) {
  if (!std::filesystem::exists(db)) return 0;
  return measure::Database(db, measure::Database::Mode::kReadOnly).Count();
}

std::vector<std::string> TuneArgs(const std::string& db, int trials) {
  return {"tune",
          "--conv",
          "1,32,14,14,32,3,3,1,1",
          "--backend",
          "fsim",
          "--tuner",
          "autotvm",
          "--params",
          R"({"plan_size": 8})",
          "--trials",
          std::to_string(trials),
          "--seed",
          "5",
          "--jobs",
          "2",
          "--db",
          db,
          "--json"};
}

// The last JSON line ("result").
nlohmann::json Result(const std::string& out) {
  nlohmann::json last;
  std::istringstream lines(out);
  for (std::string line; std::getline(lines, line);)
    if (!line.empty()) last = nlohmann::json::parse(line);
  return last;
}

TEST(TuneCli, JsonLinesEndWithTheResult) {
  Scratch s;
  Dcoc p(TuneArgs(s / "t.db", 12), s / "out", s / "err");
  const std::optional<int> st = p.Wait(120);
  ASSERT_TRUE(st && WIFEXITED(*st) && WEXITSTATUS(*st) == 0) << Slurp(s / "err");
  std::istringstream lines(Slurp(s / "out"));
  int measurements = 0;
  std::set<std::string> events;
  for (std::string line; std::getline(lines, line);) {
    const nlohmann::json j = nlohmann::json::parse(line);
    events.insert(j["event"]);
    measurements += j["event"] == "measurement";
  }
  EXPECT_EQ(measurements, 12);
  EXPECT_EQ(events, (std::set<std::string>{"task_start", "measurement", "task_end", "result"}));
  const nlohmann::json r = Result(Slurp(s / "out"));
  EXPECT_EQ(r["tasks"][0]["trials"], 12);
  EXPECT_GT(r["tasks"][0]["best"]["cycles"].get<uint64_t>(), 0u);
  EXPECT_EQ(Records(s / "t.db"), 12);
}

TEST(TuneCli, ErrorsNameTheProblem) {
  Scratch s;
  const auto run = [&](std::vector<std::string> args) {
    Dcoc p(args, s / "out", s / "err");
    const std::optional<int> st = p.Wait(60);
    EXPECT_TRUE(st && WIFEXITED(*st) && WEXITSTATUS(*st) == 1);
    return Slurp(s / "err");
  };
  EXPECT_THAT(run({"tune", "--layer", "resnet18.C5", "--tuner", "simplex", "--backend", "fsim"}),
              HasSubstr("error: unknown tuner \"simplex\" (known: random, grid, ga, autotvm, chameleon)"));
  EXPECT_THAT(run({"tune", "--layer", "resnet18.C5", "--trials", "0"}),
              HasSubstr("error: --trials 0: expected a positive number or \"all\""));
  EXPECT_THAT(run({"tune", "--layer", "resnet18.C5", "--model", "resnet18"}), HasSubstr("error: give exactly one of"));
  EXPECT_THAT(run({"tune", "--model", "resnet50"}), HasSubstr("error: unknown model \"resnet50\""));
  EXPECT_THAT(run({"tune", "--layer", "resnet18.C5", "--params", "{\"plan\": 3}", "--backend", "fsim"}),
              HasSubstr("error: autotvm has no parameter \"plan\""));
}

// --isa vta tunes the stock-VTA program of the layer: its own task (key ":isa=vta") whose records do not
// answer for the VTA++ task of the same shape; a configuration no VTA bitstream has is refused by name.
TEST(TuneCli, StockVtaTargetIsItsOwnTask) {
  Scratch s;
  const auto tune = [&](const std::string& isa, const std::string& config) {
    Dcoc p({"tune", "--conv", "1,32,14,14,32,3,3,1,1", "--isa", isa, "--config", config, "--backend", "fsim",
            "--tuner", "random", "--trials", "4", "--jobs", "0", "--db", s / "t.db", "--json"},
           s / "out", s / "err");
    const std::optional<int> st = p.Wait(120);
    EXPECT_TRUE(st && WIFEXITED(*st)) << Slurp(s / "err");
    return st && WIFEXITED(*st) ? WEXITSTATUS(*st) : -1;
  };
  ASSERT_EQ(tune("vta", "default"), 0) << Slurp(s / "err");
  nlohmann::json r = Result(Slurp(s / "out"));
  EXPECT_THAT(r["tasks"][0]["task_key"].get<std::string>(), ::testing::EndsWith(":isa=vta"));
  EXPECT_EQ(r["tasks"][0]["trials"], 4);
  EXPECT_EQ(r["tasks"][0]["memoized"], 0);
  ASSERT_EQ(tune("vta++", "default"), 0) << Slurp(s / "err");
  r = Result(Slurp(s / "out"));
  EXPECT_THAT(r["tasks"][0]["task_key"].get<std::string>(), ::testing::Not(HasSubstr("isa")));
  EXPECT_EQ(r["tasks"][0]["memoized"], 0);
  EXPECT_EQ(Records(s / "t.db"), 8);
  EXPECT_NE(tune("vta", "2x16x32"), 0);
  EXPECT_THAT(Slurp(s / "err"), HasSubstr("2x16x32"));
}

// SIGINT stops after the measurements in flight, exits 0 with the result so far; a re-run continues.
TEST(TuneCli, InterruptStopsCleanlyAndARerunContinues) {
  Scratch s;
  Dcoc p(TuneArgs(s / "t.db", 400), s / "out", s / "err");
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (Records(s / "t.db") < 20 && std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  p.Signal(SIGINT);
  const std::optional<int> st = p.Wait(60);
  ASSERT_TRUE(st && WIFEXITED(*st) && WEXITSTATUS(*st) == 0) << Slurp(s / "err");
  const nlohmann::json r = Result(Slurp(s / "out"));
  EXPECT_TRUE(r["interrupted"].get<bool>());
  const int64_t kept = Records(s / "t.db");
  EXPECT_GE(kept, 20);
  EXPECT_LT(kept, 400);
  EXPECT_EQ(r["tasks"][0]["trials"].get<int64_t>(), kept);
  Dcoc again(TuneArgs(s / "t.db", 400), s / "out2", s / "err2");
  const std::optional<int> st2 = again.Wait(300);
  ASSERT_TRUE(st2 && WIFEXITED(*st2) && WEXITSTATUS(*st2) == 0) << Slurp(s / "err2");
  const nlohmann::json r2 = Result(Slurp(s / "out2"));
  EXPECT_FALSE(r2["interrupted"].get<bool>());
  EXPECT_EQ(r2["tasks"][0]["trials"], 400);
  EXPECT_EQ(r2["tasks"][0]["memoized"].get<int64_t>(), kept);
}

TEST(TuneCli, KilledAtRandomMomentsEndsAsAnUninterruptedRun) {
  Scratch s;
  const int trials = 64;
  Dcoc ref(TuneArgs(s / "ref.db", trials), s / "ref.out", s / "ref.err");
  const auto t0 = std::chrono::steady_clock::now();
  const std::optional<int> st = ref.Wait(300);
  ASSERT_TRUE(st && WIFEXITED(*st) && WEXITSTATUS(*st) == 0) << Slurp(s / "ref.err");
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const nlohmann::json want = Result(Slurp(s / "ref.out"));

  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> when(0.05, std::max(0.1, 0.5 * seconds));
  int kills = 0;
  int64_t committed = 0;
  for (int run = 0;; ++run) {
    ASSERT_LT(run, 40) << "the run never finished";
    Dcoc p(TuneArgs(s / "t.db", trials), s / "out", s / "err");
    if (const std::optional<int> done = p.Wait(when(rng) * std::pow(1.2, run))) {
      ASSERT_TRUE(WIFEXITED(*done) && WEXITSTATUS(*done) == 0) << Slurp(s / "err");
      break;
    }
    p.Signal(SIGKILL);
    p.Wait(10);
    ++kills;
    EXPECT_GE(Records(s / "t.db"), committed) << "a committed record was lost";
    committed = Records(s / "t.db");
  }
  const nlohmann::json got = Result(Slurp(s / "out"));
  EXPECT_EQ(Records(s / "t.db"), trials);  // nothing stored twice
  EXPECT_EQ(got["tasks"][0]["best"], want["tasks"][0]["best"]);
  EXPECT_EQ(got["tasks"][0]["trials"], trials);
  RecordProperty("kills", kills);
}

}  // namespace
}  // namespace dcoc::agents
