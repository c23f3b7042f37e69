#include "host/server/peer.h"

#include <fmt/format.h>

#include <mutex>
#include <random>
#include <thread>

#include "host/common/error.h"
#include "host/server/channel.h"

namespace dcoc::server {

using measure::MessageType;

namespace {

constexpr uint32_t kHandshakeFrameBytes = 64 * 1024;

Clock::duration Duration(double seconds) {
  return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
}
double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

}  // namespace

struct Peer::Impl : std::enable_shared_from_this<Peer::Impl> {
  enum class State : uint8_t { kIdle, kConnecting, kHandshake, kReady, kStopped };

  PeerOptions opts;
  Handlers h;
  HostPort where;
  asio::io_context io;
  asio::executor_work_guard<asio::io_context::executor_type> work{io.get_executor()};
  tcp::resolver resolver{io};
  asio::steady_timer deadline{io}, heartbeat{io}, retry{io};
  std::unique_ptr<asio::ssl::context> tls;
  std::shared_ptr<Channel> channel;
  std::unique_ptr<PeerHandshake> handshake;
  std::unique_ptr<tcp::socket> socket;
  State state = State::kIdle;
  uint64_t attempt = 0;  // invalidates the callbacks of an abandoned attempt
  Clock::time_point down_since = Clock::now(), last_heard{};
  double heartbeat_seconds = 2, idle_seconds = 10;
  int failures = 0;
  mutable std::mutex error_mu;
  std::string last_error;  // guarded by error_mu
  std::mt19937 rng{std::random_device{}()};
  std::thread thread;

  explicit Impl(PeerOptions o, Handlers hs) : opts(std::move(o)), h(std::move(hs)), where(ParseHostPort(opts.tracker)) {
    if (opts.tls.ClientEnabled()) tls = ClientTlsContext(opts.tls);
  }

  void Connect() {
    if (state == State::kStopped) return;
    state = State::kConnecting;
    const uint64_t my = ++attempt;
    deadline.expires_after(Duration(opts.connect_seconds));
    deadline.async_wait([self = shared_from_this(), my](const boost::system::error_code& ec) {
      if (ec || my != self->attempt) return;
      self->Lost(fmt::format("could not connect and authenticate within {} s", self->opts.connect_seconds));
    });
    resolver.async_resolve(where.host, std::to_string(where.port),
                           [self = shared_from_this(), my](const boost::system::error_code& ec,
                                                           tcp::resolver::results_type results) {
                             if (my != self->attempt || self->state != State::kConnecting) return;
                             if (ec) return self->Lost(fmt::format("cannot resolve {}: {}", self->where.host, ec.message()));
                             self->socket = std::make_unique<tcp::socket>(self->io);
                             asio::async_connect(*self->socket, results,
                                                 [self, my](const boost::system::error_code& ec2, const tcp::endpoint&) {
                                                   if (my != self->attempt || self->state != State::kConnecting) return;
                                                   if (ec2) return self->Lost(ec2.message());
                                                   self->Connected(my);
                                                 });
                           });
  }

  void Connected(uint64_t my) {
    state = State::kHandshake;
    handshake = std::make_unique<PeerHandshake>(opts.key);
    channel = std::make_shared<Channel>(std::move(*socket), tls.get(), false, kHandshakeFrameBytes, where.host);
    socket.reset();
    auto self = shared_from_this();
    channel->Start([self, my](measure::Frame&& f) { self->OnFrame(my, std::move(f)); },
                   [self, my](CloseCause cause, const std::string& detail) {
                     if (my != self->attempt) return;
                     self->Lost(cause == CloseCause::kEof ? "the tracker closed the connection" + (detail.empty() ? "" : ": " + detail)
                                                          : detail);
                   });
  }

  void OnFrame(uint64_t my, measure::Frame&& f) {
    if (my != attempt) return;
    last_heard = Clock::now();
    try {
      if (state == State::kHandshake) return Handshake(f);
    } catch (const Error& e) {
      return Lost(e.what());
    }
    if (f.type == MessageType::kHeartbeat) return;
    if (h.frame) h.frame(std::move(f));
  }

