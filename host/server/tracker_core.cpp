#include "host/server/tracker_core.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

#include "host/common/error.h"

namespace dcoc::server {

using measure::MessageType;

namespace {

constexpr size_t kScanWindow = 256;  // queued requests of one client looked at for a worker

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }
Clock::duration Duration(double seconds) {
  return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
}

}  // namespace

struct TrackerCore::Job {
  enum class State : uint8_t { kQueued, kRunning, kDone, kCancelled };
  std::string id;   // the client's id
  std::string key;  // the job id: "<key id>/<id>"
  nlohmann::json request;
  Route route;
  State state = State::kQueued;
  uint64_t generation = 0;  // of its latest queue entry: older entries are stale
  int attempts = 0;         // workers lost while running it
  ConnId worker = 0;
  ConnId reply_to = 0;
  Clock::time_point deadline{};
  MessageType result_type = MessageType::kResult;
  nlohmann::json result;  // the frame the client gets (when done)
};

struct TrackerCore::Client {
  std::string key_id;
  std::set<ConnId> conns;
  std::deque<std::pair<uint64_t, std::shared_ptr<Job>>> queue;  // (generation, job)
  std::unordered_map<std::string, std::shared_ptr<Job>> jobs;   // by the client's id
  std::deque<std::string> done_order;                           // unacknowledged results, oldest first
  size_t queued = 0, running = 0, done = 0;
  int64_t submitted = 0, completed = 0, failed = 0;
  Clock::time_point last_seen{};
};

struct TrackerCore::Worker {
  ConnId conn = 0;
  std::string key_id, peer;
  Capabilities caps;
  std::set<std::string> running;  // job ids
  Clock::time_point joined{};
  int64_t done = 0, failed = 0, lost = 0;
};

struct TrackerCore::Conn {
  enum class State : uint8_t { kChallenged, kAuthenticated };
  ConnId id = 0;
  std::string peer;
  Clock::time_point opened{}, last_frame{};
  State state = State::kChallenged;
  std::string nonce;  // the challenge's
  std::string key_id;
  Role role = Role::kClient;
  bool registered = false;  // workers

  std::string Who() const {
    if (state == State::kChallenged) return fmt::format("conn {} ({})", id, peer);
    return fmt::format("conn {} ({}, {} {})", id, peer, Name(role), key_id);
  }
};

TrackerCore::TrackerCore(TrackerOptions opts, KeyRing keys, Transport& transport, Logger log)
    : opts_(std::move(opts)), keys_(std::move(keys)), transport_(transport), log_(std::move(log)), started_(Clock::now()) {}

TrackerCore::~TrackerCore() = default;

size_t TrackerCore::Queued() const {
  size_t n = 0;
  for (const auto& [k, c] : clients_) n += c->queued;
  return n;
}

size_t TrackerCore::Running() const {
  size_t n = 0;
  for (const auto& [k, c] : clients_) n += c->running;
  return n;
}

bool TrackerCore::Admit(const std::string& peer) {
  if (conns_.size() >= opts_.max_connections || unauthenticated_ >= opts_.max_unauthenticated) {
    ++counters_.refused;
    log_("refused a connection from {}: {} connections open ({} unauthenticated), limits {} and {}", peer,
         conns_.size(), unauthenticated_, opts_.max_connections, opts_.max_unauthenticated);
    return false;
  }
  return true;
}

void TrackerCore::Opened(ConnId c, std::string peer, Clock::time_point now) {
  auto conn = std::make_unique<Conn>();
  conn->id = c;
  conn->peer = std::move(peer);
  conn->opened = conn->last_frame = now;
  conn->nonce = Hex(RandomBytes(kNonceBytes));
  ++counters_.connections;
  ++unauthenticated_;
  transport_.Send(c, MessageType::kChallenge, {{"nonce", conn->nonce}, {"protocol", measure::kProtocolVersion}});
  conns_.emplace(c, std::move(conn));
}

