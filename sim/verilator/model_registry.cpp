// Finds the verilated model for a configuration: prebuilt, cached, or built on demand.
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <set>
#include <string_view>

#include <fmt/format.h>

#include "host/common/cache.h"
#include "host/common/embed.h"
#include "host/common/error.h"
#include "host/common/hash.h"
#include "host/common/shell.h"
#include "host/spec/program.h"
#include "rtl/gen/rtlgen.h"
#include "sim/verilator/vta_model.h"

namespace dcoc::sim {

// vta_pins.h, vta_model_adapter.h and the assertion sink (cmake embeds them).
std::span<const EmbeddedFile> AdapterHeaders();

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
        << fmt::format("  return new dcoc::sim::detail::VtaModelImpl<Vvta_od>({});\n}}\n", o.assertions);
  }
  const std::string obj = (tmp / "obj").string();
  const fs::path include = tmp / "include";
  (void)WriteEmbedded(AdapterHeaders(), include);
  RunOrThrow(fmt::format("OBJCACHE=$(command -v ccache) {} {} {} --threads {} --build -j {} --prefix Vvta_od --Mdir '{}' "
                         "-MAKEFLAGS OPT_FAST=-O3 -MAKEFLAGS OPT_SLOW=-O1 -MAKEFLAGS OPT_GLOBAL=-O1 -CFLAGS -fPIC "
                         "-F '{}'",
                         DCOC_VERILATOR_EXE, DCOC_VERILATOR_FLAGS, o.assertions ? "--assert" : "--noassert", o.threads,
                         o.build_jobs, obj, g.filelist.string()),
             log, fmt::format("verilating configuration {}", s.tag));
  // The shared library carries its own copy of the Verilator runtime (bound locally with -Bsymbolic).
  const std::string inc = std::string(DCOC_VERILATOR_ROOT) + "/include";
  RunOrThrow(fmt::format("{} -std=c++20 -O2 -fPIC -shared -w -I'{}' -I'{}' -I'{}' -I'{}/vltstd' "
                         "-DVM_TRACE=1 -DVM_TRACE_FST=1 -DVM_TRACE_VCD=0 -DVM_COVERAGE=0 -DVM_SC=0 '{}' "
                         "'{}/sim/verilator/assert_sink.cpp' "
                         "'{}/verilated.cpp' '{}/verilated_fst_c.cpp' '{}/verilated_threads.cpp' '{}/verilated_dpi.cpp' "
                         "-Wl,--whole-archive '{}/Vvta_od__ALL.a' -Wl,--no-whole-archive "
                         "-Wl,-Bsymbolic -lz -pthread -o '{}'",
                         DCOC_CXX, include.string(), obj, inc, inc, adapter.string(), include.string(), inc, inc, inc,
                         inc, obj,
                         (tmp / "libvta_model.so").string()),
             log, fmt::format("linking the model of configuration {}", s.tag));
  std::error_code ec;
  fs::rename(tmp, dest, ec);
  if (ec && !fs::exists(dest / "libvta_model.so"))
    throw Error(fmt::format("cannot move model {} into the cache at {}: {}", tmp.string(), dest.string(), ec.message()));
  if (ec) fs::remove_all(tmp);  // another process finished the same model first
}

// What an on-demand model is built with besides the RTL: the Verilator and C++ flags and the C++ that
// wraps it (adapter, assertion sink). A change to any of them must not load a model built before it.
const std::string& HarnessHash() {
  static const std::string kHash = [] {
    Fnv1a64 h;
    h.Update(std::string_view(DCOC_VERILATOR_FLAGS));
    h.Update(EmbeddedHash(AdapterHeaders()));
    return h.HexDigest().substr(0, 8);
  }();
  return kHash;
}

}  // namespace

fs::path ModelCachePath(const spec::Spec& s, const ModelOptions& o) {
  const fs::path root = o.cache_dir.empty() ? DefaultCacheDir() : o.cache_dir;
  return root / "vmodels" /
         fmt::format("{}-h{:016x}-rtl{}-w{}-t{}{}", s.tag, s.config_hash, rtl::RtlSourcesHash(), HarnessHash(),
                     o.threads, o.assertions ? "-assert" : "");
}

bool ModelOptions::DefaultAssertions() {
  const char* e = std::getenv("DCOC_RTL_ASSERTIONS");
  return !(e && std::string_view(e) == "0");
}

namespace {
// The prebuilt model for `s`: with assertions when they are wanted; without them when they are not
// (else the checking model, its assertions switched off).
const PrebuiltModel* FindPrebuilt(const spec::Spec& s, const ModelOptions& o) {
  if (o.threads != 1) return nullptr;
  const PrebuiltModel* any = nullptr;
  for (const PrebuiltModel& m : PrebuiltModels()) {
    if (m.tag != s.tag) continue;
    if (m.assertions == o.assertions) return &m;
    if (m.assertions) any = &m;
  }
  // Without assertions: a cached fast model beats switching the checking model's assertions off.
  if (any && !o.assertions && fs::exists(ModelCachePath(s, o) / "libvta_model.so")) return nullptr;
  return any;
}
}  // namespace

std::vector<std::string> ReadyModelTags(const ModelOptions& o) {
  std::set<std::string> tags;
  if (o.threads == 1)
    for (const PrebuiltModel& m : PrebuiltModels()) tags.insert(m.tag);
  const fs::path root = (o.cache_dir.empty() ? DefaultCacheDir() : o.cache_dir) / "vmodels";
  const std::string suffix =
      fmt::format("-rtl{}-w{}-t{}{}", rtl::RtlSourcesHash(), HarnessHash(), o.threads, o.assertions ? "-assert" : "");
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(root, ec)) {
    const std::string n = e.path().filename().string();
    const size_t h = n.rfind("-h");
    if (n.size() <= suffix.size() || n.compare(n.size() - suffix.size(), suffix.size(), suffix) != 0 ||
        h == std::string::npos || !fs::exists(e.path() / "libvta_model.so"))
      continue;
    tags.insert(n.substr(0, h));
  }
  return {tags.begin(), tags.end()};
}

bool HaveVtaModel(const spec::Spec& s, const ModelOptions& o) {
  return FindPrebuilt(s, o) != nullptr || fs::exists(ModelCachePath(s, o) / "libvta_model.so");
}

void BuildVtaModel(const spec::Spec& s, const ModelOptions& o) {
  if (HaveVtaModel(s, o)) return;
  const fs::path dir = ModelCachePath(s, o);
  fs::create_directories(dir.parent_path());
  BuildModel(s, o, dir);
}

std::unique_ptr<VtaModel> CreateVtaModel(const spec::Spec& s, const ModelOptions& o) {
  if (o.threads < 1 || o.threads > 64) throw UsageError(fmt::format("Verilator threads = {} is out of range [1, 64]", o.threads));
  if (const PrebuiltModel* m = FindPrebuilt(s, o)) {
    std::unique_ptr<VtaModel> model = m->make();
    model->SetAssertions(o.assertions);
    return model;
  }
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
  std::unique_ptr<VtaModel> model = LoadModel(lib);
  model->SetAssertions(o.assertions);
  return model;
}

}  // namespace dcoc::sim
