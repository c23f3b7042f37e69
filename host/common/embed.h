// Source files compiled into the binary (cmake/Embed.cmake), so that what dcoc generates or builds at
// run time (RTL directories, HLS kernels, on-demand simulation models) never reads the checkout it was
// built from: the binary can move to another machine.
#pragma once

#include <filesystem>
#include <span>
#include <string_view>
#include <vector>

namespace dcoc {

struct EmbeddedFile {
  std::string_view path;  // relative to the embedded set's base directory
  std::string_view text;
};

// The file of `files` at `path`; throws Error naming the path when it is not there.
const EmbeddedFile& FindEmbedded(std::span<const EmbeddedFile> files, std::string_view path);
// Writes every file under `dir` (creating directories) and returns the paths written.
std::vector<std::filesystem::path> WriteEmbedded(std::span<const EmbeddedFile> files, const std::filesystem::path& dir);
// FNV-1a over the paths and contents: part of the cache key of anything built from the files.
std::string EmbeddedHash(std::span<const EmbeddedFile> files);

}  // namespace dcoc