void TrackerCore::Closed(ConnId c, CloseCause cause, const std::string& detail, Clock::time_point now) {
  auto it = conns_.find(c);
  if (it == conns_.end()) return;
  switch (cause) {
    case CloseCause::kMalformed:
      ++counters_.malformed;
      break;
    case CloseCause::kOversized:
      ++counters_.oversized;
      break;
    default:
      break;
  }
  const char* what = cause == CloseCause::kEof ? "closed by the peer" : "closed";
  Drop(c, fmt::format("{}{}{}", what, detail.empty() ? "" : ": ", detail), now);
}

void TrackerCore::Drop(ConnId c, const std::string& why, Clock::time_point now) {
  auto it = conns_.find(c);
  if (it == conns_.end()) return;
  Conn& conn = *it->second;
  log_("{} {}", conn.Who(), why);
  transport_.Close(c);
  if (conn.state == Conn::State::kChallenged) --unauthenticated_;
  if (auto w = workers_.find(c); w != workers_.end()) {
    LoseJobs(*w->second, fmt::format("worker {} ({}) {}", w->second->caps.name, conn.peer, why), now);
    workers_.erase(w);
  }
  if (conn.state == Conn::State::kAuthenticated && conn.role == Role::kClient)
    if (auto cl = clients_.find(conn.key_id); cl != clients_.end()) {
      cl->second->conns.erase(c);
      cl->second->last_seen = now;
    }
  conns_.erase(it);
}

void TrackerCore::Received(ConnId c, measure::Frame f, Clock::time_point now) {
  auto it = conns_.find(c);
  if (it == conns_.end()) return;
  Conn& conn = *it->second;
  conn.last_frame = now;
  try {
    if (conn.state == Conn::State::kChallenged) {
      if (f.type != MessageType::kAuth) {
        ++counters_.auth_refused;
        transport_.Send(c, MessageType::kError, {{"id", nullptr}, {"message", "authenticate first"}});
        Drop(c, fmt::format("refused: sent a {} frame before authenticating", measure::Name(f.type)), now);
        return;
      }
      Authenticate(conn, f, now);
    } else if (conn.role == Role::kWorker) {
      OnWorker(conn, f, now);
    } else {
      OnClient(conn, f, now);
    }
  } catch (const std::exception& e) {  // FormatError from the parsers, or a JSON type error
    ++counters_.malformed;
    if (conn.state == Conn::State::kChallenged) {
      ++counters_.auth_refused;
      transport_.Send(c, MessageType::kError, {{"id", nullptr}, {"message", "authentication failed"}});
    }
    Drop(c, fmt::format("refused: malformed {} frame: {}", measure::Name(f.type), Quote(e.what(), 300)), now);
    return;
  }
  Dispatch(now);
}

void TrackerCore::Authenticate(Conn& conn, const measure::Frame& f, Clock::time_point now) {
  const AuthFrame a = ParseAuth(f.payload);
  auto refuse = [&](const std::string& why) {
    ++counters_.auth_refused;
    transport_.Send(conn.id, MessageType::kError, {{"id", nullptr}, {"message", "authentication failed"}});
    Drop(conn.id, "refused: " + why, now);
  };
  const Key* key = keys_.Find(a.key_id);
  if (!key) return refuse(fmt::format("unknown key id \"{}\"", a.key_id));
  if (key->role != a.role)
    return refuse(fmt::format("key \"{}\" is a {} key, the peer asked to be a {}", a.key_id, Name(key->role), Name(a.role)));
  if (!MacEqual(a.mac, FromHex(AuthMac(*key, conn.nonce, a.nonce), 32, "mac")))
    return refuse(fmt::format("wrong MAC for key \"{}\" (a wrong secret, or a frame replayed from another connection)",
                              a.key_id));
  transport_.Send(conn.id, MessageType::kWelcome,
                  {{"mac", WelcomeMac(*key, conn.nonce, a.nonce)},
                   {"tracker", opts_.name},
                   {"version", std::string(measure::Version())},
                   {"role", std::string(Name(a.role))},
                   {"heartbeat_seconds", opts_.heartbeat_seconds},
                   {"idle_seconds", opts_.idle_seconds}});
  const ConnId id = conn.id;
  conn.state = Conn::State::kAuthenticated;
  conn.key_id = a.key_id;
  conn.role = a.role;
  --unauthenticated_;
  ++counters_.auth_ok;
  if (!transport_.Authenticated(id)) {
    ++counters_.refused;
    Drop(id, "refused: sent data before the welcome", now);
    return;
  }
  log_("{} authenticated", conn.Who());
  if (a.role == Role::kClient) {
    auto& cl = clients_[a.key_id];
    if (!cl) {
      cl = std::make_unique<Client>();
      cl->key_id = a.key_id;
    }
    cl->conns.insert(id);
    cl->last_seen = now;
  }
}

