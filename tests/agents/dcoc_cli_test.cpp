// `dcoc tune --tuner dcoc` as a process on fsim (milliseconds per measurement): the result names a
// configuration that fits the board, every task has a schedule, the files for `--config` and
// `dcoc model run --schedules` are written, a re-run with the same database replays the same run from
// memoized measurements, a killed run resumes from its checkpoint, and bad options are errors.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <string>
#include <vector>

namespace dcoc::agents::codesign {
namespace {

using ::testing::HasSubstr;

struct Output {
  int status = 0;
  std::string out, err;
};

class DcocCli : public ::testing::Test {
 protected:
  void SetUp() override {
    std::random_device rd;
    dir_ = std::filesystem::temp_directory_path() /
           ("dcoc-cotune-cli-" + std::to_string(::getpid()) + "-" + std::to_string(rd()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  std::string Path(const std::string& name) const { return (dir_ / name).string(); }

  Output Run(const std::string& args) const {
    const std::string out = Path("out.txt"), err = Path("err.txt");
    Output o;
    o.status = std::system((std::string(DCOC_CLI) + " " + args + " >" + out + " 2>" + err).c_str());
    std::ifstream fo(out), fe(err);
    std::stringstream so, se;
    so << fo.rdbuf();
    se << fe.rdbuf();
    o.out = so.str();
    o.err = se.str();
    return o;
  }

  // A small co-design problem: two small layers, a hardware space of 2 x 2 x 2 points.
  std::string Args(const std::string& db) const {
    return "tune --tuner dcoc --conv 1,32,8,8,32,3,3,1,1 --board pynq-z2 --backend fsim --jobs 0 --trials 24 "
           "--seed 3 --json --db " +
           db +
           " --hw-space 'LOG_BATCH=0,LOG_BLOCK_IN=3-4,LOG_BLOCK_OUT=3-4,LOG_INP_BUFF_SIZE=15,"
           "LOG_WGT_BUFF_SIZE=15|18,LOG_ACC_BUFF_SIZE=17,LOG_BUS_WIDTH=6' --params "
           "'{\"plan_size\": 8, \"hardware_samples\": 2, \"software_samples\": 8, \"train_steps\": 5}'";
  }

  static nlohmann::json Result(const std::string& out) {
    std::istringstream in(out);
    nlohmann::json result;
    for (std::string line; std::getline(in, line);) {
      const nlohmann::json j = nlohmann::json::parse(line);
      if (j["event"] == "result") result = j;
    }
    return result;
  }

  std::filesystem::path dir_;
};

TEST_F(DcocCli, TunesWritesTheDesignAndReplaysFromTheDatabase) {
  const Output a = Run(Args(Path("t.db")) + " --out " + Path("design"));
  ASSERT_EQ(a.status, 0) << a.err;
  const nlohmann::json r = Result(a.out);
  ASSERT_TRUE(r.contains("config")) << a.out;
  EXPECT_EQ(r["measured"], 24);
  EXPECT_EQ(r["memoized"], 0);
  ASSERT_EQ(r["tasks"].size(), 1u);
  EXPECT_GT(r["model"]["cycles"].get<double>(), 0);
  EXPECT_GT(r["resources"]["lut"].get<double>(), 0);
  EXPECT_TRUE(std::filesystem::exists(Path("design") + "/config.json"));
  EXPECT_TRUE(std::filesystem::exists(Path("design") + "/schedules.json"));
  // The chosen configuration is a valid configuration file for --config.
  const Output show = Run("config show " + Path("design") + "/config.json");
  EXPECT_EQ(show.status, 0) << show.err;

  // The same command again: every measurement comes from the database, the result is the same.
  const Output b = Run(Args(Path("t.db")));
  ASSERT_EQ(b.status, 0) << b.err;
  const nlohmann::json rb = Result(b.out);
  EXPECT_EQ(rb["memoized"], 24);
  EXPECT_EQ(rb["config_tag"], r["config_tag"]);
  EXPECT_EQ(rb["model"]["cycles"], r["model"]["cycles"]);
}

// The measurement events (task, configuration, cycles) of a run's JSON lines, from the `from`-th on.
std::vector<std::string> Measurements(const std::string& out, int from = 1) {
  std::vector<std::string> events;
  std::istringstream in(out);
  for (std::string line; std::getline(in, line);) {
    const nlohmann::json j = nlohmann::json::parse(line);
    if (j["event"] == "measurement" && j["done"].get<int>() >= from)
      events.push_back(j["config"].dump() + " " + j["task"].dump() + " " + j["cycles"].dump());
  }
  return events;
}

// A run killed in the middle of a round leaves the checkpoint of the last round it finished and, in the
// database, what the killed round measured. Re-running resumes from the checkpoint (the agents' learned
// state, not a replay), gets the killed round's measurements back memoized (nothing is measured twice)
// and ends exactly as a run never interrupted. The kill is reproduced exactly: the checkpoint of a run
// stopped after 16 measurements put back after a run of 24 (what kill -9 in the third round leaves).
TEST_F(DcocCli, KilledRunResumesFromItsCheckpoint) {
  const auto args = [&](const std::string& db, int trials) {
    std::string a = Args(db);
    a.replace(a.find("--trials 24"), 11, "--trials " + std::to_string(trials));
    return a;
  };
  const Output ref = Run(args(Path("ref.db"), 40));
  ASSERT_EQ(ref.status, 0) << ref.err;
  const nlohmann::json want = Result(ref.out);

  const std::string ckpt = Path("design") + "/checkpoint.dcoc";
  Output o = Run(args(Path("t.db"), 16) + " --out " + Path("design"));
  ASSERT_EQ(o.status, 0) << o.err;
  ASSERT_TRUE(std::filesystem::exists(ckpt));
  std::filesystem::copy_file(ckpt, Path("after16.dcoc"));
  o = Run(args(Path("t.db"), 24) + " --out " + Path("design"));
  ASSERT_EQ(o.status, 0) << o.err;
  EXPECT_EQ(Result(o.out)["resumed"], 16);  // a stopped run resumes too
  std::filesystem::copy_file(Path("after16.dcoc"), ckpt, std::filesystem::copy_options::overwrite_existing);

  const Output resumed = Run(args(Path("t.db"), 40) + " --out " + Path("design"));
  ASSERT_EQ(resumed.status, 0) << resumed.err;
  const nlohmann::json got = Result(resumed.out);
  EXPECT_EQ(got["resumed"], 16);
  EXPECT_EQ(got["memoized"], 8);  // the killed round's measurements, from the database
  EXPECT_EQ(got["measured"], 40);
  EXPECT_EQ(got["stats"]["rounds"], want["stats"]["rounds"]);
  EXPECT_EQ(got["config_tag"], want["config_tag"]);
  EXPECT_EQ(got["model"], want["model"]);
  EXPECT_EQ(got["tasks"], want["tasks"]);
  EXPECT_EQ(Measurements(resumed.out), Measurements(ref.out, 17));
  // Nothing measured twice: one record per distinct candidate, as many as the uninterrupted run stored.
  const Output stats = Run("db stats " + Path("t.db") + " --json");
  const Output ref_stats = Run("db stats " + Path("ref.db") + " --json");
  ASSERT_EQ(stats.status, 0) << stats.err;
  EXPECT_EQ(nlohmann::json::parse(stats.out)["records"], nlohmann::json::parse(ref_stats.out)["records"]);

  // A checkpoint of another run is an error naming what differs, not a silent restart.
  o = Run(args(Path("t.db"), 40) + " --out " + Path("design") + " --seed 4");
  EXPECT_NE(o.status, 0);
  EXPECT_THAT(o.err, HasSubstr("seed"));
}

TEST_F(DcocCli, BadOptionsAreErrors) {
  Output o = Run("tune --tuner dcoc --conv 1,32,8,8,32,3,3,1,1 --board nosuchboard --backend fsim --trials 8");
  EXPECT_NE(o.status, 0);
  EXPECT_THAT(o.err, HasSubstr("nosuchboard"));
  o = Run("tune --tuner dcoc --conv 1,32,8,8,32,3,3,1,1 --backend fsim --trials all");
  EXPECT_NE(o.status, 0);
  EXPECT_THAT(o.err, HasSubstr("--trials"));
  o = Run("tune --tuner dcoc --conv 1,32,8,8,32,3,3,1,1 --backend fsim --trials 8 --params '{\"bogus\": 1}'");
  EXPECT_NE(o.status, 0);
  EXPECT_THAT(o.err, HasSubstr("bogus"));
}

}  // namespace
}  // namespace dcoc::agents::codesign
