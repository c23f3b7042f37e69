// The staged measurer in this process, and the worker pool with real worker processes (the dcoc
// binary): results in request order, agreement with in-process measurements, a worker killed in the
// middle of a measurement, a worker over its time limit.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include "host/common/error.h"
#include "host/measure/measurer.h"
#include "host/measure/worker_pool.h"
#include "host/runtime/backends.h"
#include "host/runtime/fsim_device.h"
#include "tests/measure/test_util.h"

namespace dcoc::measure {
namespace {

using testing::MakeRequest;

TEST(Measurer, StagesOnFsim) {
  Measurer m(runtime::BuiltinBackends());
  const compiler::ConvLayer l = testing::Layer("resnet18.C5", 8);
  const spec::Spec sp = spec::Spec::Create(spec::LoadConfig("default"));
  const compiler::Schedule good = compiler::DefaultSchedule(l, sp);
  Measurement ok = m.Measure(MakeRequest(l, "default", "fsim", good));
  EXPECT_EQ(ok.status, Status::kOk) << ok.error;
  EXPECT_EQ(ok.cycles, 0u);  // fsim is untimed
  EXPECT_GT(ok.estimate_cycles, 0);
  EXPECT_GT(ok.Cost(), 0);
  EXPECT_GT(ok.counters.at("gemm_uops"), 0u);
  EXPECT_EQ(ok.task, compiler::TaskKey(l));
  EXPECT_EQ(ok.config_tag, sp.tag);
  EXPECT_EQ(ok.rtl_hash, "");
  EXPECT_EQ(ok.schedule, compiler::Normalize(l, good));
  EXPECT_GT(ok.wall.total, 0);
  EXPECT_GE(ok.wall.total, ok.wall.compile + ok.wall.simulate + ok.wall.check);

  compiler::Schedule bad = good;
  bad.tile_h = 3;
  bad.h_nthread = 2;
  const Measurement inv = m.Measure(MakeRequest(l, "default", "fsim", bad));
  EXPECT_EQ(inv.status, Status::kInvalidSchedule);
  EXPECT_EQ(inv.violations, (std::vector<std::string>{"tile_h_divides"}));
  EXPECT_NE(inv.error.find("tile_h_divides: tile_h = 3 does not divide output height = 8"), std::string::npos)
      << inv.error;
  EXPECT_EQ(inv.wall.simulate, 0);

  // A malformed request (unknown backend) is an error, not a measurement.
  EXPECT_THROW((void)m.Measure(MakeRequest(l, "default", "nosuch", good)), UsageError);
  // The measurer stays usable and agrees with itself (devices reset between runs).
  const Measurement again = m.Measure(MakeRequest(l, "default", "fsim", good));
  EXPECT_EQ(again.status, Status::kOk);
  EXPECT_EQ(again.counters, ok.counters);
}

// A backend that runs fsim and then fails in a chosen way: a flipped output byte, an error, a stop at
// the cycle bound. The measurer must report each as its status.
class FaultyDevice final : public runtime::Device {
 public:
  enum class Fault { kFlipOutput, kDeadlock, kCycleLimit };
  FaultyDevice(const spec::Spec& s, Fault f) : inner_(s), fault_(f) {}
  std::string_view Backend() const override { return "faulty"; }
  const spec::Spec& spec() const override { return inner_.spec(); }
  uint64_t Alloc(uint64_t bytes, uint64_t align) override { return inner_.Alloc(bytes, align); }
  void Write(uint64_t addr, std::span<const uint8_t> bytes) override { inner_.Write(addr, bytes); }
  void Read(uint64_t addr, std::span<uint8_t> bytes) override { inner_.Read(addr, bytes); }
  void Reset() override { inner_.Reset(); }
  runtime::RunStats Run(std::span<const spec::Instruction> insns, const runtime::RunOptions& o) override {
    if (fault_ == Fault::kDeadlock) throw ExecError("deadlock: no progress for 200000 cycles");
    if (fault_ == Fault::kCycleLimit) throw CycleLimitError("the run exceeded max_cycles");
    runtime::RunStats st = inner_.Run(insns, o);
    // Flip one bit of the first row the last STORE wrote.
    for (size_t i = insns.size(); i-- > 0;)
      if (insns[i].opcode == spec::Opcode::kStore && insns[i].x_size > 0) {
        const uint64_t at = insns[i].dram_base * uint64_t(inner_.spec().out_row_bytes);
        uint8_t b = 0;
        inner_.Read(at, {&b, 1});
        b ^= 1;
        inner_.Write(at, {&b, 1});
        break;
      }
    return st;
  }

