// Running build tools and loading what they built (on-demand verilated models, HLS kernels).
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace dcoc {

// Runs `cmd` through the shell with its output appended to `log`; throws Error naming `what` with the
// log's tail when it fails.
void RunOrThrow(const std::string& cmd, const std::filesystem::path& log, std::string_view what);

// Opens the shared library `lib` (it stays loaded for the life of the process) and returns `symbol`;
// throws Error naming both when either is missing.
void* LoadSymbol(const std::filesystem::path& lib, const char* symbol);

}  // namespace dcoc
