// `dcoc model ...` as a user meets it: exit codes, error messages, --json outputs that parse.
#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "host/compiler/layer.h"
#include "host/compiler/space.h"
#include "host/measure/database.h"
#include "host/model/pipeline.h"
#include "host/spec/program.h"
#include "tests/model/test_models.h"

namespace dcoc::model {
namespace {

using ::testing::HasSubstr;

struct Result {
  int status;
  std::string out, err;
};

// Files in a directory of this process, removed at exit: ctest runs each test as its own process, two at a time.
std::string Temp(const std::string& name) {
  struct Dir {
    std::filesystem::path path =
        std::filesystem::path(::testing::TempDir()) / fmt::format("dcoc-model-cli-{}", ::getpid());
    Dir() { std::filesystem::create_directories(path); }
    ~Dir() {
      std::error_code ec;
      std::filesystem::remove_all(path, ec);
    }
  };
  static const Dir dir;
  return (dir.path / name).string();
}

Result Dcoc(const std::string& args) {
  const std::string err = Temp("stderr.txt");
  const std::string cmd = fmt::format("{} {} 2>{}", DCOC_CLI, args, err);
  FILE* pipe = popen(cmd.c_str(), "r");
  Result r{-1, "", ""};
  if (pipe == nullptr) return r;
  std::array<char, 4096> buf{};
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), pipe)) > 0) r.out.append(buf.data(), n);
  const int st = pclose(pipe);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  const std::vector<uint8_t> e = spec::ReadFile(err);
  r.err.assign(e.begin(), e.end());
  return r;
}


std::string SmallModel() {
  const std::string p = Temp("small_cnn.onnx");
  testing::SmallCnn(3).Save(p);
  return p;
}

void Write(const std::string& path, const std::string& text) {
  spec::WriteFile(path, std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(text.data()), text.size()));
}

TEST(ModelCli, InfoAndTasks) {
  const std::string m = SmallModel();
  Result r = Dcoc(fmt::format("model info {} --json", m));
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["batchnorms_folded"], 2);
  EXPECT_EQ(j["outputs"]["prob"], nlohmann::json::array({1, 10}));
  bool softmax_on_cpu = false;
  for (const auto& op : j["ops"])
    softmax_on_cpu |= op["where"] == "cpu" && op["why"] == "Softmax is not an accelerator op";
  EXPECT_TRUE(softmax_on_cpu);
  r = Dcoc(fmt::format("model tasks {} --json", m));
  ASSERT_EQ(r.status, 0) << r.err;
  j = nlohmann::json::parse(r.out);
  ASSERT_GE(j["tasks"].size(), 4u);
  EXPECT_EQ(j["tasks"][0]["name"], "small_cnn.conv1+bn1+relu1");
  EXPECT_EQ(j["tasks"][0]["count"], 1);
  EXPECT_EQ(j["tasks"][0]["layer"]["kind"], "conv2d");
}

TEST(ModelCli, RunOnFsimIsBitExact) {
  const Result r = Dcoc(fmt::format("model run {} --backend fsim --json --random 4", SmallModel()));
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["bit_exact"], true);
  EXPECT_EQ(j["ops_on_device"], 8);
  EXPECT_GT(j["outputs_checked"].get<int64_t>(), 0);
  EXPECT_EQ(j["top"][0]["int8"].size(), 5u);
}

TEST(ModelCli, SchedulesFileIsChecked) {
  const std::string m = SmallModel();
  const std::string f = Temp("sched.json");
  Write(f, R"({"no such task": {"tile_h": 1}})");
  Result r = Dcoc(fmt::format("model run {} --backend fsim --schedules {}", m, f));
  EXPECT_EQ(r.status, 1);
  EXPECT_THAT(r.err, HasSubstr("\"no such task\" is not a task of this model"));
  Write(f, R"({"conv2d 1,3,16,16,16,3,3 s1x1 p1x1": {"tile_h": 5}})");
  r = Dcoc(fmt::format("model run {} --backend fsim --schedules {}", m, f));
  EXPECT_EQ(r.status, 1);
  EXPECT_THAT(r.err, HasSubstr("tile_h_divides"));
  Write(f, R"({"conv2d 1,3,16,16,16,3,3 s1x1 p1x1": {"tile_h": 4, "tile_w": 16}})");
  r = Dcoc(fmt::format("model run {} --backend fsim --schedules {} --json", m, f));
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["bit_exact"], true);
}

