// Errors of the model library. ModelError: a model that is malformed or uses something dcoc does not
// support (the message names the node, the op and the offending value).
#pragma once

#include "host/common/error.h"

namespace dcoc::model {

class ModelError : public Error {
 public:
  using Error::Error;
};

}  // namespace dcoc::model
