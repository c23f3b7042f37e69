// The farm as a measurement executor: `dcoc tune --farm` and `layer search --farm` hand a FarmClient to
// their measure::Session instead of a local worker pool, and nothing else changes. Every request gets
// an idempotent id (a random prefix per client and a sequence number); after a lost connection or a
// restarted tracker, the client reconnects and submits everything unanswered again under the same ids,
// and takes the first answer for each id (at-least-once delivery, exactly-once results).
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "host/measure/executor.h"
#include "host/server/peer.h"

namespace dcoc::server {

struct ClientOptions {
  PeerOptions peer;         // key role must be client
  std::string board;        // only workers on this board (optional)
  double max_wait_seconds = 0;  // a batch waiting this long for results fails (0: no bound)
};

class FarmClient : public measure::Executor {
 public:
  // Connects (UsageError for a key that is not a client key; Error when the tracker cannot be reached
  // or refuses the key within the connect time).
  explicit FarmClient(ClientOptions opts);
  ~FarmClient() override;  // cancels what is still queued

  std::vector<measure::Measurement> Run(std::span<const measure::Request> requests,
                                        const std::function<void(size_t, const measure::Measurement&)>& done = {}) override;

  // The tracker's status as this client may see it.
  nlohmann::json Status(double timeout_seconds = 10);

  struct Counts {
    int64_t submitted = 0, resubmitted = 0, results = 0, duplicates = 0, reconnections = 0;
  };
  Counts counts() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

// One status request with a client or admin key (`dcoc farm status`).
nlohmann::json FarmStatus(PeerOptions opts, double timeout_seconds = 10);

}  // namespace dcoc::server
