#include "host/server/log.h"

#include <cstdio>
#include <mutex>

#include "host/common/error.h"
#include "host/measure/measurement.h"

namespace dcoc::server {

namespace {

std::mutex& OutputMutex() {
  static std::mutex mu;
  return mu;
}

}  // namespace

Logger::Logger(std::string who, Sink sink) : who_(std::move(who)) {
  if (!sink)
    sink = [](std::string_view line) {
      std::lock_guard<std::mutex> lock(OutputMutex());
      std::fwrite(line.data(), 1, line.size(), stderr);
      std::fputc('\n', stderr);
      std::fflush(stderr);
    };
  sink_ = std::make_shared<Sink>(std::move(sink));
}

Logger Logger::ToFile(std::string who, const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "a");
  if (!f) throw UsageError(fmt::format("cannot open log file {}", path));
  std::shared_ptr<std::FILE> file(f, &std::fclose);
  return Logger(std::move(who), [file](std::string_view line) {
    std::lock_guard<std::mutex> lock(OutputMutex());
    std::fwrite(line.data(), 1, line.size(), file.get());
    std::fputc('\n', file.get());
    std::fflush(file.get());
  });
}

void Logger::Write(std::string_view message) const {
  (*sink_)(fmt::format("{} {}{}{}", measure::UtcTimestamp(), who_, who_.empty() ? "" : ": ", message));
}

std::string Quote(std::string_view text, size_t max) {
  std::string out;
  for (size_t i = 0; i < text.size() && i < max; ++i) {
    const auto c = uint8_t(text[i]);
    if (c >= 0x20 && c < 0x7f && c != '\\')
      out.push_back(char(c));
    else
      out += fmt::format("\\x{:02x}", c);
  }
  if (text.size() > max) out += fmt::format("...({} bytes)", text.size());
  return out;
}

}  // namespace dcoc::server
