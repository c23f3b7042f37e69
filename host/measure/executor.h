// Whatever runs measurement requests for a Session: the local worker pool (worker_pool.h), or the
// measurement farm's client. A Session sends it the requests the tuning database could not answer.
#pragma once

#include <functional>
#include <span>
#include <vector>

#include "host/measure/measurement.h"

namespace dcoc::measure {

class Executor {
 public:
  virtual ~Executor() = default;
  // Measures every request; `done(i, m)` is called on the calling thread as each result arrives (in
  // completion order). Returns the measurements in request order. A failure of one candidate is a
  // status in its measurement; only a failure of the executor itself throws.
  virtual std::vector<Measurement> Run(std::span<const Request> requests,
                                       const std::function<void(size_t, const Measurement&)>& done = {}) = 0;
};

}  // namespace dcoc::measure