void TrackerCore::OnClient(Conn& conn, measure::Frame& f, Clock::time_point now) {
  switch (f.type) {
    case MessageType::kHeartbeat:
      return;
    case MessageType::kStatus:
      transport_.Send(conn.id, MessageType::kStatus, Status(conn.role, conn.key_id, now));
      return;
    default:
      break;
  }
  if (conn.role != Role::kClient) {
    Drop(conn.id, fmt::format("refused: an {} connection may not send {} frames", Name(conn.role), measure::Name(f.type)),
         now);
    return;
  }
  Client& cl = *clients_.at(conn.key_id);
  cl.last_seen = now;
  switch (f.type) {
    case MessageType::kMeasure:
      Submit(cl, conn.id, ParseSubmission(f.payload), now);
      return;
    case MessageType::kAck:
      for (const std::string& id : ParseIds(f.payload, "ids", "ack"))
        if (auto it = cl.jobs.find(id); it != cl.jobs.end() && it->second->state == Job::State::kDone) {
          cl.jobs.erase(it);
          --cl.done;
        }
      return;
    case MessageType::kCancel: {
      const bool all = f.payload.value("all", false);
      std::vector<std::string> ids = ParseIds(f.payload, "ids", "cancel");
      if (all)
        for (const auto& [id, job] : cl.jobs)
          if (job->state == Job::State::kQueued) ids.push_back(id);
      size_t n = 0;
      for (const std::string& id : ids)
        if (auto it = cl.jobs.find(id); it != cl.jobs.end() && it->second->state == Job::State::kQueued) {
          it->second->state = Job::State::kCancelled;  // its queue entry goes stale
          cl.jobs.erase(it);
          --cl.queued;
          ++n;
        }
      if (n) log_("{} cancelled {} queued request(s)", conn.Who(), n);
      return;
    }
    default:
      Drop(conn.id, fmt::format("refused: unexpected {} frame from a client", measure::Name(f.type)), now);
  }
}

void TrackerCore::OnWorker(Conn& conn, measure::Frame& f, Clock::time_point now) {
  if (f.type == MessageType::kHeartbeat) return;
  if (!conn.registered) {
    if (f.type != MessageType::kRegister) {
      Drop(conn.id, fmt::format("refused: a worker must register before sending {} frames", measure::Name(f.type)), now);
      return;
    }
    Register(conn, f.payload, now);
    return;
  }
  Worker& w = *workers_.at(conn.id);
  switch (f.type) {
    case MessageType::kResult:
      Outcome(w, ParseResult(f.payload), now);
      return;
    case MessageType::kError:
      Outcome(w, ParseWorkerError(f.payload), now);
      return;
    default:
      Drop(conn.id, fmt::format("refused: unexpected {} frame from a worker", measure::Name(f.type)), now);
  }
}

