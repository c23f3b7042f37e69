#include "host/measure/measurement.h"

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <map>
#include <mutex>

#include "host/common/error.h"
#include "rtl/gen/rtlgen.h"

#ifndef DCOC_VERSION
#define DCOC_VERSION "unknown"
#endif

namespace dcoc::measure {

namespace {

constexpr std::array<std::pair<Status, std::string_view>, 8> kStatusNames = {{
    {Status::kOk, "ok"},
    {Status::kCycleBound, "cycle_bound"},
    {Status::kInvalidSchedule, "invalid_schedule"},
    {Status::kCompileError, "compile_error"},
    {Status::kRuntimeError, "runtime_error"},
    {Status::kWrongAnswer, "wrong_answer"},
    {Status::kTimeout, "timeout"},
    {Status::kWorkerCrash, "worker_crash"},
}};

// Typed access to a JSON object for the decoders: every problem is a FormatError naming the key.
class Reader {
 public:
  Reader(const nlohmann::json& j, std::string_view what) : j_(j), what_(what) {
    if (!j.is_object()) throw FormatError(fmt::format("{} must be a JSON object, got {}", what, Short(j)));
  }
  const nlohmann::json& At(const char* key) const {
    if (!j_.contains(key)) throw FormatError(fmt::format("{} lacks key \"{}\"", what_, key));
    return j_.at(key);
  }
  bool Has(const char* key) const { return j_.contains(key) && !j_.at(key).is_null(); }
  std::string Str(const char* key) const {
    const nlohmann::json& v = At(key);
    if (!v.is_string()) Bad(key, "a string", v);
    return v.get<std::string>();
  }
  uint64_t U64(const char* key) const {
    const nlohmann::json& v = At(key);
    if (!v.is_number_unsigned() && !(v.is_number_integer() && v.get<int64_t>() >= 0)) Bad(key, "an unsigned integer", v);
    return v.get<uint64_t>();
  }
  double Num(const char* key) const {
    const nlohmann::json& v = At(key);
    if (!v.is_number()) Bad(key, "a number", v);
    return v.get<double>();
  }
  template <class F>
  auto Sub(const char* key, F&& f) const {
    try {
      return f(At(key));
    } catch (const UsageError& e) {
      throw FormatError(fmt::format("{} key \"{}\": {}", what_, key, e.what()));
    } catch (const ConfigError& e) {
      throw FormatError(fmt::format("{} key \"{}\": {}", what_, key, e.what()));
    }
  }
  [[noreturn]] void Bad(const char* key, std::string_view want, const nlohmann::json& v) const {
    throw FormatError(fmt::format("{} key \"{}\" must be {}, got {}", what_, key, want, Short(v)));
  }
  static std::string Short(const nlohmann::json& v) {
    std::string s = v.dump();
    return s.size() > 80 ? s.substr(0, 77) + "..." : s;
  }

