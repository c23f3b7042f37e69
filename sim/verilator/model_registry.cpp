// Finds the verilated model for a configuration: prebuilt, cached, or built on demand.
#include <unistd.h>

#include <fstream>

#include <fmt/format.h>

#include "host/common/cache.h"
#include "host/common/error.h"
#include "host/common/shell.h"
#include "host/spec/program.h"
#include "rtl/gen/rtlgen.h"
#include "sim/verilator/vta_model.h"

namespace dcoc::sim {

namespace {

namespace fs = std::filesystem;

using CreateFn = VtaModel* (*)();

std::unique_ptr<VtaModel> LoadModel(const fs::path& lib) {
  return std::unique_ptr<VtaModel>(reinterpret_cast<CreateFn>(LoadSymbol(lib, "dcoc_create_vta_model"))());
}

void BuildModel(const spec::Spec& s, const ModelOptions& o, const fs::path& dest) {
  const fs::path tmp = dest.string() + fmt::format(".tmp{}", ::getpid());
  fs::remove_all(tmp);
  fs::create_directories(tmp);
  const fs::path log = tmp / "build.log";
  const rtl::Generated g = rtl::Generate(s, tmp / "src");
  const fs::path adapter = tmp / "src" / "model.cpp";
  {
    std::ofstream out(adapter);
    out << "#include \"Vvta_od.h\"\n#include \"sim/verilator/vta_model_adapter.h\"\n"
           "extern \"C\" dcoc::sim::VtaModel* dcoc_create_vta_model() {\n"
           "  return new dcoc::sim::detail::VtaModelImpl<Vvta_od>();\n}\n";
  }
  const std::string obj = (tmp / "obj").string();
  RunOrThrow(fmt::format("OBJCACHE=$(command -v ccache) {} {} --threads {} --build -j {} --prefix Vvta_od --Mdir '{}' "
                         "-MAKEFLAGS OPT_FAST=-O3 -MAKEFLAGS OPT_SLOW=-O1 -MAKEFLAGS OPT_GLOBAL=-O1 -CFLAGS -fPIC "
                         "'{}' -f '{}'",
                         DCOC_VERILATOR_EXE, DCOC_VERILATOR_FLAGS, o.threads, o.build_jobs, obj,
                         (rtl::RtlSourceDir() / "vta.vlt").string(), g.filelist.string()),
             log, fmt::format("verilating configuration {}", s.tag));
  // The shared library carries its own copy of the Verilator runtime (bound locally with -Bsymbolic).
  const std::string inc = std::string(DCOC_VERILATOR_ROOT) + "/include";
  RunOrThrow(fmt::format("{} -std=c++20 -O2 -fPIC -shared -w -I'{}' -I'{}' -I'{}' -I'{}/vltstd' "
                         "-DVM_TRACE=1 -DVM_TRACE_FST=1 -DVM_TRACE_VCD=0 -DVM_COVERAGE=0 -DVM_SC=0 '{}' "
                         "'{}/verilated.cpp' '{}/verilated_fst_c.cpp' '{}/verilated_threads.cpp' "
                         "-Wl,--whole-archive '{}/Vvta_od__ALL.a' -Wl,--no-whole-archive "
                         "-Wl,-Bsymbolic -lz -pthread -o '{}'",
                         DCOC_CXX, DCOC_SOURCE_ROOT, obj, inc, inc, adapter.string(), inc, inc, inc, obj,
                         (tmp / "libvta_model.so").string()),
             log, fmt::format("linking the model of configuration {}", s.tag));
  std::error_code ec;
  fs::rename(tmp, dest, ec);
  if (ec && !fs::exists(dest / "libvta_model.so"))
    throw Error(fmt::format("cannot move model {} into the cache at {}: {}", tmp.string(), dest.string(), ec.message()));
  if (ec) fs::remove_all(tmp);  // another process finished the same model first
}

}  // namespace

fs::path ModelCachePath(const spec::Spec& s, const ModelOptions& o) {
  const fs::path root = o.cache_dir.empty() ? DefaultCacheDir() : o.cache_dir;
  return root / "vmodels" /
         fmt::format("{}-h{:016x}-rtl{}-t{}", s.tag, s.config_hash, rtl::RtlSourcesHash(), o.threads);
}

bool HaveVtaModel(const spec::Spec& s, const ModelOptions& o) {
  if (o.threads == 1)
    for (const PrebuiltModel& m : PrebuiltModels())
      if (m.tag == s.tag) return true;
  return fs::exists(ModelCachePath(s, o) / "libvta_model.so");
}

void BuildVtaModel(const spec::Spec& s, const ModelOptions& o) {
  if (HaveVtaModel(s, o)) return;
  const fs::path dir = ModelCachePath(s, o);
  fs::create_directories(dir.parent_path());
  BuildModel(s, o, dir);
}

std::unique_ptr<VtaModel> CreateVtaModel(const spec::Spec& s, const ModelOptions& o) {
  if (o.threads < 1 || o.threads > 64) throw UsageError(fmt::format("Verilator threads = {} is out of range [1, 64]", o.threads));
  if (o.threads == 1)
    for (const PrebuiltModel& m : PrebuiltModels())
      if (m.tag == s.tag) return m.make();
  const fs::path dir = ModelCachePath(s, o);
  const fs::path lib = dir / "libvta_model.so";
  if (!fs::exists(lib)) {
    if (!o.allow_build)
      throw ConfigError(fmt::format("no verilated model for configuration {} (not prebuilt, not in the cache at {}) and "
                                    "building on demand is off",
                                    s.tag, dir.string()));
    fs::create_directories(dir.parent_path());
    BuildModel(s, o, dir);
  }
  return LoadModel(lib);
}

}  // namespace dcoc::sim