 private:
  runtime::FsimDevice inner_;
  Fault fault_;
};

TEST(Measurer, EveryStageReportsItsFailure) {
  runtime::Registry reg;
  for (auto [name, fault] : {std::pair{"flip", FaultyDevice::Fault::kFlipOutput},
                             std::pair{"deadlock", FaultyDevice::Fault::kDeadlock},
                             std::pair{"bound", FaultyDevice::Fault::kCycleLimit}})
    reg.Add({name, "a faulty device for tests", true},
            [fault](const spec::Spec& s, const runtime::DeviceOptions&) -> std::unique_ptr<runtime::Device> {
              return std::make_unique<FaultyDevice>(s, fault);
            });
  Measurer m(reg);
  const compiler::ConvLayer l = testing::Layer("resnet18.C5", 8);
  const compiler::Schedule good = compiler::DefaultSchedule(l, spec::Spec::Create(spec::LoadConfig("default")));
  const Measurement flip = m.Measure(MakeRequest(l, "default", "flip", good));
  EXPECT_EQ(flip.status, Status::kWrongAnswer);
  EXPECT_NE(flip.error.find("outputs differ from the reference"), std::string::npos) << flip.error;
  const Measurement dead = m.Measure(MakeRequest(l, "default", "deadlock", good));
  EXPECT_EQ(dead.status, Status::kRuntimeError);
  EXPECT_EQ(dead.error, "deadlock: no progress for 200000 cycles");
  Request r = MakeRequest(l, "default", "bound", good);
  r.max_cycles = 1234;
  const Measurement bound = m.Measure(r);
  EXPECT_EQ(bound.status, Status::kCycleBound);
  EXPECT_EQ(bound.cycles, 1234u);
  try {
    (void)m.Measure(MakeRequest(l, "default", "fsim", good));  // not in this registry
    FAIL();
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("(this build has: flip, deadlock, bound)"), std::string::npos) << e.what();
  }
}

TEST(Measurement, JsonRoundTripAndErrors) {
  const compiler::ConvLayer l = testing::Layer("resnet18.C11");
  Measurement m = testing::Record(l, "default", compiler::Schedule{}, Status::kCycleBound, 12345);
  m.violations = {"inp_capacity"};
  m.wall = {0.5, 1.5, 0.25, 30, 2.5, 2.0};
  EXPECT_EQ(ToJson(MeasurementFromJson(ToJson(m))), ToJson(m));
  nlohmann::json j = ToJson(m);
  j["status"] = "melted";
  try {
    (void)MeasurementFromJson(j);
    FAIL();
  } catch (const FormatError& e) {
    EXPECT_NE(std::string(e.what()).find("unknown measurement status \"melted\""), std::string::npos);
  }
  j = ToJson(m);
  j["cycles"] = -1;
  EXPECT_THROW((void)MeasurementFromJson(j), FormatError);
  j.erase("backend");
  EXPECT_THROW((void)MeasurementFromJson(j), FormatError);

  const Request r = MakeRequest(l, "2x16x32", "fsim", compiler::Schedule{});
  EXPECT_EQ(ToJson(RequestFromJson(ToJson(r))), ToJson(r));
  nlohmann::json rj = ToJson(r);
  rj["config"]["LOG_BATCH"] = 9;
  try {
    (void)RequestFromJson(rj);
    FAIL();
  } catch (const FormatError& e) {
    EXPECT_NE(std::string(e.what()).find("measurement request key \"config\""), std::string::npos) << e.what();
  }
}

WorkerPoolOptions PoolOptions(int jobs) {
  WorkerPoolOptions o;
  o.jobs = jobs;
  o.worker_exe = DCOC_CLI;
  o.grace_seconds = 5;
  return o;
}

TEST(WorkerPool, MatchesInProcessMeasurementsInRequestOrder) {
  const compiler::ConvLayer l = testing::Layer("resnet18.C5", 8);
  const spec::Spec sp = spec::Spec::Create(spec::LoadConfig("default"));
  const compiler::ScheduleSpace space(l, sp);
  std::mt19937_64 rng(3);
  std::vector<Request> reqs;
  for (int i = 0; i < 8; ++i) reqs.push_back(MakeRequest(l, "default", "fsim", space.At(*space.Sample(rng))));
  compiler::Schedule bad;
  bad.tile_w = 5;
  reqs.push_back(MakeRequest(l, "default", "fsim", bad));
  WorkerPool pool(PoolOptions(2));
  EXPECT_EQ(pool.jobs(), 2);
  std::vector<size_t> order;
  const std::vector<Measurement> got = pool.Run(reqs, [&](size_t i, const Measurement&) { order.push_back(i); });
  ASSERT_EQ(got.size(), reqs.size());
  EXPECT_EQ(order.size(), reqs.size());
  Measurer local(runtime::BuiltinBackends());
  std::set<std::string> workers;
  for (size_t i = 0; i < reqs.size(); ++i) {
    const Measurement want = local.Measure(reqs[i]);
    EXPECT_EQ(got[i].status, want.status) << i << ": " << got[i].error;
    EXPECT_EQ(got[i].schedule, want.schedule);
    EXPECT_EQ(got[i].counters, want.counters);
    workers.insert(got[i].worker);
  }
  EXPECT_EQ(got.back().status, Status::kInvalidSchedule);
  EXPECT_EQ(workers.size(), 2u);  // both workers served
  EXPECT_EQ(pool.restarts(), 0);
  // The pool serves later batches with the same workers.
  EXPECT_EQ(pool.Run(std::span(reqs).first(2))[1].status, got[1].status);
}

TEST(WorkerPool, AThrowingCallbackLeavesThePoolUsable) {
  const compiler::ConvLayer l = testing::Layer("resnet18.C5", 8);
  const compiler::ScheduleSpace space(l, spec::Spec::Create(spec::LoadConfig("default")));
  std::mt19937_64 rng(8);
  std::vector<Request> first, second;
  for (int i = 0; i < 6; ++i) first.push_back(MakeRequest(l, "default", "fsim", space.At(*space.Sample(rng))));
  for (int i = 0; i < 6; ++i) second.push_back(MakeRequest(l, "default", "fsim", space.At(*space.Sample(rng))));
  WorkerPool pool(PoolOptions(2));
  EXPECT_THROW(pool.Run(first, [](size_t, const Measurement&) { throw std::runtime_error("the caller stops"); }),
               std::runtime_error);
  const std::vector<Measurement> got = pool.Run(second);  // no answer of the first batch leaks in
  for (size_t i = 0; i < got.size(); ++i) EXPECT_EQ(got[i].schedule, compiler::Normalize(l, second[i].schedule));
}

// A schedule of a full-size layer that keeps a worker busy for a long time: the smallest tiles
// (hundreds of thousands of instructions to compile and run).
Request SlowRequest() {
  const compiler::ConvLayer l = testing::Layer("resnet18.C2");
  compiler::Schedule s;  // 1x1 tiles
  return MakeRequest(l, "default", "fsim", s);
}

// CPU time (user + system) a process has used, in clock ticks, from /proc/<pid>/stat.
long CpuTicks(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat;
  std::getline(in, stat);  // one line
  const size_t paren = stat.rfind(')');  // the command name may contain spaces
  if (paren == std::string::npos) return -1;
  std::istringstream fields(stat.substr(paren + 2));
  std::string f;
  long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && fields >> f; ++i) {  // field 3 is the state; utime is 14, stime 15
    if (i == 14) utime = std::stol(f);
    if (i == 15) stime = std::stol(f);
  }
  return utime + stime;
}