 private:
  const nlohmann::json& j_;
  std::string_view what_;
};

}  // namespace

std::string_view Name(Status s) {
  for (const auto& [st, name] : kStatusNames)
    if (st == s) return name;
  return "?";
}

Status StatusFromName(std::string_view name) {
  for (const auto& [st, n] : kStatusNames)
    if (n == name) return st;
  std::string known;
  for (const auto& [st, n] : kStatusNames) known += fmt::format("{}{}", known.empty() ? "" : ", ", n);
  throw FormatError(fmt::format("unknown measurement status \"{}\" (known: {})", name, known));
}

bool Deterministic(Status s) { return s != Status::kTimeout && s != Status::kWorkerCrash; }

nlohmann::ordered_json ToJson(const Request& r) {
  nlohmann::ordered_json j;
  j["layer"] = compiler::ToJson(r.layer);
  j["config"] = spec::ConfigToJson(r.config);
  j["backend"] = r.backend;
  j["board"] = r.board;
  j["schedule"] = compiler::ToJson(r.schedule);
  j["max_cycles"] = r.max_cycles;
  j["timeout_seconds"] = r.timeout_seconds;
  j["seed"] = r.seed;
  return j;
}

Request RequestFromJson(const nlohmann::json& j) {
  const Reader in(j, "measurement request");
  Request r;
  r.layer = in.Sub("layer", [](const nlohmann::json& v) { return compiler::LayerFromJson(v); });
  r.config = in.Sub("config", [](const nlohmann::json& v) {
    spec::HwConfig c = spec::ConfigFromJson(v);
    spec::Validate(c);
    return c;
  });
  r.backend = in.Str("backend");
  r.board = in.Str("board");
  r.schedule = in.Sub("schedule", [](const nlohmann::json& v) { return compiler::ScheduleFromJson(v); });
  r.max_cycles = in.U64("max_cycles");
  r.timeout_seconds = in.Num("timeout_seconds");
  r.seed = in.U64("seed");
  return r;
}

nlohmann::ordered_json ToJson(const Measurement& m) {
  nlohmann::ordered_json j;
  j["task"] = m.task;
  j["layer"] = m.layer;
  j["config_tag"] = m.config_tag;
  j["config_hash"] = m.config_hash;
  j["rtl_hash"] = m.rtl_hash;
  j["backend"] = m.backend;
  j["board"] = m.board;
  j["schedule"] = compiler::ToJson(m.schedule);
  j["max_cycles"] = m.max_cycles;
  j["status"] = Name(m.status);
  j["error"] = m.error;
  j["violations"] = m.violations;
  j["cycles"] = m.cycles;
  j["seconds"] = m.seconds;
  j["estimate_cycles"] = m.estimate_cycles;
  j["counters"] = m.counters;
  j["wall"] = {{"compile", m.wall.compile}, {"simulate", m.wall.simulate}, {"check", m.wall.check},
               {"build", m.wall.build},     {"total", m.wall.total},       {"cpu", m.wall.cpu}};
  j["worker"] = m.worker;
  j["timestamp"] = m.timestamp;
  j["version"] = m.version;
  return j;
}

Measurement MeasurementFromJson(const nlohmann::json& j) {
  const Reader in(j, "measurement");
  Measurement m;
  m.task = in.Str("task");
  m.layer = in.Str("layer");
  m.config_tag = in.Str("config_tag");
  m.config_hash = in.Str("config_hash");
  m.rtl_hash = in.Str("rtl_hash");
  m.backend = in.Str("backend");
  m.board = in.Str("board");
  m.schedule = in.Sub("schedule", [](const nlohmann::json& v) { return compiler::ScheduleFromJson(v); });
  m.max_cycles = in.U64("max_cycles");
  m.status = StatusFromName(in.Str("status"));
  m.error = in.Str("error");
  const nlohmann::json& v = in.At("violations");
  if (!v.is_array()) in.Bad("violations", "an array of strings", v);
  for (const auto& x : v) {
    if (!x.is_string()) in.Bad("violations", "an array of strings", v);
    m.violations.push_back(x.get<std::string>());
  }
  m.cycles = in.U64("cycles");
  m.seconds = in.Num("seconds");
  m.estimate_cycles = in.Num("estimate_cycles");
  const nlohmann::json& c = in.At("counters");
  if (!c.is_object()) in.Bad("counters", "an object of unsigned integers", c);
  for (const auto& [k, x] : c.items()) {
    if (!x.is_number_unsigned() && !(x.is_number_integer() && x.get<int64_t>() >= 0))
      in.Bad("counters", "an object of unsigned integers", c);
    m.counters[k] = x.get<uint64_t>();
  }
  const Reader w(in.At("wall"), "measurement wall time");
  m.wall.compile = w.Num("compile");
  m.wall.simulate = w.Num("simulate");
  m.wall.check = w.Num("check");
  m.wall.build = w.Num("build");
  m.wall.total = w.Num("total");
  m.wall.cpu = w.Num("cpu");
  m.worker = in.Str("worker");
  m.timestamp = in.Str("timestamp");
  m.version = in.Str("version");
  return m;
}

std::string_view Version() { return DCOC_VERSION; }

std::string ProcessName() {
  char host[256] = {};
  if (gethostname(host, sizeof(host) - 1) != 0) host[0] = '\0';
  return fmt::format("{}:{}", host, ::getpid());
}

std::string UtcTimestamp() {
  const std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&t, &tm);
  return fmt::format("{:%Y-%m-%dT%H:%M:%SZ}", tm);
}

std::string RtlHashFor(std::string_view backend, const spec::HwConfig& c) {
  if (backend != "verilator") return "";
  static std::mutex mu;
  static std::map<std::string, std::string> by_tag;  // DesignHash reads the sources: once per configuration
  const std::string tag = spec::ConfigTag(c);
  std::lock_guard<std::mutex> lock(mu);
  auto it = by_tag.find(tag);
  if (it == by_tag.end()) it = by_tag.emplace(tag, rtl::DesignHash(spec::Spec::Create(c))).first;
  return it->second;
}

std::string ConfigHashHex(const spec::HwConfig& c) { return fmt::format("{:016x}", spec::ConfigHash(c)); }

}  // namespace dcoc::measure
