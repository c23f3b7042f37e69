// `dcoc worker --tracker`: a farm worker. It registers its capabilities, heartbeats, and measures the
// requests the tracker sends, each slot through its own local measurement worker process (the same
// measure::WorkerPool and Measurer `dcoc tune` uses locally: a crash or a hang of a measurement costs
// that measurement and the process is restarted). Results that cannot be sent while the tracker is
// away are kept and sent after the worker has rejoined, with the ids it is still measuring.
//
// A board worker (--board) runs one measurement at a time on the configuration of the bitstream it
// has loaded, checks every program statically (sim::FindHazards) before it reaches the board, and
// restarts the process that drives the board after a hang or a crash, which opens and resets it anew.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "host/measure/measurement.h"
#include "host/measure/worker_pool.h"
#include "host/runtime/registry.h"
#include "host/server/messages.h"
#include "host/server/peer.h"

namespace dcoc::server {

// Measures on one slot (one thread of the worker at a time).
class SlotRunner {
 public:
  virtual ~SlotRunner() = default;
  virtual measure::Measurement Measure(const measure::Request& r) = 0;
};
using RunnerFactory = std::function<std::unique_ptr<SlotRunner>(int slot)>;

// Each slot measures in a local worker process (measure::WorkerPool with one job).
RunnerFactory PoolRunners(measure::WorkerPoolOptions pool);

struct BoardOptions {
  std::string name;    // boards/<name>.json; empty: not a board worker
  std::string id;      // the board's identity (serial number, device); default: the host name
  std::string config;  // the configuration of the loaded bitstream (preset, tag or JSON file)
};

// What this build and machine offer: the requested backends (every backend that can run here when
// empty; UsageError naming an unknown or unavailable one), the prebuilt and cached Verilator models,
// the board. Board workers have one slot.
Capabilities LocalCapabilities(const runtime::Registry& registry, const std::vector<std::string>& backends, int slots,
                               const BoardOptions& board, const std::string& name = "");

struct WorkerOptions {
  PeerOptions peer;  // key role must be worker
  Capabilities caps;
  RunnerFactory runners;
};

class FarmWorker {
 public:
  explicit FarmWorker(WorkerOptions opts);
  ~FarmWorker();
  // Serves until Stop() or until the tracker is gone for good (Error naming why).
  void Run();
  void Stop();  // from any thread

  struct Counts {
    int64_t received = 0, measured = 0, held = 0, duplicates = 0, reconnections = 0;
  };
  Counts counts() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace dcoc::server