// A tuning database's best record serves every model layer of the same shape on the same configuration.
TEST(ModelCli, SchedulesFromATuningDatabase) {
  const std::string m = SmallModel();
  const std::string db_path = Temp("tune.db");
  std::filesystem::remove(db_path);
  const spec::Spec sp = spec::Spec::Create(spec::LoadConfig("default"));
  compiler::ConvLayer l;  // conv2's shape with another epilogue, as `dcoc layer search --conv` would record it
  l.name = "conv";
  l.n = 1, l.c = 16, l.h = 8, l.w = 8, l.k = 16, l.r = l.s = 3, l.pad_h = l.pad_w = 1;
  l.epilogue = reference::Epilogue::Requant(7, false, 8);
  compiler::Schedule best;
  best.tile_h = 2;
  best.tile_w = 8;
  ASSERT_TRUE(compiler::Valid(l, best, sp));
  {
    measure::Database db(db_path);
    measure::Measurement r;
    r.task = compiler::TaskKey(l);
    r.layer = l.name;
    r.config_tag = sp.tag;
    r.config_hash = measure::ConfigHashHex(sp.config);
    r.backend = "verilator";
    r.schedule = compiler::Normalize(l, best);
    r.cycles = 1000;
    ASSERT_TRUE(db.Add(r, l, sp.config));
  }
  const Result r = Dcoc(fmt::format("model run {} --backend fsim --db {} --json", m, db_path));
  ASSERT_EQ(r.status, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["tasks_from_db"], 1);
  EXPECT_EQ(j["bit_exact"], true);
}

// What `dcoc tune --model file.onnx` takes: the same tasks `dcoc model tasks` prints.
TEST(ModelCli, ModelTasksForTheTuners) {
  const std::string m = SmallModel();
  const std::vector<Task> t = ModelTasks(m, spec::Spec::Create(spec::LoadConfig("default")));
  const Result r = Dcoc(fmt::format("model tasks {} --json", m));
  ASSERT_EQ(r.status, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j["tasks"].size(), t.size());
  for (size_t i = 0; i < t.size(); ++i) {
    EXPECT_EQ(j["tasks"][i]["name"], t[i].name);
    EXPECT_EQ(j["tasks"][i]["key"], t[i].key);
    EXPECT_EQ(j["tasks"][i]["count"], t[i].count);
  }
  // `dcoc tune --model file.onnx` tunes those tasks, each with the model's own epilogue (its TaskKey).
  const Result tr = Dcoc(fmt::format("tune --model {} --backend fsim --tuner random --trials {} --jobs 0 --json", m,
                                     2 * t.size()));
  ASSERT_EQ(tr.status, 0) << tr.err;
  const std::string last = tr.out.substr(tr.out.rfind('\n', tr.out.size() - 2) + 1);
  const auto res = nlohmann::json::parse(last);
  EXPECT_EQ(res["event"], "result");
  ASSERT_EQ(res["tasks"].size(), t.size());
  for (size_t i = 0; i < t.size(); ++i) {
    EXPECT_EQ(res["tasks"][i]["name"], t[i].name);
    EXPECT_EQ(res["tasks"][i]["count"], t[i].count);
    EXPECT_EQ(res["tasks"][i]["task_key"], compiler::TaskKey(t[i].layer));
    EXPECT_EQ(res["tasks"][i]["trials"], 2);
  }
  EXPECT_THAT(Dcoc("tune --model /nonexistent/x.onnx --backend fsim").err, HasSubstr("/nonexistent/x.onnx"));
}

// A symbolic batch dimension takes --batch (the Fashion-MNIST model's input is [N,1,28,28]).
TEST(ModelCli, TuneAnOnnxModelAtABatch) {
  const std::string m = std::string(DCOC_SOURCE_DIR) + "/tests/model/data/fmnist_cnn.onnx";
  const std::vector<Task> t = ModelTasks(m, spec::Spec::Create(spec::LoadConfig("default")), ImportOptions{4});
  ASSERT_EQ(t.size(), 3u);
  for (const Task& task : t) EXPECT_EQ(task.layer.n, 4) << task.name;
  const Result r =
      Dcoc(fmt::format("tune --model {} --batch 4 --backend fsim --tuner random --trials 3 --jobs 0 --json", m));
  ASSERT_EQ(r.status, 0) << r.err;
  const auto res = nlohmann::json::parse(r.out.substr(r.out.rfind('\n', r.out.size() - 2) + 1));
  ASSERT_EQ(res["tasks"].size(), t.size());
  for (size_t i = 0; i < t.size(); ++i) EXPECT_EQ(res["tasks"][i]["task_key"], compiler::TaskKey(t[i].layer));
  EXPECT_THAT(Dcoc(fmt::format("tune --model {} --batch 0 --backend fsim", m)).err,
              HasSubstr("batch 0 is out of range"));
}

TEST(ModelCli, BadInputsAreClearErrors) {
  const std::string junk = Temp("junk.onnx");
  Write(junk, std::string(100, '\xff'));
  Result r = Dcoc(fmt::format("model info {}", junk));
  EXPECT_EQ(r.status, 1);
  EXPECT_THAT(r.err, HasSubstr("error: junk.onnx: not a valid ONNX model"));
  const std::string in = Temp("x.bin");
  Write(in, std::string(12, '\0'));
  r = Dcoc(fmt::format("model run {} --input {}", SmallModel(), in));
  EXPECT_EQ(r.status, 1);
  EXPECT_THAT(r.err, HasSubstr("raw float32 input of shape [1,3,16,16] needs 3072 bytes"));
  r = Dcoc(fmt::format("model run {} --backend nope", SmallModel()));
  EXPECT_EQ(r.status, 1);
  EXPECT_THAT(r.err, HasSubstr("nope"));
}

}  // namespace
}  // namespace dcoc::model
