// Build-time helper: writes vta_config.h of a preset into a directory (cmake's prebuilt HLS kernels).
#include <cstdio>
#include <exception>
#include <filesystem>
#include <fstream>
#include <vector>

#include "hls/gen/hlsgen.h"
#include "host/spec/program.h"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s <preset|tag|config.json> <output dir>\n", argv[0]);
    return 2;
  }
  try {
    const dcoc::spec::Spec s = dcoc::spec::Spec::Create(dcoc::spec::LoadConfig(argv[1]));
    std::filesystem::create_directories(argv[2]);
    const std::filesystem::path out = std::filesystem::path(argv[2]) / "vta_config.h";
    const std::string text = dcoc::hls::ConfigHeader(s);
    // Rewritten only when it changes, so the kernels recompile only when the configuration's header does.
    const bool same = std::filesystem::exists(out) && dcoc::spec::ReadFile(out) == std::vector<uint8_t>(text.begin(), text.end());
    if (!same) std::ofstream(out, std::ios::binary) << text;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  return 0;
}
