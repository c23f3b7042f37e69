// The RTL generator: writes a configuration's SystemVerilog package (every width, depth and field
// offset, the instruction formats as packed structs, the register map), its top module and a filelist.
// The hand-written modules in rtl/sv/ are parameterized by that package only.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "host/common/embed.h"
#include "host/spec/hw_config.h"

namespace dcoc::rtl {

// The hand-written modules (rtl/sv) and their lint waivers (vta.vlt), compiled into dcoc so that
// generating a configuration never reads the checkout.
std::span<const EmbeddedFile> EmbeddedSources();
// The hand-written module files, in compile order (names of EmbeddedSources()).
const std::vector<std::string>& RtlSourceFiles();
// The files the modules `include (vta_assert.svh), names of EmbeddedSources(); Generate writes them
// beside the modules.
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
  std::filesystem::path package, top, filelist, waivers;
  std::vector<std::filesystem::path> sources;  // compile order: package, modules, top
};
// Writes a self-contained directory: vta_pkg.sv, vta_top.sv, a copy of every hand-written module, the
// lint waivers vta.vlt, and vta.f listing them all by names relative to the directory (verilator -F
// DIR/vta.f from anywhere; -f vta.f inside DIR). Nothing in it refers to the checkout. Throws
// ConfigError for a configuration the RTL cannot build (e.g. a buffer of a single row) and Error on
// I/O failure.
Generated Generate(const spec::Spec& s, const std::filesystem::path& dir);

}  // namespace dcoc::rtl