void TrackerCore::Register(Conn& conn, const nlohmann::json& payload, Clock::time_point now) {
  auto w = std::make_unique<Worker>();
  w->conn = conn.id;
  w->key_id = conn.key_id;
  w->peer = conn.peer;
  w->caps = CapabilitiesFromJson(payload);
  w->joined = now;
  conn.registered = true;
  // Measurements it kept running while it was away (a restarted tracker, a reconnection).
  for (const std::string& key : w->caps.running) {
    w->running.insert(key);
    const auto [owner, id] = SplitJob(key);
    auto cl = clients_.find(owner);
    std::shared_ptr<Job> job;
    if (cl != clients_.end())
      if (auto j = cl->second->jobs.find(id); j != cl->second->jobs.end()) job = j->second;
    if (!job) {
      orphan_running_[key] = conn.id;
    } else if (job->state == Job::State::kQueued) {
      job->state = Job::State::kRunning;
      job->worker = conn.id;
      job->deadline = now + Duration(job->route.timeout_seconds + opts_.job_grace_seconds);
      --cl->second->queued;
      ++cl->second->running;
    }
  }
  log_("{} registered worker {}: backends [{}], {} slot(s), {} model(s){}{}", conn.Who(), w->caps.name,
       fmt::join(w->caps.backends, ", "), w->caps.slots, w->caps.models.size(),
       w->caps.board.empty() ? "" : fmt::format(", board {} ({})", w->caps.board, w->caps.board_id),
       w->caps.running.empty() ? "" : fmt::format(", still running {}", w->caps.running.size()));
  workers_.emplace(conn.id, std::move(w));
}

void TrackerCore::Submit(Client& cl, ConnId from, Submission s, Clock::time_point now) {
  ++counters_.submitted;
  ++cl.submitted;
  if (auto it = cl.jobs.find(s.id); it != cl.jobs.end()) {
    // The same id again (a client that reconnected): answer what is known, never measure twice.
    ++counters_.resubmitted;
    Job& job = *it->second;
    job.reply_to = from;
    if (job.state == Job::State::kDone) transport_.Send(from, job.result_type, job.result);
    return;
  }
  auto job = std::make_shared<Job>();
  job->id = s.id;
  job->key = JobId(cl.key_id, s.id);
  job->request = std::move(s.request);
  job->route = std::move(s.route);
  job->reply_to = from;
  if (auto o = orphan_results_.find(job->key); o != orphan_results_.end()) {
    // Measured while this tracker did not know it: it ran, and is done now.
    job->state = Job::State::kRunning;
    ++cl.running;
    cl.jobs.emplace(job->id, job);
    auto [type, payload] = std::move(o->second);
    orphan_results_.erase(o);
    Deliver(cl, *job, type, std::move(payload), now);
    return;
  }
  if (cl.queued >= opts_.max_queued_per_client) {
    ++counters_.refused;
    transport_.Send(from, MessageType::kError,
                    {{"id", s.id},
                     {"status", "refused"},
                     {"message", fmt::format("the tracker holds {} queued requests of this client, the limit is {}",
                                             cl.queued, opts_.max_queued_per_client)}});
    return;
  }
  cl.jobs.emplace(job->id, job);
  if (auto o = orphan_running_.find(job->key); o != orphan_running_.end()) {
    const ConnId wid = o->second;
    orphan_running_.erase(o);
    if (auto w = workers_.find(wid); w != workers_.end() && w->second->running.count(job->key)) {
      job->state = Job::State::kRunning;
      job->worker = wid;
      job->deadline = now + Duration(job->route.timeout_seconds + opts_.job_grace_seconds);
      ++cl.running;
      return;
    }
  }
  job->generation = 1;
  cl.queue.emplace_back(job->generation, job);
  ++cl.queued;
}

void TrackerCore::Outcome(Worker& w, JobOutcome o, Clock::time_point now) {
  w.running.erase(o.job);
  orphan_running_.erase(o.job);
  const bool ok = o.status == "ok" || o.status == "cycle_bound";
  ++(ok ? w.done : w.failed);
  const auto [owner, id] = SplitJob(o.job);
  nlohmann::json payload;
  MessageType type = MessageType::kResult;
  if (o.status == "error") {
    type = MessageType::kError;
    payload = {{"id", id}, {"status", "runtime_error"}, {"message", "the worker could not serve the request: " +
                                                                       o.payload.get<std::string>()}};
  } else {
    payload = {{"id", id}, {"measurement", std::move(o.payload)}};
  }
  std::shared_ptr<Job> job;
  auto cl = clients_.find(owner);
  if (cl != clients_.end())
    if (auto j = cl->second->jobs.find(id); j != cl->second->jobs.end()) job = j->second;
  if (!job) {
    // A request this tracker has not seen (it restarted): kept until its client submits it again.
    ++counters_.orphans;
    if (orphan_results_.size() >= opts_.max_orphans && !orphan_order_.empty()) {
      orphan_results_.erase(orphan_order_.front());
      orphan_order_.pop_front();
    }
    if (orphan_results_.emplace(o.job, std::make_pair(type, std::move(payload))).second) orphan_order_.push_back(o.job);
    return;
  }
  if (job->state == Job::State::kDone) {
    ++counters_.duplicates;  // measured twice (its first worker came back after the requeue): first one wins
    return;
  }
  Deliver(*cl->second, *job, type, std::move(payload), now);
}

