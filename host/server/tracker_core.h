// The tracker's logic without the network (tracker.h runs it on Boost.Asio): authentication of every
// connection, clients' request queues, workers' capabilities and slots, fair matching, requeueing of
// the measurements of a worker that dies or hangs, deduplication by idempotent ids, and the status.
// Events come in (opened, frame, closed, tick) with the time; frames and closes go out through a
// Transport. Single-threaded: the caller serializes the events. Deterministic for a given event
// sequence (apart from the nonces), so tests and the fuzzer drive it directly.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "host/measure/protocol.h"
#include "host/server/auth.h"
#include "host/server/log.h"
#include "host/server/messages.h"

namespace dcoc::server {

using ConnId = uint64_t;

struct TrackerOptions {
  double handshake_seconds = 10;     // to authenticate (and, for a worker, register) after connecting
  double heartbeat_seconds = 2;      // the tracker's heartbeats, and the interval peers are told to use
  double idle_seconds = 10;          // an authenticated peer silent this long is closed (a hung worker)
  double job_grace_seconds = 900;    // a job running longer than its timeout plus this: the worker hangs
  int max_attempts = 3;              // workers lost with one request before it fails as worker_crash
  uint32_t max_frame_bytes = measure::kDefaultMaxFrameBytes;
  uint32_t max_auth_frame_bytes = 4096;  // before authentication
  size_t max_queued_per_client = 1'000'000;
  size_t max_results_per_client = 1'000'000;  // delivered but not acknowledged
  size_t max_orphans = 100'000;      // results of requests a restarted tracker does not know yet
  double client_forget_seconds = 3600;  // a client without a connection this long loses its queue
  size_t max_connections = 1024;
  size_t max_unauthenticated = 64;
  std::string name = "dcoc-tracker";
};

// What the tracker sends and closes; implemented by the network layer (and by tests).
class Transport {
 public:
  virtual ~Transport() = default;
  virtual void Send(ConnId c, measure::MessageType type, const nlohmann::json& payload) = 0;
  // Closes the connection; the transport does not report it back through Closed().
  virtual void Close(ConnId c) = 0;
  // The connection authenticated: its frames may now be up to max_frame_bytes. Returns false when the
  // peer already sent more bytes (it did not wait for the welcome): the core then closes it.
  virtual bool Authenticated(ConnId c) = 0;
};

class TrackerCore {
 public:
  TrackerCore(TrackerOptions opts, KeyRing keys, Transport& transport, Logger log);
  ~TrackerCore();

  // Connection admission: false when the connection limits are reached (the transport closes it).
  bool Admit(const std::string& peer);
  void Opened(ConnId c, std::string peer, Clock::time_point now);
  void Received(ConnId c, measure::Frame f, Clock::time_point now);
  void Closed(ConnId c, CloseCause cause, const std::string& detail, Clock::time_point now);
  // Deadlines (handshake, idle, jobs), heartbeats, forgetting clients, dispatching.
  void Tick(Clock::time_point now);

  // The farm's status as `viewer` may see it: admins all of it, a client its own queue only.
  nlohmann::json Status(Role viewer, const std::string& key_id, Clock::time_point now) const;

  struct Counters {
    int64_t connections = 0, auth_ok = 0, auth_refused = 0, malformed = 0, oversized = 0, idle_closed = 0,
            handshake_timeouts = 0, hung_workers = 0, workers_lost = 0, requeued = 0, duplicates = 0,
            submitted = 0, resubmitted = 0, completed = 0, failed = 0, gave_up = 0, orphans = 0, refused = 0;
  };
  const Counters& counters() const { return counters_; }
  size_t Queued() const;
  size_t Running() const;

 private:
  struct Job;
  struct Client;
  struct Worker;
  struct Conn;

  void Drop(ConnId c, const std::string& why, Clock::time_point now);
  void Authenticate(Conn& conn, const measure::Frame& f, Clock::time_point now);
  void OnClient(Conn& conn, measure::Frame& f, Clock::time_point now);
  void OnWorker(Conn& conn, measure::Frame& f, Clock::time_point now);
  void Register(Conn& conn, const nlohmann::json& payload, Clock::time_point now);
  void Submit(Client& cl, ConnId from, Submission s, Clock::time_point now);
  void Outcome(Worker& w, JobOutcome o, Clock::time_point now);
  void Deliver(Client& cl, Job& job, measure::MessageType type, nlohmann::json payload, Clock::time_point now);
  void LoseJobs(Worker& w, const std::string& why, Clock::time_point now);
  void Dispatch(Clock::time_point now);
  std::shared_ptr<Job> PickFor(const Worker& w);
  void SendToClient(Client& cl, ConnId preferred, measure::MessageType type, const nlohmann::json& payload);
  void EvictResults(Client& cl);
  nlohmann::json WorkerStatus(const Worker& w, Clock::time_point now) const;

  TrackerOptions opts_;
  KeyRing keys_;
  Transport& transport_;
  Logger log_;
  Clock::time_point started_;
  Clock::time_point last_heartbeat_{};
  std::map<ConnId, std::unique_ptr<Conn>> conns_;
  std::map<std::string, std::unique_ptr<Client>> clients_;  // by key id: survives reconnections
  std::map<ConnId, std::unique_ptr<Worker>> workers_;
  std::string client_cursor_;  // fairness: the client served last
  ConnId worker_cursor_ = 0;
  size_t unauthenticated_ = 0;
  // After a restart: results and running jobs of requests no client has (re)submitted yet.
  std::unordered_map<std::string, std::pair<measure::MessageType, nlohmann::json>> orphan_results_;
  std::deque<std::string> orphan_order_;
  std::unordered_map<std::string, ConnId> orphan_running_;
  // Completions in the last minute, for the throughput figure.
  std::deque<Clock::time_point> recent_;
  Counters counters_;
};

}  // namespace dcoc::server
