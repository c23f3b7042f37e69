#include "host/measure/autotvm_log.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <ctime>
#include <istream>
#include <numeric>
#include <regex>

#include "host/common/error.h"
#include "host/compiler/check.h"
#include "host/compiler/workloads.h"

namespace dcoc::measure {

namespace {

std::vector<int> Divisors(int n) {
  std::vector<int> d;
  for (int i = 1; i <= n; ++i)
    if (n % i == 0) d.push_back(i);
  return d;
}

// The extents AutoTVM splits, in the template's knob order (tile_b, tile_h, tile_w, tile_ci, tile_co).
struct Extents {
  int b, h, w, ci, co;
};
Extents ExtentsOf(const compiler::ConvLayer& l, const spec::Spec& s) {
  return {l.n / s.batch, l.OutH(), l.OutW(), l.c / s.block_in, l.k / s.block_out};
}

// AutoTVM's MeasureErrorNo.
enum ErrorNo { kNoError = 0, kInstantiation = 1, kCompileHost = 2, kCompileDevice = 3, kRuntimeDevice = 4,
               kWrongAnswer = 5, kBuildTimeout = 6, kRunTimeout = 7, kUnknown = 8 };

int ErrorNoOf(Status s) {
  switch (s) {
    case Status::kOk:
      return kNoError;
    case Status::kInvalidSchedule:
      return kInstantiation;
    case Status::kCompileError:
      return kCompileDevice;
    case Status::kRuntimeError:
      return kRuntimeDevice;
    case Status::kWrongAnswer:
      return kWrongAnswer;
    case Status::kTimeout:
    case Status::kCycleBound:  // stopped at a limit: AutoTVM has no lower bounds
      return kRunTimeout;
    case Status::kWorkerCrash:
      return kUnknown;
  }
  return kUnknown;
}

Status StatusOf(int error_no) {
  switch (error_no) {
    case kNoError:
      return Status::kOk;
    case kInstantiation:
      return Status::kInvalidSchedule;
    case kCompileHost:
    case kCompileDevice:
      return Status::kCompileError;
    case kWrongAnswer:
      return Status::kWrongAnswer;
    case kBuildTimeout:
    case kRunTimeout:
      return Status::kTimeout;
    default:
      return Status::kRuntimeError;
  }
}

double UnixTime(const std::string& iso) {
  std::tm tm{};
  if (!strptime(iso.c_str(), "%Y-%m-%dT%H:%M:%SZ", &tm)) return 0;
  return double(timegm(&tm));
}

std::string IsoTime(double unix_seconds) {
  const std::time_t t = std::time_t(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string Dtype(int bits) { return fmt::format("int{}", bits); }

}  // namespace

std::string AutoTvmUnrepresentable(const Measurement& m, const compiler::ConvLayer& l, const spec::HwConfig& c) {
  const spec::Spec s = spec::Spec::Create(c);
  if (l.kind != compiler::ConvKind::kConv2d)
    return fmt::format("a {} layer is not a conv2d_packed.vta workload", compiler::Name(l.kind));
  if (l.n % s.batch || l.c % s.block_in || l.k % s.block_out)
    return fmt::format("N = {}, C = {}, K = {} are not whole blocks of BATCH {}, BLOCK_IN {}, BLOCK_OUT {} (the "
                       "packed tensors need them)",
                       l.n, l.c, l.k, s.batch, s.block_in, s.block_out);
  const compiler::Schedule sc = compiler::Normalize(l, m.schedule);
  if (sc.tile_kh != l.r || sc.tile_kw != l.s)
    return fmt::format("tile_kh = {}, tile_kw = {} split the {}x{} kernel (the template loads whole kernels)",
                       sc.tile_kh, sc.tile_kw, l.r, l.s);
  if (sc.gemm_loop != compiler::GemmLoop::kSpatial) return "gemm_loop = reduction (the template has the spatial form)";
  if (sc.loop_order != compiler::LoopOrder::kOcOuter) return "loop_order = spatial_outer (the template has one order)";
  if (sc.gather) return "gather = true (the template loads whole input rows)";
  const Extents e = ExtentsOf(l, s);
  const std::pair<const char*, std::pair<int, int>> splits[] = {{"tile_b", {sc.tile_b, e.b}},
                                                                 {"tile_h", {sc.tile_h, e.h}},
                                                                 {"tile_w", {sc.tile_w, e.w}},
                                                                 {"tile_ci", {sc.tile_ci, e.ci}},
                                                                 {"tile_co", {sc.tile_co, e.co}}};
  for (const auto& [name, v] : splits)
    if (v.first < 1 || v.second % v.first)
      return fmt::format("{} = {} does not divide its extent {}", name, v.first, v.second);
  if ((sc.h_nthread != 1 && sc.h_nthread != 2) || (sc.oc_nthread != 1 && sc.oc_nthread != 2))
    return "virtual threads other than 1 or 2";
  return "";
}

std::string AutoTvmLine(const Measurement& m, const compiler::ConvLayer& l, const spec::HwConfig& c) {
  if (std::string why = AutoTvmUnrepresentable(m, l, c); !why.empty())
    throw UsageError(fmt::format("record of {} cannot be written as a {} record: {}", m.layer, kAutoTvmTemplate, why));
  const spec::Spec s = spec::Spec::Create(c);
  const compiler::Schedule sc = compiler::Normalize(l, m.schedule);
  const Extents e = ExtentsOf(l, s);
  nlohmann::ordered_json args = nlohmann::ordered_json::array();
  args.push_back({"TENSOR", {l.n / s.batch, l.c / s.block_in, l.h, l.w, s.batch, s.block_in}, Dtype(s.inp_bits)});
  args.push_back(
      {"TENSOR", {l.k / s.block_out, l.c / s.block_in, l.r, l.s, s.block_out, s.block_in}, Dtype(s.wgt_bits)});
  args.push_back({l.stride_h, l.stride_w});
  args.push_back({l.pad_h, l.pad_w, l.pad_h, l.pad_w});
  args.push_back({1, 1});
  args.push_back(fmt::format("NCHW{}n{}c", s.batch, s.block_in));
  args.push_back(Dtype(s.acc_bits));
  // Index in the template's space: the first knob varies fastest; splits list inner factors ascending.
  uint64_t index = 0, radix = 1;
  nlohmann::ordered_json entity = nlohmann::ordered_json::array();
  auto split = [&](const char* name, int inner, int extent) {
    const std::vector<int> f = Divisors(extent);
    index += radix * uint64_t(std::find(f.begin(), f.end(), inner) - f.begin());
    radix *= f.size();
    entity.push_back({name, "sp", {-1, inner}});
  };
  split("tile_b", sc.tile_b, e.b);
  split("tile_h", sc.tile_h, e.h);
  split("tile_w", sc.tile_w, e.w);
  split("tile_ci", sc.tile_ci, e.ci);
  split("tile_co", sc.tile_co, e.co);
  auto knob = [&](const char* name, int v) {
    index += radix * uint64_t(v - 1);
    radix *= 2;
    entity.push_back({name, "ot", v});
  };
  knob("oc_nthread", sc.oc_nthread);
  knob("h_nthread", sc.h_nthread);

  nlohmann::ordered_json j;
  j["input"] = {fmt::format("ext_dev -keys=vta,cpu -device=vta -model=sim_{}", s.tag), kAutoTvmTemplate, args,
                nlohmann::ordered_json::object()};
  j["config"] = {{"index", index}, {"code_hash", nullptr}, {"entity", entity}};
  const bool ok = m.status == Status::kOk;
  j["result"] = {ok ? nlohmann::ordered_json::array({m.seconds > 0 ? m.seconds : m.estimate_cycles / s.ClockHz()})
                    : nlohmann::ordered_json::array({1e9}),
                 ErrorNoOf(m.status), m.wall.total, UnixTime(m.timestamp)};
  j["version"] = 0.2;
  j["tvm_version"] = "0.8.0";
  nlohmann::ordered_json d;
  d["backend"] = m.backend;
  d["status"] = Name(m.status);
  d["cycles"] = m.cycles;
  d["max_cycles"] = m.max_cycles;
  d["estimate_cycles"] = m.estimate_cycles;
  d["rtl_hash"] = m.rtl_hash;
  d["config"] = spec::ConfigToJson(c);
  d["layer"] = compiler::ToJson(l);
  d["error"] = m.error;
  d["version"] = m.version;
  j["dcoc"] = d;
  return j.dump();
}

ImportedRecord ParseAutoTvmLine(const std::string& text, const std::string& fallback_config) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    throw FormatError(fmt::format("not JSON: {}", e.what()));
  }
  if (!j.is_object()) throw FormatError("a record must be a JSON object");
  if (j.contains("v")) throw FormatError(fmt::format("AutoTVM log version {} is not supported (only 0.2)", j["v"].dump()));
  if (!j.contains("version") || !j["version"].is_number() || std::abs(j["version"].get<double>() - 0.2) > 1e-9)
    throw FormatError(fmt::format("log version {} is not 0.2", j.contains("version") ? j["version"].dump() : "missing"));
  try {
    const nlohmann::json& in = j.at("input");
    if (!in.is_array() || in.size() != 4) throw FormatError("\"input\" must be [target, task, args, kwargs]");
    const std::string target = in[0].get<std::string>(), task = in[1].get<std::string>();
    if (task != kAutoTvmTemplate)
      throw UsageError(fmt::format("task {} is not {} (dcoc imports VTA's packed conv2d template only)", task,
                                   kAutoTvmTemplate));
    const nlohmann::json& a = in[2];
    if (!a.is_array() || a.size() != 7)
      throw FormatError(fmt::format("{} takes 7 arguments (data, kernel, strides, padding, dilation, layout, "
                                    "out_dtype), got {}",
                                    kAutoTvmTemplate, a.is_array() ? a.size() : 0));
    auto tensor = [&](size_t i, const char* what) {
      if (!a[i].is_array() || a[i].size() != 3 || a[i][0] != "TENSOR" || !a[i][1].is_array() || a[i][1].size() != 6)
        throw FormatError(fmt::format("argument {} ({}) must be [\"TENSOR\", 6-d shape, dtype]", i, what));
      return std::make_pair(a[i][1].get<std::vector<int>>(), a[i][2].get<std::string>());
    };
    const auto [dshape, ddtype] = tensor(0, "packed NCHWnc data");
    const auto [kshape, kdtype] = tensor(1, "packed OIHWoi kernel");
    const auto strides = a[2].get<std::vector<int>>(), padding = a[3].get<std::vector<int>>(),
               dilation = a[4].get<std::vector<int>>();
    const std::string layout = a[5].get<std::string>();
    if (strides.size() != 2) throw FormatError("strides must be [h, w]");
    if (dilation != std::vector<int>{1, 1})
      throw UsageError(fmt::format("dilation {} is not supported (dcoc's conv2d has no dilation)", a[4].dump()));
    int pad_h = 0, pad_w = 0;
    if (padding.size() == 2) {
      pad_h = padding[0], pad_w = padding[1];
    } else if (padding.size() == 4) {
      if (padding[0] != padding[2] || padding[1] != padding[3])
        throw UsageError(fmt::format("asymmetric padding {} is not supported", a[3].dump()));
      pad_h = padding[0], pad_w = padding[1];
    } else {
      throw FormatError(fmt::format("padding {} must have 2 or 4 values", a[3].dump()));
    }

    // The hardware configuration: dcoc's own key, the target's -model, or the caller's.
    ImportedRecord r;
    const nlohmann::json* dk = j.contains("dcoc") && j["dcoc"].is_object() ? &j["dcoc"] : nullptr;
    std::string from;
    if (dk && dk->contains("config")) {
      r.config = spec::ConfigFromJson((*dk)["config"]);
      from = "its dcoc key";
    } else {
      static const std::regex kModel(R"(-model=(?:[A-Za-z0-9]+_)?(\d+x\d+(?:x\d+)?_i\d+w\d+a\d+_\d+_\d+_\d+_\d+(?:_bus\d+)?(?:_dq\d+)?))");
      std::smatch mm;
      if (std::regex_search(target, mm, kModel)) {
        r.config = spec::ConfigFromTag(mm[1].str());
        from = "the target's -model";
      } else if (!fallback_config.empty()) {
        r.config = spec::LoadConfig(fallback_config);
        from = "--config";
      } else {
        throw UsageError(fmt::format("target \"{}\" names no VTA configuration (-model=<target>_<tag>); give --config",
                                     target));
      }
    }
    spec::Validate(r.config);
    const spec::Spec s = spec::Spec::Create(r.config);
    if (dshape[4] != s.batch || dshape[5] != s.block_in || kshape[4] != s.block_out || kshape[5] != s.block_in)
      throw UsageError(fmt::format("packed shapes {} and {} do not match configuration {} from {} (BATCH {}, "
                                   "BLOCK_IN {}, BLOCK_OUT {})",
                                   a[0][1].dump(), a[1][1].dump(), s.tag, from, s.batch, s.block_in, s.block_out));
    if (kshape[1] != dshape[1]) throw UsageError("the kernel's input-channel blocks differ from the data's");
    if (layout != fmt::format("NCHW{}n{}c", s.batch, s.block_in))
      throw UsageError(fmt::format("layout {} is not NCHW{}n{}c", layout, s.batch, s.block_in));
    if (ddtype != Dtype(s.inp_bits) || kdtype != Dtype(s.wgt_bits))
      throw UsageError(fmt::format("dtypes {} / {} differ from the configuration's {} / {}", ddtype, kdtype,
                                   Dtype(s.inp_bits), Dtype(s.wgt_bits)));

    compiler::ConvLayer l;
    if (dk && dk->contains("layer")) {
      l = compiler::LayerFromJson((*dk)["layer"]);
    } else {
      l.kind = compiler::ConvKind::kConv2d;
      l.n = dshape[0] * dshape[4], l.c = dshape[1] * dshape[5], l.h = dshape[2], l.w = dshape[3];
      l.k = kshape[0] * kshape[4], l.r = kshape[2], l.s = kshape[3];
      l.stride_h = strides[0], l.stride_w = strides[1], l.pad_h = pad_h, l.pad_w = pad_w;
      l.name = "autotvm";
      for (const compiler::ConvLayer& z : compiler::BuiltinLayers())
        if (z.kind == l.kind && z.n == l.n && z.c == l.c && z.h == l.h && z.w == l.w && z.k == l.k && z.r == l.r &&
            z.s == l.s && z.stride_h == l.stride_h && z.stride_w == l.stride_w && z.pad_h == l.pad_h &&
            z.pad_w == l.pad_w) {
          l.name = z.name;
          break;
        }
      l.Validate();
      l.epilogue = compiler::DefaultEpilogue(l, s.out_bits);
    }
    if (l.n != dshape[0] * dshape[4] || l.c != dshape[1] * dshape[5] || l.h != dshape[2] || l.w != dshape[3] ||
        l.k != kshape[0] * kshape[4] || l.r != kshape[2] || l.s != kshape[3])
      throw FormatError("the dcoc layer does not match the packed workload");

    // The config entity.
    compiler::Schedule sc;
    sc.tile_kh = l.r, sc.tile_kw = l.s;
    const Extents e = ExtentsOf(l, s);
    const nlohmann::json& ent = j.at("config").at("entity");
    if (!ent.is_array()) throw FormatError("config \"entity\" must be an array");
    int seen = 0;
    for (const nlohmann::json& item : ent) {
      if (!item.is_array() || item.size() != 3) throw FormatError(fmt::format("entity item {} is not [name, type, value]", item.dump()));
      const std::string name = item[0].get<std::string>(), type = item[1].get<std::string>();
      struct SplitKnob {
        const char* name;
        int* member;
        int extent;
      };
      const SplitKnob splits[] = {{"tile_b", &sc.tile_b, e.b},
                                  {"tile_h", &sc.tile_h, e.h},
                                  {"tile_w", &sc.tile_w, e.w},
                                  {"tile_ci", &sc.tile_ci, e.ci},
                                  {"tile_co", &sc.tile_co, e.co}};
      bool known = false;
      for (const SplitKnob& k : splits) {
        if (name != k.name) continue;
        known = true;
        if (type != "sp") throw FormatError(fmt::format("{} must be an \"sp\" split, got \"{}\"", name, type));
        const std::vector<int> size = item[2].get<std::vector<int>>();
        if (size.size() != 2)
          throw UsageError(fmt::format("{} = {} splits into {} parts (dcoc tiles are [outer, inner])", name,
                                       item[2].dump(), size.size()));
        if (size[1] < 1 || k.extent % size[1] != 0 || (size[0] != -1 && size[0] * size[1] != k.extent))
          throw UsageError(fmt::format("{} = {} does not split the extent {}", name, item[2].dump(), k.extent));
        *k.member = size[1];
        ++seen;
      }
      for (auto [kname, member] : {std::pair{"oc_nthread", &sc.oc_nthread}, std::pair{"h_nthread", &sc.h_nthread}}) {
        if (name != kname) continue;
        known = true;
        if (type != "ot") throw FormatError(fmt::format("{} must be an \"ot\" option, got \"{}\"", name, type));
        *member = item[2].get<int>();
        if (*member != 1 && *member != 2) throw UsageError(fmt::format("{} = {} is not 1 or 2", name, *member));
        ++seen;
      }
      if (!known) throw UsageError(fmt::format("knob {} is not a knob of {}", name, kAutoTvmTemplate));
    }
    if (seen != 7) throw FormatError(fmt::format("config entity has {} of the template's 7 knobs", seen));

    // The result.
    const nlohmann::json& res = j.at("result");
    if (!res.is_array() || res.size() != 4) throw FormatError("\"result\" must be [costs, error_no, all_cost, timestamp]");
    const std::vector<double> costs = res[0].get<std::vector<double>>();
    const int error_no = res[1].get<int>();
    Measurement& m = r.measurement;
    m.task = compiler::TaskKey(l);
    m.layer = l.name;
    m.config_tag = s.tag;
    m.config_hash = ConfigHashHex(r.config);
    m.schedule = compiler::Normalize(l, sc);
    m.status = StatusOf(error_no);
    m.wall.total = res[2].get<double>();
    m.timestamp = IsoTime(res[3].get<double>());
    m.worker = "autotvm: " + target;
    m.version = "tvm " + j.value("tvm_version", std::string("?"));
    if (m.status == Status::kOk) {
      if (costs.empty()) throw FormatError("a successful record has no costs");
      m.seconds = std::accumulate(costs.begin(), costs.end(), 0.0) / double(costs.size());
      m.cycles = uint64_t(std::llround(m.seconds * s.ClockHz()));
    } else {
      m.error = fmt::format("AutoTVM error_no {}", error_no);
    }
    m.backend = "autotvm";
    if (dk) {
      // dcoc's own export: exact cycles, backend and status.
      m.backend = dk->value("backend", m.backend);
      m.status = StatusFromName(dk->value("status", std::string(Name(m.status))));
      m.cycles = dk->value("cycles", m.cycles);
      m.max_cycles = dk->value("max_cycles", uint64_t(0));
      m.estimate_cycles = dk->value("estimate_cycles", 0.0);
      m.rtl_hash = dk->value("rtl_hash", std::string());
      m.error = dk->value("error", m.error);
      m.version = dk->value("version", m.version);
      m.seconds = double(m.cycles) / s.ClockHz();
    }
    r.layer = l;
    return r;
  } catch (const nlohmann::json::exception& e) {
    throw FormatError(fmt::format("malformed record: {}", e.what()));
  } catch (const ConfigError& e) {
    throw UsageError(e.what());
  }
}

AutoTvmImport ReadAutoTvmLog(std::istream& in, const std::string& config) {
  AutoTvmImport out;
  std::string text;
  int64_t line = 0;
  while (std::getline(in, text)) {
    ++line;
    if (text.empty() || text.find_first_not_of(" \t\r") == std::string::npos || text[0] == '#') continue;
    ++out.lines;
    try {
      ImportedRecord r = ParseAutoTvmLine(text, config);
      r.line = line;
      out.records.push_back(std::move(r));
    } catch (const Error& e) {
      out.skipped.push_back({line, e.what()});
    }
  }
  return out;
}

}  // namespace dcoc::measure