void TrackerCore::Deliver(Client& cl, Job& job, MessageType type, nlohmann::json payload, Clock::time_point now) {
  if (job.state == Job::State::kQueued) --cl.queued;
  if (job.state == Job::State::kRunning) --cl.running;
  job.state = Job::State::kDone;
  job.result_type = type;
  job.result = std::move(payload);
  ++cl.done;
  cl.done_order.push_back(job.id);
  const bool ok = type == MessageType::kResult &&
                  (job.result["measurement"].value("status", "") == "ok" ||
                   job.result["measurement"].value("status", "") == "cycle_bound");
  ++(ok ? counters_.completed : counters_.failed);
  ++(ok ? cl.completed : cl.failed);
  recent_.push_back(now);
  if (cl.conns.count(job.reply_to)) transport_.Send(job.reply_to, type, job.result);
  EvictResults(cl);
}

void TrackerCore::EvictResults(Client& cl) {
  size_t evicted = 0;
  while (cl.done > opts_.max_results_per_client && !cl.done_order.empty()) {
    const std::string id = std::move(cl.done_order.front());
    cl.done_order.pop_front();
    if (auto it = cl.jobs.find(id); it != cl.jobs.end() && it->second->state == Job::State::kDone) {
      cl.jobs.erase(it);
      --cl.done;
      ++evicted;
    }
  }
  if (evicted)
    log_("client {}: dropped {} delivered but unacknowledged result(s) (limit {})", cl.key_id, evicted,
         opts_.max_results_per_client);
  // Keep the order list from growing with acknowledged ids.
  if (cl.done_order.size() > 2 * cl.done + 1024) {
    std::deque<std::string> keep;
    for (std::string& id : cl.done_order)
      if (auto it = cl.jobs.find(id); it != cl.jobs.end() && it->second->state == Job::State::kDone)
        keep.push_back(std::move(id));
    cl.done_order.swap(keep);
  }
}

void TrackerCore::LoseJobs(Worker& w, const std::string& why, Clock::time_point now) {
  for (const std::string& key : w.running) {
    if (auto o = orphan_running_.find(key); o != orphan_running_.end() && o->second == w.conn) orphan_running_.erase(o);
    const auto [owner, id] = SplitJob(key);
    auto cl = clients_.find(owner);
    if (cl == clients_.end()) continue;
    auto j = cl->second->jobs.find(id);
    if (j == cl->second->jobs.end()) continue;
    std::shared_ptr<Job> job = j->second;
    if (job->state != Job::State::kRunning || job->worker != w.conn) continue;
    ++w.lost;
    ++counters_.workers_lost;
    if (++job->attempts >= opts_.max_attempts) {
      ++counters_.gave_up;
      log_("request {} failed: lost with {} workers, the last: {}", key, job->attempts, why);
      Deliver(*cl->second, *job, MessageType::kError,
              {{"id", id},
               {"status", "worker_crash"},
               {"message", fmt::format("the request was lost with {} workers in a row (the last: {})", job->attempts, why)}},
              now);
      continue;
    }
    ++counters_.requeued;
    --cl->second->running;
    ++cl->second->queued;
    job->state = Job::State::kQueued;
    job->worker = 0;
    cl->second->queue.emplace_front(++job->generation, job);
  }
  w.running.clear();
}

