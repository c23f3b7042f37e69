// The HLS kernel's configuration header, generated from the spec library: every width, depth and
// instruction field position the kernel (hls/kernel) uses, for one configuration.
#pragma once

#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "host/common/embed.h"
#include "host/spec/hw_config.h"

namespace dcoc::hls {

// vta_config.h for `s`: constexpr constants (kBatch, kInpRowBits, kMemSramBaseLsb, ...).
std::string ConfigHeader(const spec::Spec& s);

// The kernel sources (hls/kernel), compiled into dcoc.
std::span<const EmbeddedFile> KernelSources();

struct Generated {
  std::filesystem::path dir;
  std::vector<std::filesystem::path> files;  // every file written, the kernel sources included
};
// vitis_hls.tcl: synthesizes each process top (vta_top.cpp) for `part` at the configuration's clock.
std::string VitisScript(const spec::Spec& s, const std::string& part);

// Writes a self-contained kernel directory: vta_config.h, the kernel sources (vta_kernel.h/.cpp,
// vta_top.cpp, hls_types.h, kernel_status.h, csim_types.h, csim_port.h) and vitis_hls.tcl. Nothing in
// it refers to the dcoc checkout. Throws Error on I/O failure.
Generated Generate(const spec::Spec& s, const std::filesystem::path& dir, const std::string& part = "xc7z020clg400-1");

}  // namespace dcoc::hls