TEST(WorkerPool, AWorkerKilledMidMeasurementCostsOneMeasurement) {
  WorkerPool pool(PoolOptions(1));
  const compiler::ConvLayer small = testing::Layer("resnet18.C5", 8);
  const spec::Spec sp = spec::Spec::Create(spec::LoadConfig("default"));
  const Request quick = MakeRequest(small, "default", "fsim", compiler::DefaultSchedule(small, sp));
  // Warm up: the worker has started, said hello and measured once; it is now idle, waiting for work.
  ASSERT_EQ(pool.Run(std::span(&quick, 1))[0].status, Status::kOk);
  const std::vector<int> pids = pool.WorkerPids();
  ASSERT_EQ(pids.size(), 1u);
  const long idle_ticks = CpuTicks(pids[0]);
  ASSERT_GE(idle_ticks, 0);
  std::atomic<bool> stop{false};
  std::thread killer([&] {
    // Kill the worker once it has spent CPU time on the slow measurement: it is then in the middle of
    // it (the measurement needs far more than two ticks on any machine), however fast or loaded.
    while (!stop && CpuTicks(pids[0]) < idle_ticks + 2) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    if (!stop) ::kill(pids[0], SIGKILL);
  });
  const std::vector<Request> reqs = {SlowRequest(), quick};
  const std::vector<Measurement> got = pool.Run(reqs);
  stop = true;
  killer.join();
  EXPECT_EQ(got[0].status, Status::kWorkerCrash) << got[0].error;
  EXPECT_NE(got[0].error.find("killed by signal 9"), std::string::npos) << got[0].error;
  EXPECT_EQ(got[1].status, Status::kOk) << got[1].error;  // the restarted worker carries on
  EXPECT_EQ(pool.restarts(), 1);
  EXPECT_NE(pool.WorkerPids()[0], pids[0]);
}

