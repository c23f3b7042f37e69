// The tracker's peers (clients, workers, `farm status`) share one connection manager: it connects to the
// tracker (TCP or TLS), authenticates (PeerHandshake), heartbeats, notices a dead tracker, and
// reconnects with backoff until it is back or `reconnect_seconds` have passed. It runs its own event
// loop thread; every handler is called on that thread.
#pragma once

#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "host/measure/protocol.h"
#include "host/server/auth.h"
#include "host/server/log.h"
#include "host/server/messages.h"
#include "host/server/tls.h"

namespace dcoc::server {

struct PeerOptions {
  std::string tracker;  // "host:port"
  Key key;
  TlsOptions tls;
  double connect_seconds = 10;     // to connect and authenticate
  double reconnect_seconds = 300;  // without a connection before giving up (0: give up at the first loss)
  Logger log{"peer"};
};

class Peer {
 public:
  struct Handlers {
    std::function<void()> connected;                      // authenticated (again): register, resubmit
    std::function<void(measure::Frame&&)> frame;          // every frame after the welcome but heartbeats
    std::function<void(const std::string& why)> lost;     // the connection is gone; reconnecting
    std::function<void(const std::string& why)> failed;   // gave up: refused, or no tracker for too long
    std::function<nlohmann::json()> heartbeat;            // the heartbeat's payload (default {})
  };

  Peer(PeerOptions opts, Handlers handlers);
  ~Peer();  // stops the event loop and joins it
  Peer(const Peer&) = delete;
  Peer& operator=(const Peer&) = delete;

  void Start();
  // Runs `fn` on the event loop.
  void Post(std::function<void()> fn);
  // On the event loop only: sends when connected (false when not; the connected handler resends).
  bool Send(measure::MessageType type, const nlohmann::json& payload);
  bool connected() const;  // on the event loop only
  // Why the latest attempt to connect failed ("" before any failure). Any thread.
  std::string LastError() const;
  // Closes the connection and stops reconnecting; blocks until the loop has finished.
  void Stop();
  // For tests: drop the connection now, as if the network failed (reconnects as usual).
  void Disconnect();

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

// Handlers that call `owner`'s Connected(), Frame(f) and Failed(why) while it lives (the peer's event
// loop may briefly outlive it).
template <typename T>
Peer::Handlers ForwardTo(const std::shared_ptr<T>& owner) {
  std::weak_ptr<T> weak = owner;
  Peer::Handlers h;
  h.connected = [weak] {
    if (auto s = weak.lock()) s->Connected();
  };
  h.frame = [weak](measure::Frame&& f) {
    if (auto s = weak.lock()) s->Frame(std::move(f));
  };
  h.failed = [weak](const std::string& why) {
    if (auto s = weak.lock()) s->Failed(why);
  };
  return h;
}

}  // namespace dcoc::server
