// The farm's log: one timestamped line per event ("2026-11-30T12:34:56Z tracker: ..."), to standard
// error, a file, or a test's sink. Refusals and closes are logged with their reason; secrets never are.
#pragma once

#include <fmt/format.h>

#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace dcoc::server {

class Logger {
 public:
  using Sink = std::function<void(std::string_view line)>;
  // Empty sink: standard error. Thread-safe.
  explicit Logger(std::string who = "", Sink sink = {});
  // A logger that appends to `path` (UsageError when it cannot be opened).
  static Logger ToFile(std::string who, const std::string& path);

  template <typename... Args>
  void operator()(fmt::format_string<Args...> f, Args&&... args) const {
    Write(fmt::format(f, std::forward<Args>(args)...));
  }
  void Write(std::string_view message) const;

 private:
  std::string who_;
  std::shared_ptr<Sink> sink_;
};

// Text a peer sent, made safe to log: at most `max` characters, anything not printable ASCII as \xNN.
std::string Quote(std::string_view text, size_t max = 80);

}  // namespace dcoc::server
