#include "host/server/worker.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <unistd.h>

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <mutex>
#include <set>
#include <thread>

#include "host/common/error.h"
#include "host/server/log.h"
#include "rtl/gen/rtlgen.h"

#ifdef DCOC_SERVER_WITH_VERILATOR
#include "sim/verilator/vta_model.h"
#endif

namespace dcoc::server {

using measure::MessageType;

namespace {

class PoolRunner : public SlotRunner {
 public:
  explicit PoolRunner(measure::WorkerPoolOptions o) : pool_(o) {}
  measure::Measurement Measure(const measure::Request& r) override { return pool_.Run({&r, 1}).at(0); }

 private:
  measure::WorkerPool pool_;
};

// The registry's backends that can create a device on this machine.
std::vector<std::string> AvailableBackends(const runtime::Registry& reg) {
  std::vector<std::string> out;
  for (const std::string& n : reg.Names())
    if (reg.Unavailable(n).empty()) out.push_back(n);
  return out;
}

// Configuration tags whose Verilator model this worker can load at once: prebuilt, or in the cache
// for this build's RTL sources.
std::vector<std::string> ReadyModels() {
#ifdef DCOC_SERVER_WITH_VERILATOR
  return sim::ReadyModelTags();
#else
  return {};
#endif
}

std::string HostName() {
  char host[256] = {};
  if (::gethostname(host, sizeof(host) - 1) != 0) return "localhost";
  return host;
}

}  // namespace

RunnerFactory PoolRunners(measure::WorkerPoolOptions pool) {
  pool.jobs = 1;
  return [pool](int) { return std::make_unique<PoolRunner>(pool); };
}

Capabilities LocalCapabilities(const runtime::Registry& registry, const std::vector<std::string>& backends, int slots,
                               const BoardOptions& board, const std::string& name) {
  Capabilities c;
  c.name = name.empty() ? measure::ProcessName() : name;
  const std::vector<std::string> have = AvailableBackends(registry);
  c.backends = backends.empty() ? have : backends;
  for (const std::string& b : c.backends) {
    if (!registry.Has(b))
      throw UsageError(fmt::format("backend \"{}\" is not in this build (it has: {})", b, fmt::join(registry.Names(), ", ")));
    if (const std::string why = registry.Unavailable(b); !why.empty())
      throw UsageError(fmt::format("backend \"{}\" cannot run here: {}", b, why));
  }
  if (slots < 1 || slots > 256) throw UsageError(fmt::format("--slots {} is out of range [1, 256]", slots));
  c.slots = slots;
  c.models = ReadyModels();
  c.version = std::string(measure::Version());
  c.rtl_sources = rtl::RtlSourcesHash();
  if (!board.name.empty()) {
    if (board.config.empty())
      throw UsageError(fmt::format("board worker on {} needs --config: the configuration of the loaded bitstream",
                                   board.name));
    if (slots != 1)
      throw UsageError(fmt::format("a board worker runs one measurement at a time; --slots {} is not allowed", slots));
    const spec::HwConfig cfg = spec::LoadConfig(board.config);
    c.board = board.name;
    c.board_id = board.id.empty() ? HostName() : board.id;
    c.board_config_hash = measure::ConfigHashHex(cfg);
  }
  return c;
}

struct FarmWorker::Impl : std::enable_shared_from_this<FarmWorker::Impl> {
  struct Job {
    std::string id;
    nlohmann::json request;
  };

  WorkerOptions opts;
  std::unique_ptr<Peer> peer;
  // On the event loop.
  std::set<std::string> inflight;  // received, result not yet handed to a connection
  std::deque<std::pair<std::string, std::pair<MessageType, nlohmann::json>>> held;
  bool seen_ready = false;
  // Shared with the slot threads and Run().
  mutable std::mutex mu;
  std::condition_variable cv;
  std::deque<Job> jobs;
  bool stopping = false;
  std::string failure;
  Counts counts;
  std::vector<std::thread> slots;

  void Connected() {
    Capabilities caps = opts.caps;
    caps.running.assign(inflight.begin(), inflight.end());
    peer->Send(MessageType::kRegister, ToJson(caps));
    while (!held.empty()) {
      auto& [id, frame] = held.front();
      if (!peer->Send(frame.first, frame.second)) break;
      inflight.erase(id);
      held.pop_front();
    }
    std::lock_guard<std::mutex> lock(mu);
    if (seen_ready) ++counts.reconnections;
    seen_ready = true;
  }

