#include "host/server/client.h"

#include <fmt/format.h>

#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>

#include "host/common/error.h"
#include "host/measure/measurer.h"
#include "host/server/messages.h"

namespace dcoc::server {

using measure::MessageType;

namespace {

double Since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

}  // namespace

struct FarmClient::Impl : std::enable_shared_from_this<FarmClient::Impl> {
  struct Outstanding {
    uint64_t batch = 0;
    size_t index = 0;
    nlohmann::json frame;
  };
  struct Arrival {
    uint64_t batch = 0;
    size_t index = 0;
    MessageType type = MessageType::kResult;
    nlohmann::json payload;
  };

  ClientOptions opts;
  std::string prefix = Hex(RandomBytes(8));
  uint64_t next_id = 0, next_batch = 0;
  std::unique_ptr<Peer> peer;
  // On the event loop.
  std::map<std::string, Outstanding> outstanding;
  std::vector<std::string> to_ack;
  bool ack_posted = false;
  bool seen_ready = false;
  // Shared with the caller's thread.
  std::mutex mu;
  std::condition_variable cv;
  std::deque<Arrival> arrivals;
  bool ready = false;
  std::string failure;
  std::optional<nlohmann::json> status;
  Counts counts;

  void Connected() {
    size_t n = 0;
    for (const auto& [id, o] : outstanding) n += peer->Send(MessageType::kMeasure, o.frame) ? 1 : 0;
    std::lock_guard<std::mutex> lock(mu);
    if (seen_ready) {
      ++counts.reconnections;
      counts.resubmitted += int64_t(n);
    }
    seen_ready = ready = true;
    cv.notify_all();
  }

  void Frame(measure::Frame&& f) {
    if (f.type == MessageType::kStatus) {
      std::lock_guard<std::mutex> lock(mu);
      status = std::move(f.payload);
      cv.notify_all();
      return;
    }
    if (f.type != MessageType::kResult && f.type != MessageType::kError) return;
    const nlohmann::json& id = f.payload["id"];
    if (!id.is_string()) {
      opts.peer.log("the tracker reports: {}", Quote(f.payload.value("message", "?")));
      return;
    }
    auto it = outstanding.find(id.get<std::string>());
    if (it == outstanding.end()) {
      std::lock_guard<std::mutex> lock(mu);
      ++counts.duplicates;  // answered already (or cancelled): the first answer counts
      return;
    }
    Arrival a{it->second.batch, it->second.index, f.type, std::move(f.payload)};
    to_ack.push_back(it->first);
    outstanding.erase(it);
    if (!ack_posted) {
      ack_posted = true;
      peer->Post([self = shared_from_this()] { self->FlushAcks(); });
    }
    std::lock_guard<std::mutex> lock(mu);
    ++counts.results;
    arrivals.push_back(std::move(a));
    cv.notify_all();
  }

  void FlushAcks() {
    ack_posted = false;
    if (to_ack.empty()) return;
    if (peer->Send(MessageType::kAck, {{"ids", to_ack}})) to_ack.clear();
  }

  void Failed(const std::string& why) {
    std::lock_guard<std::mutex> lock(mu);
    failure = why;
    cv.notify_all();
  }

  void Cancel(uint64_t batch) {
    std::vector<std::string> ids;
    for (auto it = outstanding.begin(); it != outstanding.end();)
      if (batch == 0 || it->second.batch == batch) {
        ids.push_back(it->first);
        it = outstanding.erase(it);
      } else {
        ++it;
      }
    if (!ids.empty()) peer->Send(MessageType::kCancel, {{"ids", ids}});
  }

  measure::Measurement Convert(const measure::Request& r, const Arrival& a) {
    if (a.type == MessageType::kResult) {
      try {
        return measure::MeasurementFromJson(a.payload.at("measurement"));
      } catch (const std::exception& e) {
        return Failure(r, measure::Status::kRuntimeError, fmt::format("the farm returned a malformed measurement: {}", e.what()));
      }
    }
    const std::string st = a.payload.value("status", "runtime_error");
    return Failure(r, st == "worker_crash" ? measure::Status::kWorkerCrash : measure::Status::kRuntimeError,
                   a.payload.value("message", "the farm could not measure the request"));
  }

