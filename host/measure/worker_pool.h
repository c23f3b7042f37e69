// N local measurement worker processes, each owning its devices (a Measurer), driven over the framed
// protocol (protocol.h) on a socket pair. A worker that crashes costs the measurement it was running
// (status worker_crash) and one that exceeds its time (status timeout) is killed; either is restarted
// and the batch goes on. Configurations without a verilated model are built in the background (one
// build at a time per configuration) while measurements of other configurations proceed; a build's
// time is recorded once, on the first request (in request order) that waited for it; the others that
// waited record 0, so wall.build summed over measurements is the time spent building.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "host/measure/executor.h"
#include "host/measure/measurement.h"
#include "host/measure/measurer.h"

namespace dcoc::measure {

// The models a request needs built before a worker can measure it. The default builds missing
// Verilator models with `<worker exe> worker --build-model TAG`; tests substitute their own.
class ModelBuilder {
 public:
  virtual ~ModelBuilder() = default;
  // True when `r` needs a model of configuration `s` that does not exist yet.
  virtual bool Missing(const Request& r, const spec::Spec& s) const = 0;
  // Starts building the model of configuration `tag` in a child process with its own process group
  // (the pool kills the group if it is shut down first); returns the child's pid.
  virtual pid_t Start(const std::string& tag) const = 0;
};

struct WorkerPoolOptions {
  int jobs = 0;  // worker processes; 0: the number of cores
  // The worker command: `<exe> worker --fd 3` (the dcoc CLI). Empty: this executable (/proc/self/exe).
  std::filesystem::path worker_exe;
  // Extra seconds a worker gets beyond a request's timeout_seconds before it is killed.
  double grace_seconds = 30;
  // Seconds a worker may take to start and say hello.
  double start_seconds = 60;
  // Extra arguments of the worker command (`--check-programs` for a board worker).
  std::vector<std::string> worker_args;
  // Build missing Verilator models in the background (off: the worker builds them in-line, or fails).
  bool build_models = true;
  // What builds them; null: Verilator models by the worker executable.
  std::shared_ptr<const ModelBuilder> builder;
};

class WorkerPool final : public Executor {
 public:
  explicit WorkerPool(WorkerPoolOptions opts = {});
  ~WorkerPool() override;  // shuts the workers down (kills them if they do not exit promptly)
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  int jobs() const;
  // Measures every request; `done(i, m)` is called (on this thread) as each result arrives, in
  // completion order. Returns the measurements in request order.
  std::vector<Measurement> Run(std::span<const Request> requests,
                               const std::function<void(size_t, const Measurement&)>& done = {}) override;
  // Workers restarted so far (after a crash or a timeout).
  int restarts() const;
  // PIDs of the live workers (tests kill them).
  std::vector<int> WorkerPids() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The worker side: serves Measure frames on `fd` until Shutdown or the end of the stream (the parent
// is gone). `dcoc worker --fd N` calls it. Returns the process exit code.
int RunWorker(int fd, const MeasurerOptions& opts = {});
// `dcoc worker --build-model TAG`: builds the configuration's Verilator model into the cache (the pool
// runs it in the background). Throws Error when the build fails or the build has no Verilator.
void BuildModel(const std::string& config_tag);

}  // namespace dcoc::measure
