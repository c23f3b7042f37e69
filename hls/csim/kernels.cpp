#include "hls/csim/kernels.h"

#include <unistd.h>

#include <fstream>

#include <fmt/format.h>

#include "hls/gen/hlsgen.h"
#include "host/common/cache.h"
#include "host/common/embed.h"
#include "host/common/error.h"
#include "host/common/hash.h"
#include "host/common/shell.h"

namespace dcoc::hls {

std::span<const EmbeddedFile> CsimSources();  // hls/csim's entry and ABI (embedded by cmake)

namespace {

namespace fs = std::filesystem;

using EntryFn = const DcocHlsKernel* (*)();

void BuildKernel(const spec::Spec& s, const fs::path& dest) {
  const fs::path tmp = dest.string() + fmt::format(".tmp{}", ::getpid());
  fs::remove_all(tmp);
  (void)Generate(s, tmp / "src", "");
  (void)WriteEmbedded(CsimSources(), tmp / "src");
  {
    std::ofstream out(tmp / "src" / "entry.cpp");
    out << "#define DCOC_HLS_NS vta_hls_od\n#define DCOC_HLS_ENTRY dcoc_hls_kernel_entry\n#include \"kernel_entry.inc\"\n";
  }
  RunOrThrow(fmt::format("{} -std=c++20 -O2 -fPIC -shared -w -I'{}' '{}' -o '{}'", DCOC_CXX, (tmp / "src").string(),
                         (tmp / "src" / "entry.cpp").string(), (tmp / "libvta_hls.so").string()),
             tmp / "build.log", fmt::format("compiling the HLS kernel of configuration {}", s.tag));
  std::error_code ec;
  fs::rename(tmp, dest, ec);
  if (ec && !fs::exists(dest / "libvta_hls.so"))
    throw Error(fmt::format("cannot move kernel {} into the cache at {}: {}", tmp.string(), dest.string(), ec.message()));
  if (ec) fs::remove_all(tmp);  // another process built the same kernel first
}

}  // namespace

fs::path KernelCachePath(const spec::Spec& s, const KernelOptions& o) {
  // Keyed by everything the build reads: the configuration header and the embedded sources.
  const std::string header = ConfigHeader(s);
  const EmbeddedFile config{"vta_config.h", header};
  Fnv1a64 h;
  h.Update(EmbeddedHash(std::span(&config, 1)));
  h.Update(EmbeddedHash(KernelSources()));
  h.Update(EmbeddedHash(CsimSources()));
  const fs::path root = o.cache_dir.empty() ? DefaultCacheDir() : o.cache_dir;
  return root / "hls" / fmt::format("{}-k{:016x}", s.tag, h.Digest());
}

const DcocHlsKernel* FindKernel(const spec::Spec& s, const KernelOptions& o) {
  for (const PrebuiltKernel& k : PrebuiltKernels())
    if (k.tag == s.tag) return k.entry();
  const fs::path dir = KernelCachePath(s, o);
  const fs::path lib = dir / "libvta_hls.so";
  if (!fs::exists(lib)) {
    if (!o.allow_build)
      throw ConfigError(fmt::format("no HLS kernel for configuration {} (not prebuilt, not in the cache at {}) and "
                                    "building on demand is off",
                                    s.tag, dir.string()));
    fs::create_directories(dir.parent_path());
    BuildKernel(s, dir);
  }
  const DcocHlsKernel* k = reinterpret_cast<EntryFn>(LoadSymbol(lib, "dcoc_hls_kernel_entry"))();
  if (s.tag != k->tag)
    throw ConfigError(fmt::format("the HLS kernel at {} implements configuration {}, not {}", lib.string(), k->tag, s.tag));
  return k;
}

}  // namespace dcoc::hls
