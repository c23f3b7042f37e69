// The one exception hierarchy of dcoc. Libraries throw; only main() prints "error: ..." and exits.
// Every message names the thing, the value and the bound.
#pragma once

#include <stdexcept>
#include <string>

namespace dcoc {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A hardware configuration that is malformed, out of range or not encodable.
class ConfigError : public Error {
 public:
  using Error::Error;
};

// A value that does not fit an instruction or micro-op field, or a word that does not decode.
class EncodeError : public Error {
 public:
  using Error::Error;
};

// A program container or instruction file that is malformed (truncated, corrupt, wrong version).
class FormatError : public Error {
 public:
  using Error::Error;
};

// A program that fails while it executes: deadlock, out-of-bounds access, illegal instruction.
class ExecError : public Error {
 public:
  using Error::Error;
};

// A run stopped at a limit its caller set: RunOptions::max_cycles (CycleLimitError) or the wall-clock
// timeout (TimeLimitError). The measurer records the first as a lower bound, the second as a timeout.
class CycleLimitError : public ExecError {
 public:
  using ExecError::ExecError;
};
class TimeLimitError : public ExecError {
 public:
  using ExecError::ExecError;
};

// A request that is well-formed but not valid here (bad CLI argument, unknown preset, ...).
class UsageError : public Error {
 public:
  using Error::Error;
};

}  // namespace dcoc