  static measure::Measurement Failure(const measure::Request& r, measure::Status s, std::string msg) {
    measure::Measurement m = measure::Prefill(r, spec::Spec::Create(r.config));
    m.status = s;
    m.error = std::move(msg);
    return m;
  }
};

FarmClient::FarmClient(ClientOptions opts) : impl_(std::make_shared<Impl>()) {
  if (opts.peer.key.role != Role::kClient)
    throw UsageError(fmt::format("key \"{}\" is a {} key; measuring through the farm needs a client key",
                                 opts.peer.key.id, Name(opts.peer.key.role)));
  impl_->opts = std::move(opts);
  const double connect = impl_->opts.peer.connect_seconds;
  impl_->peer = std::make_unique<Peer>(impl_->opts.peer, ForwardTo(impl_));
  impl_->peer->Start();
  std::unique_lock<std::mutex> lock(impl_->mu);
  // The first connection gets the connect time (later losses get the reconnect time).
  if (!impl_->cv.wait_for(lock, std::chrono::duration<double>(connect),
                          [&] { return impl_->ready || !impl_->failure.empty(); }))
    impl_->failure = fmt::format("no connection to the tracker at {} within {} s{}", impl_->opts.peer.tracker, connect,
                                 impl_->peer->LastError().empty() ? "" : " (" + impl_->peer->LastError() + ")");
  if (!impl_->ready) {
    const std::string why = impl_->failure;
    lock.unlock();
    impl_->peer->Stop();
    throw Error(fmt::format("measurement farm: {}", why));
  }
}

FarmClient::~FarmClient() {
  auto impl = impl_;
  impl->peer->Post([impl] {
    impl->FlushAcks();
    impl->Cancel(0);
  });
  impl->peer->Stop();
}

std::vector<measure::Measurement> FarmClient::Run(std::span<const measure::Request> requests,
                                                  const std::function<void(size_t, const measure::Measurement&)>& done) {
  Impl& I = *impl_;
  const uint64_t batch = ++I.next_batch;
  std::vector<std::pair<std::string, nlohmann::json>> frames;
  frames.reserve(requests.size());
  for (size_t i = 0; i < requests.size(); ++i) {
    const std::string id = fmt::format("{}-{}", I.prefix, ++I.next_id);
    frames.emplace_back(id, nlohmann::json{{"id", id},
                                           {"request", measure::ToJson(requests[i])},
                                           {"route", ToJson(RouteOf(requests[i], I.opts.board))}});
  }
  {
    std::lock_guard<std::mutex> lock(I.mu);
    I.counts.submitted += int64_t(requests.size());
  }
  auto impl = impl_;
  I.peer->Post([impl, batch, frames = std::move(frames)]() mutable {
    for (size_t i = 0; i < frames.size(); ++i) {
      impl->peer->Send(MessageType::kMeasure, frames[i].second);
      impl->outstanding.emplace(std::move(frames[i].first), Impl::Outstanding{batch, i, std::move(frames[i].second)});
    }
  });

  std::vector<std::optional<measure::Measurement>> results(requests.size());
  size_t received = 0;
  auto last = Clock::now();
  try {
    while (received < requests.size()) {
      std::deque<Impl::Arrival> got;
      {
        std::unique_lock<std::mutex> lock(I.mu);
        I.cv.wait_for(lock, std::chrono::milliseconds(500), [&] { return !I.arrivals.empty() || !I.failure.empty(); });
        if (!I.failure.empty()) throw Error(fmt::format("measurement farm: {}", I.failure));
        for (auto it = I.arrivals.begin(); it != I.arrivals.end();)
          if (it->batch == batch) {
            got.push_back(std::move(*it));
            it = I.arrivals.erase(it);
          } else {
            ++it;  // a cancelled batch's late answer
          }
        I.arrivals.erase(std::remove_if(I.arrivals.begin(), I.arrivals.end(),
                                        [&](const Impl::Arrival& a) { return a.batch < batch; }),
                         I.arrivals.end());
      }
      if (got.empty()) {
        if (I.opts.max_wait_seconds > 0 && Since(last) > I.opts.max_wait_seconds)
          throw Error(fmt::format("measurement farm: no result for {:.0f} s ({} of {} requests answered); is a worker "
                                  "that can serve them connected? (dcoc farm status)",
                                  Since(last), received, requests.size()));
        continue;
      }
      last = Clock::now();
      for (Impl::Arrival& a : got) {
        if (results[a.index]) continue;
        results[a.index] = I.Convert(requests[a.index], a);
        ++received;
        if (done) done(a.index, *results[a.index]);
      }
    }
  } catch (...) {
    I.peer->Post([impl, batch] { impl->Cancel(batch); });
    throw;
  }
  std::vector<measure::Measurement> out;
  out.reserve(results.size());
  for (auto& r : results) out.push_back(std::move(*r));
  return out;
}

nlohmann::json FarmClient::Status(double timeout_seconds) {
  Impl& I = *impl_;
  {
    std::lock_guard<std::mutex> lock(I.mu);
    I.status.reset();
  }
  auto impl = impl_;
  I.peer->Post([impl] { impl->peer->Send(MessageType::kStatus, nlohmann::json::object()); });
  std::unique_lock<std::mutex> lock(I.mu);
  if (!I.cv.wait_for(lock, std::chrono::duration<double>(timeout_seconds), [&] { return I.status.has_value(); }))
    throw Error(fmt::format("measurement farm: no status from the tracker at {} within {} s", I.opts.peer.tracker,
                            timeout_seconds));
  return *I.status;
}

FarmClient::Counts FarmClient::counts() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->counts;
}

nlohmann::json FarmStatus(PeerOptions opts, double timeout_seconds) {
  struct Shared {
    std::mutex mu;
    std::condition_variable cv;
    std::optional<nlohmann::json> status;
    std::string failure;
  };
  auto shared = std::make_shared<Shared>();
  opts.reconnect_seconds = 0;
  const std::string tracker = opts.tracker;
  Peer* raw = nullptr;
  Peer::Handlers h;
  h.connected = [&raw] { raw->Send(MessageType::kStatus, nlohmann::json::object()); };
  h.frame = [shared](measure::Frame&& f) {
    if (f.type != MessageType::kStatus) return;
    std::lock_guard<std::mutex> lock(shared->mu);
    shared->status = std::move(f.payload);
    shared->cv.notify_all();
  };
  h.failed = [shared](const std::string& why) {
    std::lock_guard<std::mutex> lock(shared->mu);
    shared->failure = why;
    shared->cv.notify_all();
  };
  Peer peer(std::move(opts), h);
  raw = &peer;
  peer.Start();
  std::unique_lock<std::mutex> lock(shared->mu);
  shared->cv.wait_for(lock, std::chrono::duration<double>(timeout_seconds),
                      [&] { return shared->status.has_value() || !shared->failure.empty(); });
  std::optional<nlohmann::json> status = shared->status;
  const std::string failure = shared->failure;
  lock.unlock();
  peer.Stop();
  if (status) return *status;
  if (!failure.empty()) throw Error(fmt::format("farm status: {}", failure));
  throw Error(fmt::format("farm status: no answer from the tracker at {} within {} s", tracker, timeout_seconds));
}

}  // namespace dcoc::server
