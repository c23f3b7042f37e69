// The RTL generator: writes a configuration's SystemVerilog package (every width, depth and field
// offset, the instruction formats as packed structs, the register map), its top module and a filelist.
// The hand-written modules in rtl/sv/ are parameterized by that package only.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "host/spec/hw_config.h"

namespace dcoc::rtl {

// The directory of the hand-written modules (rtl/sv in the source tree).
std::filesystem::path RtlSourceDir();
// The hand-written module files, in compile order (relative to RtlSourceDir()).
const std::vector<std::string>& RtlSourceFiles();
// The files the modules `include (rtl/sv/vta_assert.svh), relative to RtlSourceDir().
const std::vector<std::string>& RtlIncludeFiles();
// FNV-1a over the names and contents of the hand-written sources and includes: part of every model
// cache key.
std::string RtlSourcesHash();
// FNV-1a over the generated package and top and the hand-written sources: names the exact design of a
// configuration (synthesis caches; a generator change alone changes it).
std::string DesignHash(const spec::Spec& s);

std::string PackageSv(const spec::Spec& s);
std::string TopSv(const spec::Spec& s);

struct Generated {
  std::filesystem::path dir;
  std::filesystem::path package, top, filelist;
  std::vector<std::filesystem::path> sources;  // compile order: package, modules, top
};
// Writes vta_pkg.sv, vta_top.sv and vta.f (absolute paths) into `dir`. Throws ConfigError for a
// configuration the RTL cannot build (e.g. a buffer of a single row) and Error on I/O failure.
Generated Generate(const spec::Spec& s, const std::filesystem::path& dir);

}  // namespace dcoc::rtl
