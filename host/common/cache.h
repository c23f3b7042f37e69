// Where dcoc caches what it builds at run time (verilated models, HLS kernels, synthesis results).
#pragma once

#include <filesystem>

namespace dcoc {

// $DCOC_CACHE_DIR, else $XDG_CACHE_HOME/dcoc, else ~/.cache/dcoc, else <tmp>/dcoc-cache.
std::filesystem::path DefaultCacheDir();

}  // namespace dcoc
