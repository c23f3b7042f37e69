#include "host/common/embed.h"

#include <fstream>

#include <fmt/format.h>

#include "host/common/error.h"
#include "host/common/hash.h"

namespace dcoc {

const EmbeddedFile& FindEmbedded(std::span<const EmbeddedFile> files, std::string_view path) {
  for (const EmbeddedFile& f : files)
    if (f.path == path) return f;
  throw Error(fmt::format("internal error: no embedded file {}", path));
}

std::vector<std::filesystem::path> WriteEmbedded(std::span<const EmbeddedFile> files, const std::filesystem::path& dir) {
  std::vector<std::filesystem::path> out;
  for (const EmbeddedFile& f : files) {
    const std::filesystem::path p = dir / f.path;
    std::error_code ec;
    std::filesystem::create_directories(p.parent_path(), ec);
    std::ofstream os(p, std::ios::binary);
    os.write(f.text.data(), std::streamsize(f.text.size()));
    if (!os) throw Error(fmt::format("cannot write {}", p.string()));
    out.push_back(p);
  }
  return out;
}

std::string EmbeddedHash(std::span<const EmbeddedFile> files) {
  Fnv1a64 h;
  for (const EmbeddedFile& f : files) {
    h.Update(f.path);
    h.Update(std::string_view("\0", 1));
    h.Update(f.text);
  }
  return h.HexDigest();
}

}  // namespace dcoc