  void Frame(measure::Frame&& f) {
    if (f.type == MessageType::kShutdown) {
      opts.peer.log("the tracker asked this worker to shut down");
      return Finish("");
    }
    if (f.type != MessageType::kMeasure) return;
    const nlohmann::json& id = f.payload["id"];
    if (!id.is_string()) return;
    const std::string job = id.get<std::string>();
    std::lock_guard<std::mutex> lock(mu);
    if (!inflight.insert(job).second) {
      ++counts.duplicates;  // sent again after a reconnection: it is being measured already
      return;
    }
    ++counts.received;
    jobs.push_back({job, std::move(f.payload["request"])});
    cv.notify_all();  // the slots and Run() wait on it
  }

  void Deliver(const std::string& id, MessageType type, nlohmann::json payload) {
    if (peer->Send(type, payload)) {
      inflight.erase(id);
      return;
    }
    held.emplace_back(id, std::make_pair(type, std::move(payload)));
    std::lock_guard<std::mutex> lock(mu);
    ++counts.held;
  }

  void Failed(const std::string& why) { Finish(why); }

  void Finish(const std::string& why) {
    std::lock_guard<std::mutex> lock(mu);
    if (stopping) return;
    stopping = true;
    failure = why;
    cv.notify_all();
  }

  void Slot(int index) {
    std::unique_ptr<SlotRunner> runner;
    try {
      runner = opts.runners(index);
    } catch (const Error& e) {
      return Finish(fmt::format("slot {} cannot start: {}", index, e.what()));
    }
    for (;;) {
      Job job;
      {
        std::unique_lock<std::mutex> lock(mu);
        cv.wait(lock, [&] { return stopping || !jobs.empty(); });
        if (stopping) return;
        job = std::move(jobs.front());
        jobs.pop_front();
      }
      MessageType type = MessageType::kResult;
      nlohmann::json payload;
      try {
        const measure::Request r = measure::RequestFromJson(job.request);
        measure::Measurement m = runner->Measure(r);
        if (!opts.caps.board.empty() &&
            (m.status == measure::Status::kTimeout || m.status == measure::Status::kWorkerCrash))
          opts.peer.log("board {}: {} during {}; the process driving the board was restarted and resets it",
                        opts.caps.board, measure::Name(m.status), job.id);
        payload = {{"id", job.id}, {"measurement", measure::ToJson(m)}};
      } catch (const std::exception& e) {  // a malformed request: FormatError, ConfigError, UsageError, JSON
        type = MessageType::kError;
        payload = {{"id", job.id}, {"message", Quote(e.what(), 4000)}};
      }
      {
        std::lock_guard<std::mutex> lock(mu);
        ++counts.measured;
      }
      auto self = shared_from_this();
      peer->Post([self, id = job.id, type, payload = std::move(payload)]() mutable {
        self->Deliver(id, type, std::move(payload));
      });
    }
  }
};

FarmWorker::FarmWorker(WorkerOptions opts) : impl_(std::make_shared<Impl>()) {
  if (opts.peer.key.role != Role::kWorker)
    throw UsageError(fmt::format("key \"{}\" is a {} key; a farm worker needs a worker key", opts.peer.key.id,
                                 Name(opts.peer.key.role)));
  if (!opts.runners) throw UsageError("a farm worker needs a way to measure (runners)");
  impl_->opts = std::move(opts);
  Peer::Handlers h = ForwardTo(impl_);
  std::weak_ptr<Impl> weak = impl_;
  h.heartbeat = [weak] {
    auto s = weak.lock();
    return nlohmann::json{{"running", s ? s->inflight.size() : 0}};
  };
  impl_->peer = std::make_unique<Peer>(impl_->opts.peer, h);
}

FarmWorker::~FarmWorker() {
  Stop();
  for (std::thread& t : impl_->slots)
    if (t.joinable()) t.join();
  impl_->peer->Stop();
}

void FarmWorker::Run() {
  Impl& I = *impl_;
  I.opts.peer.log("worker {}: backends [{}], {} slot(s), {} ready model(s){}", I.opts.caps.name,
                  fmt::join(I.opts.caps.backends, ", "), I.opts.caps.slots, I.opts.caps.models.size(),
                  I.opts.caps.board.empty() ? "" : fmt::format(", board {} ({})", I.opts.caps.board, I.opts.caps.board_id));
  for (int i = 0; i < I.opts.caps.slots; ++i) I.slots.emplace_back([this, i] { impl_->Slot(i); });
  I.peer->Start();
  std::string failure;
  {
    std::unique_lock<std::mutex> lock(I.mu);
    I.cv.wait(lock, [&] { return I.stopping; });
    failure = I.failure;
  }
  for (std::thread& t : I.slots)
    if (t.joinable()) t.join();
  I.peer->Stop();
  if (!failure.empty()) throw Error(fmt::format("farm worker: {}", failure));
}

void FarmWorker::Stop() { impl_->Finish(""); }

FarmWorker::Counts FarmWorker::counts() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->counts;
}

}  // namespace dcoc::server