std::shared_ptr<TrackerCore::Job> TrackerCore::PickFor(const Worker& w) {
  if (clients_.empty()) return nullptr;
  auto it = clients_.upper_bound(client_cursor_);
  for (size_t n = 0; n < clients_.size(); ++n, ++it) {
    if (it == clients_.end()) it = clients_.begin();
    Client& cl = *it->second;
    if (cl.queued == 0) continue;
    auto live = [](const std::pair<uint64_t, std::shared_ptr<Job>>& e) {
      return e.second->state == Job::State::kQueued && e.second->generation == e.first;
    };
    while (!cl.queue.empty() && !live(cl.queue.front())) cl.queue.pop_front();
    size_t pick = cl.queue.size();
    for (size_t i = 0; i < cl.queue.size() && i < kScanWindow; ++i) {
      const auto& e = cl.queue[i];
      if (!live(e) || !CanServe(w.caps, e.second->route)) continue;
      if (pick == cl.queue.size()) pick = i;
      if (HasModel(w.caps, e.second->route)) {
        pick = i;
        break;
      }
    }
    if (pick == cl.queue.size()) continue;
    std::shared_ptr<Job> job = cl.queue[pick].second;
    cl.queue.erase(cl.queue.begin() + std::ptrdiff_t(pick));
    client_cursor_ = cl.key_id;
    return job;
  }
  return nullptr;
}

void TrackerCore::Dispatch(Clock::time_point now) {
  if (workers_.empty() || Queued() == 0) return;
  auto it = workers_.upper_bound(worker_cursor_);
  for (size_t n = 0; n < workers_.size(); ++n, ++it) {
    if (it == workers_.end()) it = workers_.begin();
    Worker& w = *it->second;
    while (int(w.running.size()) < w.caps.slots) {
      std::shared_ptr<Job> job = PickFor(w);
      if (!job) break;
      Client& cl = *clients_.at(SplitJob(job->key).first);
      --cl.queued;
      ++cl.running;
      job->state = Job::State::kRunning;
      job->worker = w.conn;
      job->deadline = now + Duration(job->route.timeout_seconds + opts_.job_grace_seconds);
      w.running.insert(job->key);
      transport_.Send(w.conn, MessageType::kMeasure, {{"id", job->key}, {"request", job->request}});
      worker_cursor_ = w.conn;
    }
  }
}

void TrackerCore::Tick(Clock::time_point now) {
  std::vector<std::pair<ConnId, std::string>> drop;
  for (const auto& [id, conn] : conns_) {
    const double age = Seconds(now - conn->opened), quiet = Seconds(now - conn->last_frame);
    if (conn->state == Conn::State::kChallenged) {
      if (age > opts_.handshake_seconds) {
        ++counters_.handshake_timeouts;
        drop.emplace_back(id, fmt::format("refused: did not authenticate within {} s", opts_.handshake_seconds));
      }
    } else if (conn->role == Role::kWorker && !conn->registered && age > opts_.handshake_seconds) {
      ++counters_.handshake_timeouts;
      drop.emplace_back(id, fmt::format("closed: the worker did not register within {} s", opts_.handshake_seconds));
    } else if (quiet > opts_.idle_seconds) {
      if (conn->role == Role::kWorker) {
        ++counters_.hung_workers;
        drop.emplace_back(id, fmt::format("hung: no heartbeat for {:.1f} s (limit {} s); out of rotation", quiet,
                                          opts_.idle_seconds));
      } else {
        ++counters_.idle_closed;
        drop.emplace_back(id, fmt::format("closed: idle for {:.1f} s (limit {} s)", quiet, opts_.idle_seconds));
      }
    }
  }
  for (const auto& [id, w] : workers_)
    for (const std::string& key : w->running) {
      const auto [owner, rid] = SplitJob(key);
      auto cl = clients_.find(owner);
      if (cl == clients_.end()) continue;
      auto j = cl->second->jobs.find(rid);
      if (j == cl->second->jobs.end() || j->second->state != Job::State::kRunning || j->second->worker != id) continue;
      if (now > j->second->deadline) {
        ++counters_.hung_workers;
        drop.emplace_back(id, fmt::format("hung: measurement {} exceeded its timeout of {} s plus {} s; out of rotation",
                                          key, j->second->route.timeout_seconds, opts_.job_grace_seconds));
        break;
      }
    }
  for (const auto& [id, why] : drop) Drop(id, why, now);

  if (Seconds(now - last_heartbeat_) >= opts_.heartbeat_seconds) {
    last_heartbeat_ = now;
    for (const auto& [id, conn] : conns_)
      if (conn->state == Conn::State::kAuthenticated) transport_.Send(id, MessageType::kHeartbeat, nlohmann::json::object());
  }
  for (auto it = clients_.begin(); it != clients_.end();) {
    Client& cl = *it->second;
    if (cl.conns.empty() && Seconds(now - cl.last_seen) > opts_.client_forget_seconds) {
      log_("client {}: no connection for {} s; forgot {} queued request(s) and {} result(s)", cl.key_id,
           opts_.client_forget_seconds, cl.queued, cl.done);
      for (const auto& [id, job] : cl.jobs)
        if (job->state == Job::State::kRunning) orphan_running_.erase(job->key);
      it = clients_.erase(it);
    } else {
      ++it;
    }
  }
  while (!recent_.empty() && Seconds(now - recent_.front()) > 60) recent_.pop_front();
  Dispatch(now);
}

