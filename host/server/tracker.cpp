#include "host/server/tracker.h"

#include <fmt/format.h>

#include <future>
#include <map>

#include "host/common/error.h"
#include "host/server/channel.h"

namespace dcoc::server {

namespace {
constexpr auto kTickInterval = std::chrono::milliseconds(100);
}  // namespace

struct Tracker::Impl : Transport {
  TrackerOptions opts;
  Logger log;
  asio::io_context io;
  tcp::acceptor acceptor{io};
  asio::steady_timer tick{io};
  asio::signal_set signals{io};
  std::unique_ptr<asio::ssl::context> tls;
  std::map<ConnId, std::shared_ptr<Channel>> channels;
  ConnId next_id = 0;
  TrackerCore core;

  Impl(TrackerOptions o, KeyRing keys, const TlsOptions& t, Logger l)
      : opts(o), log(l), core(o, std::move(keys), *this, l) {
    if (!(opts.heartbeat_seconds > 0) || !(opts.idle_seconds > 2 * opts.heartbeat_seconds))
      throw UsageError(fmt::format("idle limit {} s must exceed twice the heartbeat interval {} s", opts.idle_seconds,
                                   opts.heartbeat_seconds));
    if (t.ServerEnabled()) tls = ServerTlsContext(t);
  }

  void Send(ConnId c, measure::MessageType type, const nlohmann::json& payload) override {
    if (auto it = channels.find(c); it != channels.end()) it->second->Send(type, payload);
  }
  void Close(ConnId c) override {
    if (auto it = channels.find(c); it != channels.end()) {
      it->second->Close();
      channels.erase(it);
    }
  }
  bool Authenticated(ConnId c) override {
    auto it = channels.find(c);
    return it != channels.end() && it->second->SetFrameLimit(opts.max_frame_bytes);
  }

  void Accept() {
    acceptor.async_accept([this](const boost::system::error_code& ec, tcp::socket sock) {
      if (ec == asio::error::operation_aborted) return;
      if (!ec) Admit(std::move(sock));
      Accept();
    });
  }

  void Admit(tcp::socket sock) {
    auto ch = std::make_shared<Channel>(std::move(sock), tls.get(), true, opts.max_auth_frame_bytes);
    if (!core.Admit(ch->peer())) {
      ch->Close();
      return;
    }
    const ConnId id = ++next_id;
    channels.emplace(id, ch);
    core.Opened(id, ch->peer(), Clock::now());
    ch->Start([this, id](measure::Frame&& f) { core.Received(id, std::move(f), Clock::now()); },
              [this, id](CloseCause cause, const std::string& detail) {
                channels.erase(id);
                core.Closed(id, cause, detail, Clock::now());
              });
  }

  void Tick() {
    tick.expires_after(kTickInterval);
    tick.async_wait([this](const boost::system::error_code& ec) {
      if (ec) return;
      core.Tick(Clock::now());
      Tick();
    });
  }

  void Shutdown() {
    boost::system::error_code ignored;
    acceptor.close(ignored);
    tick.cancel();
    signals.cancel();
    for (auto& [id, ch] : channels) ch->Close();
    channels.clear();
    io.stop();
  }

  template <typename T, typename F>
  T OnLoop(F f) {
    std::promise<T> p;
    asio::post(io, [&] { p.set_value(f()); });
    return p.get_future().get();
  }
};

Tracker::Tracker(TrackerOptions opts, KeyRing keys, TlsOptions tls, Logger log)
    : impl_(std::make_unique<Impl>(std::move(opts), std::move(keys), tls, std::move(log))) {}

Tracker::~Tracker() = default;

uint16_t Tracker::Listen(const std::string& host_port) {
  const HostPort hp = ParseHostPort(host_port);
  boost::system::error_code ec;
  const asio::ip::address addr = asio::ip::make_address(hp.host, ec);
  if (ec) throw UsageError(fmt::format("--listen {}: \"{}\" is not an IP address", host_port, hp.host));
  const tcp::endpoint ep(addr, hp.port);
  tcp::acceptor& a = impl_->acceptor;
  a.open(ep.protocol(), ec);
  if (!ec) a.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) a.bind(ep, ec);
  if (!ec) a.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) throw UsageError(fmt::format("cannot listen on {}: {}", host_port, ec.message()));
  const uint16_t port = a.local_endpoint().port();
  impl_->log("listening on {}:{}{}", addr.is_v6() ? "[" + hp.host + "]" : hp.host, port, impl_->tls ? " (TLS)" : "");
  return port;
}

void Tracker::Run(bool handle_signals) {
  Impl& I = *impl_;
  if (!I.acceptor.is_open()) throw UsageError("the tracker must listen before it runs");
  if (handle_signals) {
    I.signals.add(SIGINT);
    I.signals.add(SIGTERM);
    I.signals.async_wait([&I](const boost::system::error_code& ec, int sig) {
      if (ec) return;
      I.log("signal {}: shutting down", sig);
      I.Shutdown();
    });
  }
  I.Accept();
  I.Tick();
  I.io.run();
}

void Tracker::Stop() {
  asio::post(impl_->io, [this] { impl_->Shutdown(); });
}

nlohmann::json Tracker::Status() {
  return impl_->OnLoop<nlohmann::json>([this] { return impl_->core.Status(Role::kAdmin, "", Clock::now()); });
}

TrackerCore::Counters Tracker::Counters() {
  return impl_->OnLoop<TrackerCore::Counters>([this] { return impl_->core.counters(); });
}

}  // namespace dcoc::server
