// `dcoc tracker`: the farm's tracker on Boost.Asio — a TCP (or TLS) listener whose connections are
// driven by TrackerCore (tracker_core.h) on one event-loop thread.
#pragma once

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "host/server/auth.h"
#include "host/server/log.h"
#include "host/server/tls.h"
#include "host/server/tracker_core.h"

namespace dcoc::server {

class Tracker {
 public:
  Tracker(TrackerOptions opts, KeyRing keys, TlsOptions tls = {}, Logger log = Logger("tracker"));
  ~Tracker();
  Tracker(const Tracker&) = delete;
  Tracker& operator=(const Tracker&) = delete;

  // Binds and listens on "host:port" (port 0: any free port); returns the port. UsageError when the
  // address cannot be bound.
  uint16_t Listen(const std::string& host_port);
  // Serves until Stop() (from any thread, or SIGINT/SIGTERM when handle_signals).
  void Run(bool handle_signals = false);
  void Stop();
  // For tests: the status (admin view) and the counters, read on the event loop (Run must be running).
  nlohmann::json Status();
  TrackerCore::Counters Counters();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace dcoc::server