  void Handshake(const measure::Frame& f) {
    if (f.type == MessageType::kError) {
      const std::string msg = f.payload.value("message", "?");
      return Fail(fmt::format("the tracker at {} refused key \"{}\": {}", opts.tracker, opts.key.id, Quote(msg)));
    }
    if (f.type == MessageType::kChallenge) {
      channel->Send(MessageType::kAuth, handshake->Answer(f.payload));
      return;
    }
    if (f.type != MessageType::kWelcome)
      throw FormatError(fmt::format("unexpected {} frame during authentication", measure::Name(f.type)));
    handshake->CheckWelcome(f.payload);
    const double hb = f.payload.value("heartbeat_seconds", 2.0), idle = f.payload.value("idle_seconds", 10.0);
    heartbeat_seconds = std::clamp(hb, 0.05, 60.0);
    idle_seconds = std::clamp(idle, 3 * heartbeat_seconds, 600.0);
    channel->SetFrameLimit(measure::kDefaultMaxFrameBytes);
    deadline.cancel();
    state = State::kReady;
    failures = 0;
    if (Seconds(Clock::now() - down_since) > 1) opts.log("connected to the tracker at {}", opts.tracker);
    Beat(attempt);
    if (h.connected) h.connected();
  }

  void Beat(uint64_t my) {
    heartbeat.expires_after(Duration(heartbeat_seconds));
    heartbeat.async_wait([self = shared_from_this(), my](const boost::system::error_code& ec) {
      if (ec || my != self->attempt || self->state != State::kReady) return;
      const double quiet = Seconds(Clock::now() - self->last_heard);
      if (quiet > self->idle_seconds)
        return self->Lost(fmt::format("no heartbeat from the tracker for {:.1f} s", quiet));
      self->channel->Send(MessageType::kHeartbeat, self->h.heartbeat ? self->h.heartbeat() : nlohmann::json::object());
      self->Beat(my);
    });
  }

  void Drop() {
    ++attempt;
    deadline.cancel();
    heartbeat.cancel();
    if (channel) channel->Close();
    channel.reset();
    if (socket) {
      boost::system::error_code ignored;
      socket->close(ignored);
      socket.reset();
    }
    handshake.reset();
  }

  void Lost(const std::string& why) {
    if (state == State::kStopped) return;
    const bool was_ready = state == State::kReady;
    Drop();
    state = State::kIdle;
    {
      std::lock_guard<std::mutex> lock(error_mu);
      last_error = why;
    }
    if (was_ready) {
      down_since = Clock::now();
      opts.log("lost the tracker at {}: {}", opts.tracker, why);
      if (h.lost) h.lost(why);
    }
    const double down = Seconds(Clock::now() - down_since);
    if (opts.reconnect_seconds <= 0 || down > opts.reconnect_seconds)
      return Fail(fmt::format("no connection to the tracker at {} for {:.0f} s: {}", opts.tracker, down, why));
    // Backoff: 0.1 s doubling to 2 s, with jitter so that many peers do not come back in step.
    const double base = std::min(2.0, 0.1 * double(1 << std::min(failures++, 5)));
    const double wait = base * std::uniform_real_distribution<double>(0.5, 1.0)(rng);
    retry.expires_after(Duration(wait));
    retry.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
      if (!ec) self->Connect();
    });
  }

  void Fail(const std::string& why) {
    if (state == State::kStopped) return;
    Drop();
    state = State::kStopped;
    retry.cancel();
    opts.log("giving up: {}", why);
    if (h.failed) h.failed(why);
  }
};

Peer::Peer(PeerOptions opts, Handlers handlers) : impl_(std::make_shared<Impl>(std::move(opts), std::move(handlers))) {}

Peer::~Peer() { Stop(); }

void Peer::Start() {
  auto impl = impl_;
  asio::post(impl->io, [impl] { impl->Connect(); });
  impl->thread = std::thread([impl] { impl->io.run(); });
}

void Peer::Post(std::function<void()> fn) { asio::post(impl_->io, std::move(fn)); }

bool Peer::Send(MessageType type, const nlohmann::json& payload) {
  if (impl_->state != Impl::State::kReady || !impl_->channel) return false;
  impl_->channel->Send(type, payload);
  return true;
}

bool Peer::connected() const { return impl_->state == Impl::State::kReady; }

std::string Peer::LastError() const {
  std::lock_guard<std::mutex> lock(impl_->error_mu);
  return impl_->last_error;
}

void Peer::Stop() {
  auto impl = impl_;
  if (!impl->thread.joinable()) return;
  // Everything pending is cancelled, so the loop runs out of work and returns, dropping every handler
  // (they hold the Impl; stopping the loop instead would leave them, and it, behind).
  asio::post(impl->io, [impl] {
    impl->Drop();
    impl->state = Impl::State::kStopped;
    impl->retry.cancel();
    impl->resolver.cancel();
    impl->work.reset();
  });
  if (impl->thread.get_id() == std::this_thread::get_id()) {
    impl->thread.detach();  // Stop() from a handler: the loop ends when the handler returns
    return;
  }
  impl->thread.join();
}

void Peer::Disconnect() {
  auto impl = impl_;
  asio::post(impl->io, [impl] {
    if (impl->state == Impl::State::kReady) impl->Lost("disconnected on request");
  });
}

}  // namespace dcoc::server
