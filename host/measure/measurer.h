// The Measurer evaluates one candidate in stages, cheapest first, and records the stage that rejected
// it: validity (the checker) -> compile -> run on a device -> bit-exact check against the reference.
// It keeps what is expensive to repeat: the operands and reference output of each task (computed once)
// and the backends' models (a verilated model is loaded once per process). Each run gets a fresh device
// (under a millisecond: docs/benchmarks.md), so a program always sits where `dcoc layer run` puts it
// and its cycles never depend on what the worker ran before. One Measurer serves one
// thread; the worker pool runs one per worker process.
#pragma once

#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <string>

#include "host/compiler/conv.h"
#include "host/measure/measurement.h"
#include "host/runtime/device.h"
#include "host/runtime/registry.h"

namespace dcoc::measure {

struct MeasurerOptions {
  size_t max_tasks = 8;  // tasks whose operands and reference output are kept
  // Check every compiled program statically (sim::FindHazards: races, deadlock, bounds) before it
  // reaches the device; a program that fails is a compile_error. Board workers do: a board must
  // never see a program that could hang it.
  bool check_programs = false;
};

// What a measurement made along the way, for callers that show it (dcoc layer run).
struct Artifacts {
  compiler::CompiledConv compiled;  // the program (empty when the schedule was invalid)
  uint64_t outputs = 0, mismatches = 0;
};

class Measurer {
 public:
  // Devices come from `backends` (runtime::BuiltinBackends() in dcoc).
  explicit Measurer(runtime::Registry backends, MeasurerOptions opts = {});
  ~Measurer();

  // Never throws for a bad candidate: every failure is a status with a message. Throws only for a
  // malformed request (unknown backend, invalid configuration or layer): UsageError / ConfigError.
  Measurement Measure(const Request& r, Artifacts* artifacts = nullptr);

 private:
  struct TaskSlot;
  const TaskSlot& TaskFor(const Request& r, const spec::Spec& s);

  runtime::Registry backends_;
  MeasurerOptions opts_;
  std::list<std::unique_ptr<TaskSlot>> tasks_;  // most recently used first
};

// The record a Measurer fills before any stage runs: task, configuration, backend, schedule,
// estimate, worker, timestamp, version (shared with the pool, which reports crashes and timeouts).
Measurement Prefill(const Request& r, const spec::Spec& s);

}  // namespace dcoc::measure
