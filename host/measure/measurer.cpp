#include "host/measure/measurer.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <ctime>

#include "host/common/error.h"
#include "sim/progen/hazards.h"

namespace dcoc::measure {

namespace {

double Since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

double ThreadCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return double(ts.tv_sec) + 1e-9 * double(ts.tv_nsec);
}

}  // namespace

struct Measurer::TaskSlot {
  std::string key;  // task | configuration tag | seed
  compiler::ConvOperands operands;
  reference::Tensor want;
};

Measurer::Measurer(runtime::Registry backends, MeasurerOptions opts) : backends_(std::move(backends)), opts_(opts) {
  if (opts_.max_tasks < 1) opts_.max_tasks = 1;
}
Measurer::~Measurer() = default;

Measurement Prefill(const Request& r, const spec::Spec& s) {
  Measurement m;
  m.task = compiler::TaskKey(r.layer);
  m.layer = r.layer.name;
  m.config_tag = s.tag;
  m.config_hash = ConfigHashHex(r.config);
  m.rtl_hash = RtlHashFor(r.backend, r.config);
  m.backend = r.backend;
  m.board = r.board;
  m.schedule = compiler::Normalize(r.layer, r.schedule);
  m.max_cycles = r.max_cycles;
  m.worker = ProcessName();
  m.timestamp = UtcTimestamp();
  m.version = std::string(Version());
  return m;
}

const Measurer::TaskSlot& Measurer::TaskFor(const Request& r, const spec::Spec& s) {
  const std::string key = fmt::format("{}|{}|{}", compiler::TaskKey(r.layer), s.tag, r.seed);
  for (auto it = tasks_.begin(); it != tasks_.end(); ++it)
    if ((*it)->key == key) {
      tasks_.splice(tasks_.begin(), tasks_, it);
      return *tasks_.front();
    }
  auto slot = std::make_unique<TaskSlot>();
  slot->key = key;
  slot->operands = compiler::RandomOperands(r.layer, s, r.seed);
  slot->want = compiler::ReferenceOutput(r.layer, slot->operands, s);
  tasks_.push_front(std::move(slot));
  while (tasks_.size() > opts_.max_tasks) tasks_.pop_back();
  return *tasks_.front();
}

Measurement Measurer::Measure(const Request& r, Artifacts* artifacts) {
  const auto t_start = std::chrono::steady_clock::now();
  const double cpu_start = ThreadCpuSeconds();
  const spec::Spec s = spec::Spec::Create(r.config);
  r.layer.Validate();
  if (!backends_.Has(r.backend))
    throw UsageError(fmt::format("unknown backend \"{}\" (this build has: {})", r.backend,
                                 fmt::join(backends_.Names(), ", ")));
  if (const std::string why = backends_.Unavailable(r.backend); !why.empty())
    throw UsageError(fmt::format("backend {} cannot run here: {}", r.backend, why));
  Measurement m = Prefill(r, s);
  auto finish = [&](Status st, std::string error) {
    m.status = st;
    m.error = std::move(error);
    m.wall.total = Since(t_start);
    m.wall.cpu = ThreadCpuSeconds() - cpu_start;
    return m;
  };

  // Stage 1: validity.
  auto t0 = std::chrono::steady_clock::now();
  const std::vector<compiler::Violation> bad = compiler::Check(r.layer, r.schedule, s);
  m.estimate_cycles = bad.empty() ? compiler::EstimateCost(r.layer, r.schedule, s).cycles : 0.0;
  if (!bad.empty()) {
    std::string msg;
    for (const compiler::Violation& v : bad) {
      m.violations.push_back(v.name);
      msg += fmt::format("{}{}: {}", msg.empty() ? "" : "\n", v.name, v.message);
    }
    m.wall.compile = Since(t0);
    return finish(Status::kInvalidSchedule, msg);
  }

  // Stage 2: compile. The operands and the reference output come from the task cache (computing them
  // counts as checking time).
  m.wall.compile = Since(t0);
  const auto t_ref = std::chrono::steady_clock::now();
  t0 = t_ref;
  const TaskSlot* task = nullptr;
  compiler::CompiledConv compiled;
  try {
    task = &TaskFor(r, s);
    m.wall.check = Since(t_ref);
    t0 = std::chrono::steady_clock::now();
    compiled = compiler::CompileConv(r.layer, r.schedule, s, task->operands);
  } catch (const Error& e) {
    m.wall.compile += Since(t0);
    return finish(Status::kCompileError, e.what());
  }
  if (opts_.check_programs) {
    const std::vector<sim::Hazard> hazards = sim::FindHazards(compiled.program, 4);
    if (!hazards.empty()) {
      std::string msg = "the program fails the static check and was not run:";
      for (const sim::Hazard& h : hazards)
        msg += fmt::format("\n{} at instruction {}: {}", sim::Name(h.kind), h.insn, h.message);
      m.wall.compile += Since(t0);
      return finish(Status::kCompileError, msg);
    }
  }
  m.wall.compile += Since(t0);
  if (artifacts) artifacts->compiled = compiled;

  // Stage 3: run on a fresh device.
  t0 = std::chrono::steady_clock::now();
  runtime::ProgramRun run;
  try {
    const std::unique_ptr<runtime::Device> dev = backends_.Create(r.backend, s, runtime::DeviceOptions{r.board});
    runtime::RunOptions ro;
    ro.max_cycles = r.max_cycles;
    ro.timeout_seconds = r.timeout_seconds;
    ro.seed = r.seed;
    run = runtime::RunProgram(*dev, compiled.program, ro);
  } catch (const CycleLimitError& e) {
    m.wall.simulate = Since(t0);
    m.cycles = r.max_cycles;
    m.seconds = double(m.cycles) / s.ClockHz();
    return finish(Status::kCycleBound, e.what());
  } catch (const TimeLimitError& e) {
    m.wall.simulate = Since(t0);
    return finish(Status::kTimeout, e.what());
  } catch (const ConfigError& e) {
    // The backend cannot provide a device for this configuration (e.g. the model cannot be built).
    m.wall.simulate = Since(t0);
    return finish(Status::kCompileError, e.what());
  } catch (const Error& e) {
    m.wall.simulate = Since(t0);
    return finish(Status::kRuntimeError, e.what());
  }
  m.wall.simulate = Since(t0);
  m.cycles = run.stats.cycles;
  m.seconds = double(run.stats.cycles) / s.ClockHz();
  m.counters = run.stats.counters;

  // Stage 4: bit-exact check.
  t0 = std::chrono::steady_clock::now();
  const reference::Tensor got = compiler::ReadOutput(r.layer, compiled.program, run.dram, s);
  size_t mismatches = 0, first = 0;
  for (size_t i = 0; i < got.data.size(); ++i)
    if (got.data[i] != task->want.data[i] && mismatches++ == 0) first = i;
  m.wall.check += Since(t0);
  if (artifacts) {
    artifacts->outputs = got.data.size();
    artifacts->mismatches = mismatches;
  }
  if (mismatches)
    return finish(Status::kWrongAnswer,
                  fmt::format("{} of {} outputs differ from the reference, the first at index {} (got {}, want {})",
                              mismatches, got.data.size(), first, got.data[first], task->want.data[first]));
  return finish(Status::kOk, "");
}

}  // namespace dcoc::measure
