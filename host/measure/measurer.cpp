#include "host/measure/measurer.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>

#include "host/common/error.h"

namespace dcoc::measure {

namespace {

double Since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

struct Measurer::DeviceSlot {
  std::string backend, board, tag;
  std::unique_ptr<runtime::Device> device;
  uint64_t image = 0, capacity = 0;  // the block programs run in, grown when a larger one comes
};

struct Measurer::TaskSlot {
  std::string key;  // task | configuration tag | seed
  compiler::ConvOperands operands;
  reference::Tensor want;
};

Measurer::Measurer(runtime::Registry backends, MeasurerOptions opts) : backends_(std::move(backends)), opts_(opts) {
  if (opts_.max_devices < 1) opts_.max_devices = 1;
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

Measurer::DeviceSlot& Measurer::DeviceFor(const Request& r, const spec::Spec& s) {
  for (auto it = devices_.begin(); it != devices_.end(); ++it)
    if ((*it)->backend == r.backend && (*it)->board == r.board && (*it)->tag == s.tag) {
      devices_.splice(devices_.begin(), devices_, it);
      return *devices_.front();
    }
  auto slot = std::make_unique<DeviceSlot>();
  slot->backend = r.backend;
  slot->board = r.board;
  slot->tag = s.tag;
  slot->device = backends_.Create(r.backend, s, runtime::DeviceOptions{r.board});
  devices_.push_front(std::move(slot));
  while (devices_.size() > opts_.max_devices) devices_.pop_back();
  return *devices_.front();
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
  m.wall.compile += Since(t0);
  if (artifacts) artifacts->compiled = compiled;

  // Stage 3: run on the (reused) device.
  t0 = std::chrono::steady_clock::now();
  runtime::ProgramRun run;
  try {
    DeviceSlot& dev = DeviceFor(r, s);
    const uint64_t bytes = compiled.program.dram.size();
    if (bytes > dev.capacity) {  // grow by half again, so a task's programs settle in one block
      dev.capacity = std::max<uint64_t>(bytes, dev.capacity + dev.capacity / 2);
      dev.image = dev.device->Alloc(dev.capacity, runtime::ImageAlignment(s));
    }
    runtime::RunOptions ro;
    ro.max_cycles = r.max_cycles;
    ro.timeout_seconds = r.timeout_seconds;
    ro.seed = r.seed;
    run = runtime::RunProgramAt(*dev.device, compiled.program, dev.image, ro);
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