TEST(WorkerPool, AWorkerOverItsTimeIsKilledAndRestarted) {
  WorkerPoolOptions o = PoolOptions(1);
  o.grace_seconds = 0.3;
  WorkerPool pool(o);
  Request slow = SlowRequest();
  slow.timeout_seconds = 0.01;  // fsim ignores it: the pool enforces timeout + grace
  const compiler::ConvLayer small = testing::Layer("resnet18.C5", 8);
  const spec::Spec sp = spec::Spec::Create(spec::LoadConfig("default"));
  const std::vector<Request> reqs = {slow, MakeRequest(small, "default", "fsim", compiler::DefaultSchedule(small, sp))};
  const std::vector<Measurement> got = pool.Run(reqs);
  EXPECT_EQ(got[0].status, Status::kTimeout) << got[0].error;
  EXPECT_NE(got[0].error.find("exceeded the 0.31 s limit"), std::string::npos) << got[0].error;
  EXPECT_EQ(got[1].status, Status::kOk) << got[1].error;
  EXPECT_EQ(pool.restarts(), 1);
}

// A stand-in for the Verilator model builds: configuration `tag` needs a model until the test says it
// exists; a build is a child process that exits at once with `exit_code`.
class FakeBuilder final : public ModelBuilder {
 public:
  FakeBuilder(std::string tag, int exit_code) : tag_(std::move(tag)), exit_code_(exit_code) {}
  bool Missing(const Request&, const spec::Spec& s) const override { return s.tag == tag_ && !exists; }
  pid_t Start(const std::string& tag) const override {
    EXPECT_EQ(tag, tag_);
    ++starts;
    const pid_t pid = ::fork();
    if (pid == 0) {
      ::setpgid(0, 0);
      ::_exit(exit_code_);
    }
    return pid;
  }
  mutable int starts = 0;
  bool exists = false;

 private:
  std::string tag_;
  int exit_code_;
};

// Several measurements wait for one model build: its time is recorded once, on the first of them, so
// the sum over measurements is the build time (each used to record all of it).
TEST(WorkerPool, ABuildsTimeIsRecordedOnce) {
  const compiler::ConvLayer l = testing::Layer("resnet18.C5", 8);
  const std::string cfg = "1x16_i8w8a32_15_15_17_17";
  const compiler::ScheduleSpace space(l, spec::Spec::Create(spec::LoadConfig(cfg)));
  std::mt19937_64 rng(4);
  std::vector<Request> reqs;
  for (int i = 0; i < 6; ++i)
    reqs.push_back(MakeRequest(l, i == 1 ? "default" : cfg, "fsim", space.At(*space.Sample(rng))));
  for (const int exit_code : {0, 1}) {
    auto builder = std::make_shared<FakeBuilder>(spec::ConfigTag(spec::LoadConfig(cfg)), exit_code);
    WorkerPoolOptions o = PoolOptions(2);
    o.builder = builder;
    WorkerPool pool(o);
    const std::vector<Measurement> got = pool.Run(reqs);
    EXPECT_EQ(builder->starts, 1);
    EXPECT_GT(got[0].wall.build, 0.0);  // the first request that waited for the build
    for (size_t i = 1; i < got.size(); ++i) EXPECT_EQ(got[i].wall.build, 0.0) << i;
    for (size_t i = 0; i < got.size(); ++i)
      if (exit_code == 0 || i == 1) {
        EXPECT_EQ(got[i].status, Status::kOk) << i << ": " << got[i].error;
      } else {
        EXPECT_EQ(got[i].status, Status::kCompileError) << i;
        EXPECT_NE(got[i].error.find("building the Verilator model of configuration"), std::string::npos) << got[i].error;
      }
    // A later batch does not build again and records no build time: the model exists, or its build
    // failed and fails these requests too.
    builder->exists = exit_code == 0;
    const std::vector<Measurement> again = pool.Run(std::span(reqs).first(3));
    for (size_t i = 0; i < again.size(); ++i) {
      EXPECT_EQ(again[i].wall.build, 0.0);
      EXPECT_EQ(again[i].status, got[i].status);
    }
    EXPECT_EQ(builder->starts, 1);
  }
}

TEST(WorkerPool, ABrokenWorkerExecutableIsAClearError) {
  WorkerPoolOptions o = PoolOptions(1);
  o.worker_exe = "/bin/false";
  o.start_seconds = 5;
  WorkerPool pool(o);
  const compiler::ConvLayer small = testing::Layer("resnet18.C5", 8);
  const std::vector<Request> reqs = {MakeRequest(small, "default", "fsim", compiler::Schedule{})};
  try {
    (void)pool.Run(reqs);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("keep failing to start"), std::string::npos) << e.what();
  }
  o.worker_exe = "/nonexistent/dcoc";
  EXPECT_THROW(WorkerPool bad(o), UsageError);
}

}  // namespace
}  // namespace dcoc::measure
