// What measures a batch of requests for a Session: the local worker pool (worker_pool.h) or the
// measurement farm (host/server/client.h). Tuners never see which one it is.
#pragma once

#include <functional>
#include <span>
#include <vector>

#include "host/measure/measurement.h"

namespace dcoc::measure {

class Executor {
 public:
  virtual ~Executor() = default;
  // Measures every request; `done(i, m)` is called on the calling thread as each result arrives, in
  // completion order, exactly once per request. Returns the measurements in request order.
  virtual std::vector<Measurement> Run(std::span<const Request> requests,
                                       const std::function<void(size_t, const Measurement&)>& done = {}) = 0;
};

}  // namespace dcoc::measure
