#include "host/common/cache.h"

#include <cstdlib>

namespace dcoc {

std::filesystem::path DefaultCacheDir() {
  if (const char* d = std::getenv("DCOC_CACHE_DIR"); d && *d) return std::filesystem::path(d);
  if (const char* x = std::getenv("XDG_CACHE_HOME"); x && *x) return std::filesystem::path(x) / "dcoc";
  if (const char* h = std::getenv("HOME"); h && *h) return std::filesystem::path(h) / ".cache" / "dcoc";
  return std::filesystem::temp_directory_path() / "dcoc-cache";
}

}  // namespace dcoc
