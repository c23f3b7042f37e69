#include "host/common/shell.h"

#include <dlfcn.h>

#include <cstdio>
#include <cstdlib>
#include <mutex>

#include <fmt/format.h>

#include "host/common/error.h"

namespace dcoc {

void RunOrThrow(const std::string& cmd, const std::filesystem::path& log, std::string_view what) {
  const std::string full = fmt::format("{} >> '{}' 2>&1", cmd, log.string());
  if (std::system(full.c_str()) == 0) return;
  std::string text;
  if (std::FILE* f = std::fopen(log.c_str(), "rb")) {
    char buf[4096];
    for (size_t n; (n = std::fread(buf, 1, sizeof buf, f)) > 0;) text.append(buf, n);
    std::fclose(f);
  }
  if (text.size() > 4000) text = "..." + text.substr(text.size() - 4000);
  throw Error(fmt::format("{} failed (log {}):\n{}", what, log.string(), text));
}

void* LoadSymbol(const std::filesystem::path& lib, const char* symbol) {
  static std::mutex mu;  // dlerror() is per process
  std::lock_guard<std::mutex> lock(mu);
  void* h = dlopen(lib.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!h) throw Error(fmt::format("cannot load {}: {}", lib.string(), dlerror()));
  void* fn = dlsym(h, symbol);
  if (!fn) throw Error(fmt::format("{} lacks the symbol {}", lib.string(), symbol));
  return fn;
}

}  // namespace dcoc