nlohmann::json TrackerCore::WorkerStatus(const Worker& w, Clock::time_point now) const {
  const Conn& conn = *conns_.at(w.conn);
  nlohmann::json j = {{"name", w.caps.name},
                      {"key_id", w.key_id},
                      {"address", w.peer},
                      {"backends", w.caps.backends},
                      {"models", w.caps.models.size()},
                      {"slots", w.caps.slots},
                      {"running", w.running.size()},
                      {"done", w.done},
                      {"failed", w.failed},
                      {"lost", w.lost},
                      {"version", w.caps.version},
                      {"joined_seconds_ago", Seconds(now - w.joined)},
                      {"last_heard_seconds_ago", Seconds(now - conn.last_frame)},
                      {"healthy", Seconds(now - conn.last_frame) <= 2 * opts_.heartbeat_seconds + 1}};
  if (!w.caps.board.empty())
    j["board"] = {{"name", w.caps.board}, {"id", w.caps.board_id}, {"config_hash", w.caps.board_config_hash}};
  return j;
}

nlohmann::json TrackerCore::Status(Role viewer, const std::string& key_id, Clock::time_point now) const {
  const double uptime = Seconds(now - started_);
  nlohmann::json workers = nlohmann::json::array();
  for (const auto& [id, w] : workers_) workers.push_back(WorkerStatus(*w, now));
  nlohmann::json clients = nlohmann::json::array();
  for (const auto& [k, cl] : clients_) {
    if (viewer != Role::kAdmin && k != key_id) continue;
    clients.push_back({{"key_id", k},
                       {"connections", cl->conns.size()},
                       {"queued", cl->queued},
                       {"running", cl->running},
                       {"results_held", cl->done},
                       {"submitted", cl->submitted},
                       {"completed", cl->completed},
                       {"failed", cl->failed}});
  }
  const Counters& c = counters_;
  return {{"tracker", {{"name", opts_.name}, {"version", std::string(measure::Version())}, {"uptime_seconds", uptime}}},
          {"workers", workers},
          {"queues", {{"queued", Queued()}, {"running", Running()}, {"clients", clients}}},
          {"throughput",
           {{"completed", c.completed + c.failed},
            {"last_minute", recent_.size()},
            {"per_second", uptime > 0 ? double(c.completed + c.failed) / uptime : 0.0}}},
          {"failures",
           {{"failed_measurements", c.failed},
            {"gave_up", c.gave_up},
            {"requeued", c.requeued},
            {"workers_lost", c.workers_lost},
            {"hung_workers", c.hung_workers},
            {"duplicates_dropped", c.duplicates},
            {"auth_refused", c.auth_refused},
            {"malformed", c.malformed},
            {"oversized", c.oversized},
            {"idle_closed", c.idle_closed},
            {"handshake_timeouts", c.handshake_timeouts},
            {"connections_refused", c.refused}}}};
}

}  // namespace dcoc::server
