// dcoc_rtlgen_tool <preset|tag|file> <outdir>: writes the configuration's vta_pkg.sv, vta_top.sv and
// vta.f. Used by the build to prepare the prebuilt Verilator models (the `dcoc rtl gen` command does
// the same for users).
#include <cstdio>
#include <exception>
#include <string_view>

#include <fmt/format.h>

#include "host/common/error.h"
#include "host/spec/regmap.h"
#include "rtl/gen/rtlgen.h"

int main(int argc, char** argv) {
  if (argc == 2 && std::string_view(argv[1]) == "--regdoc") {
    fmt::print("{}", dcoc::spec::RegistersMarkdown());
    return 0;
  }
  if (argc != 3) {
    fmt::print(stderr, "usage: dcoc_rtlgen_tool <preset|tag|config.json> <outdir> | --regdoc\n");
    return 2;
  }
  try {
    const auto spec = dcoc::spec::Spec::Create(dcoc::spec::LoadConfig(argv[1]));
    dcoc::rtl::Generate(spec, argv[2]);
  } catch (const dcoc::Error& e) {
    fmt::print(stderr, "error: {}\n", e.what());
    return 1;
  }
  return 0;
}
