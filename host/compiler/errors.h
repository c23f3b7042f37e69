// Errors of the compiler. ScheduleError: a schedule that is not valid for a layer and configuration
// (the message lists every violated constraint with its numbers).
#pragma once

#include "host/common/error.h"

namespace dcoc::compiler {

class ScheduleError : public UsageError {
 public:
  using UsageError::UsageError;
};

}  // namespace dcoc::compiler
