#include "host/server/messages.h"

#include <fmt/format.h>

#include <algorithm>

#include "host/common/error.h"
#include "host/server/log.h"
#include "rtl/gen/rtlgen.h"

namespace dcoc::server {

namespace {

bool IdChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
         c == '-' || c == ':';
}

const nlohmann::json& Field(const nlohmann::json& j, const char* key, std::string_view frame) {
  auto it = j.find(key);
  if (it == j.end()) throw FormatError(fmt::format("{} frame lacks \"{}\"", frame, key));
  return *it;
}

// A bounded printable string (names, tags, hashes): no control characters reach the logs or status.
std::string Text(const nlohmann::json& v, const char* key, std::string_view frame, size_t max = kMaxNameChars) {
  if (!v.is_string())
    throw FormatError(fmt::format("{} frame: \"{}\" must be a string, got a {}", frame, key, v.type_name()));
  const std::string& s = v.get_ref<const std::string&>();
  if (s.size() > max)
    throw FormatError(fmt::format("{} frame: \"{}\" has {} characters, the limit is {}", frame, key, s.size(), max));
  for (char c : s)
    if (uint8_t(c) < 0x20 || uint8_t(c) >= 0x7f)
      throw FormatError(fmt::format("{} frame: \"{}\" has a non-printable character (code {})", frame, key,
                                    int(uint8_t(c))));
  return s;
}

std::string OptText(const nlohmann::json& j, const char* key, std::string_view frame, size_t max = kMaxNameChars) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return "";
  return Text(*it, key, frame, max);
}

// An optional array of at most `max_items` strings, each checked by `check`.
template <typename Check>
std::vector<std::string> StringList(const nlohmann::json& j, const char* key, std::string_view frame, size_t max_items,
                                    Check check) {
  std::vector<std::string> out;
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return out;
  if (!it->is_array())
    throw FormatError(fmt::format("{} frame: \"{}\" must be an array, got a {}", frame, key, it->type_name()));
  if (it->size() > max_items)
    throw FormatError(fmt::format("{} frame: \"{}\" has {} entries, the limit is {}", frame, key, it->size(), max_items));
  out.reserve(it->size());
  for (const nlohmann::json& v : *it) out.push_back(check(v));
  return out;
}

std::vector<std::string> TextList(const nlohmann::json& j, const char* key, std::string_view frame, size_t max_items) {
  return StringList(j, key, frame, max_items, [&](const nlohmann::json& v) { return Text(v, key, frame); });
}

}  // namespace

HostPort ParseHostPort(const std::string& text) {
  HostPort hp;
  std::string port;
  if (!text.empty() && text[0] == '[') {
    const size_t close = text.find(']');
    if (close == std::string::npos || close + 1 >= text.size() || text[close + 1] != ':')
      throw UsageError(fmt::format("address \"{}\" is not [IPv6]:PORT", text));
    hp.host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    const size_t colon = text.rfind(':');
    if (colon == std::string::npos || colon == 0)
      throw UsageError(fmt::format("address \"{}\" is not HOST:PORT (IPv6: [ADDR]:PORT)", text));
    hp.host = text.substr(0, colon);
    port = text.substr(colon + 1);
    if (hp.host.find(':') != std::string::npos)
      throw UsageError(fmt::format("address \"{}\": write an IPv6 address in brackets, [ADDR]:PORT", text));
  }
  if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos ||
      std::stoul(port) > 65535)
    throw UsageError(fmt::format("address \"{}\": port \"{}\" is not a number in [0, 65535]", text, port));
  hp.port = uint16_t(std::stoul(port));
  return hp;
}

bool SimulatesRtl(std::string_view backend) { return backend == "verilator" || backend == "systemc"; }

bool OnPhysicalBoard(std::string_view backend) { return backend == "xrt"; }

nlohmann::json ToJson(const Route& r) {
  nlohmann::json j = {{"backend", r.backend},
                      {"config_hash", r.config_hash},
                      {"config_tag", r.config_tag},
                      {"timeout_seconds", r.timeout_seconds}};
  if (!r.rtl_sources.empty()) j["rtl_sources"] = r.rtl_sources;
  if (!r.board.empty()) j["board"] = r.board;
  return j;
}

Route RouteFromJson(const nlohmann::json& j) {
  constexpr std::string_view kFrame = "measure";
  if (!j.is_object()) throw FormatError(fmt::format("measure frame: \"route\" must be an object, got a {}", j.type_name()));
  Route r;
  r.backend = Text(Field(j, "backend", kFrame), "backend", kFrame, 32);
  if (r.backend.empty()) throw FormatError("measure frame: \"backend\" is empty");
  r.config_hash = Text(Field(j, "config_hash", kFrame), "config_hash", kFrame, 16);
  if (r.config_hash.size() != 16 ||
      !std::all_of(r.config_hash.begin(), r.config_hash.end(), [](char c) { return std::isxdigit(uint8_t(c)); }))
    throw FormatError("measure frame: \"config_hash\" must be 16 hex digits");
  r.config_tag = OptText(j, "config_tag", kFrame);
  r.rtl_sources = OptText(j, "rtl_sources", kFrame, 64);
  r.board = OptText(j, "board", kFrame, 64);
  const nlohmann::json& t = Field(j, "timeout_seconds", kFrame);
  if (!t.is_number()) throw FormatError("measure frame: \"timeout_seconds\" must be a number");
  r.timeout_seconds = t.get<double>();
  if (!(r.timeout_seconds > 0 && r.timeout_seconds <= 7 * 86400))
    throw FormatError(fmt::format("measure frame: \"timeout_seconds\" {} is out of range (0, 604800]", r.timeout_seconds));
  return r;
}

Route RouteOf(const measure::Request& req, const std::string& board) {
  Route r;
  r.backend = req.backend;
  r.config_hash = measure::ConfigHashHex(req.config);
  r.config_tag = spec::ConfigTag(req.config);
  if (SimulatesRtl(req.backend)) r.rtl_sources = rtl::RtlSourcesHash();
  r.board = !board.empty() ? board : OnPhysicalBoard(req.backend) ? req.board : "";
  r.timeout_seconds = req.timeout_seconds;
  return r;
}

nlohmann::json ToJson(const Capabilities& c) {
  return {{"name", c.name},       {"backends", c.backends},
          {"models", c.models},   {"board", c.board},
          {"board_id", c.board_id}, {"board_config_hash", c.board_config_hash},
          {"slots", c.slots},     {"version", c.version},
          {"rtl_sources", c.rtl_sources}, {"running", c.running}};
}

Capabilities CapabilitiesFromJson(const nlohmann::json& j) {
  constexpr std::string_view kFrame = "register";
  Capabilities c;
  c.name = Text(Field(j, "name", kFrame), "name", kFrame);
  c.backends = TextList(j, "backends", kFrame, 32);
  if (c.backends.empty()) throw FormatError("register frame: \"backends\" is empty: the worker can run nothing");
  c.models = TextList(j, "models", kFrame, 4096);
  c.board = OptText(j, "board", kFrame, 64);
  c.board_id = OptText(j, "board_id", kFrame);
  c.board_config_hash = OptText(j, "board_config_hash", kFrame, 16);
  const nlohmann::json& s = Field(j, "slots", kFrame);
  if (!s.is_number_integer() || s.get<int64_t>() < 1 || s.get<int64_t>() > 256)
    throw FormatError("register frame: \"slots\" must be an integer in [1, 256]");
  c.slots = s.get<int>();
  if (!c.board.empty() && c.slots != 1)
    throw FormatError(fmt::format("register frame: a board worker runs one measurement at a time, not {}", c.slots));
  c.version = OptText(j, "version", kFrame);
  c.rtl_sources = OptText(j, "rtl_sources", kFrame, 64);
  c.running = ParseIds(j, "running", kFrame, 256);
  for (const std::string& id : c.running) SplitJob(id);
  return c;
}

bool CanServe(const Capabilities& c, const Route& r) {
  if (std::find(c.backends.begin(), c.backends.end(), r.backend) == c.backends.end()) return false;
  if (!r.rtl_sources.empty() && r.rtl_sources != c.rtl_sources) return false;
  if (!r.board.empty() && r.board != c.board) return false;
  // A board runs the configuration of the bitstream it has loaded, and nothing else.
  if (!c.board.empty() && r.config_hash != c.board_config_hash) return false;
  return true;
}

bool HasModel(const Capabilities& c, const Route& r) {
  return !SimulatesRtl(r.backend) || std::find(c.models.begin(), c.models.end(), r.config_tag) != c.models.end();
}

Submission ParseSubmission(const nlohmann::json& j) {
  Submission s;
  const nlohmann::json& id = Field(j, "id", "measure");
  if (!id.is_string()) throw FormatError("measure frame: \"id\" must be a string");
  s.id = id.get<std::string>();
  ValidateId(s.id, "measure frame: \"id\"");
  s.request = Field(j, "request", "measure");
  if (!s.request.is_object())
    throw FormatError(fmt::format("measure frame: \"request\" must be an object, got a {}", s.request.type_name()));
  s.route = RouteFromJson(Field(j, "route", "measure"));
  return s;
}

JobOutcome ParseResult(const nlohmann::json& j) {
  JobOutcome o;
  o.job = Text(Field(j, "id", "result"), "id", "result", 2 * kMaxIdChars);
  SplitJob(o.job);
  o.payload = Field(j, "measurement", "result");
  if (!o.payload.is_object()) throw FormatError("result frame: \"measurement\" must be an object");
  o.status = Text(Field(o.payload, "status", "result"), "status", "result", 32);
  measure::StatusFromName(o.status);
  return o;
}

JobOutcome ParseWorkerError(const nlohmann::json& j) {
  JobOutcome o;
  o.job = Text(Field(j, "id", "error"), "id", "error", 2 * kMaxIdChars);
  SplitJob(o.job);
  const nlohmann::json& m = Field(j, "message", "error");
  if (!m.is_string()) throw FormatError("error frame: \"message\" must be a string");
  o.payload = Quote(m.get<std::string>(), 4000);
  o.status = "error";
  return o;
}

std::vector<std::string> ParseIds(const nlohmann::json& j, const char* key, std::string_view frame, size_t max) {
  return StringList(j, key, frame, max, [&](const nlohmann::json& v) {
    if (!v.is_string()) throw FormatError(fmt::format("{} frame: \"{}\" holds a {}, not a string", frame, key, v.type_name()));
    const std::string& id = v.get_ref<const std::string&>();
    if (id.size() > 2 * kMaxIdChars + 1)
      throw FormatError(fmt::format("{} frame: an id in \"{}\" has {} characters", frame, key, id.size()));
    return id;
  });
}

void ValidateId(std::string_view id, std::string_view what) {
  if (id.empty() || id.size() > kMaxIdChars)
    throw FormatError(fmt::format("{} has {} characters: ids have 1 to {}", what, id.size(), kMaxIdChars));
  for (size_t i = 0; i < id.size(); ++i)
    if (!IdChar(id[i]))
      throw FormatError(fmt::format("{} has the character code {} at position {} (ids use [A-Za-z0-9._:-])", what,
                                    int(uint8_t(id[i])), i));
}

std::pair<std::string, std::string> SplitJob(std::string_view job) {
  const size_t slash = job.find('/');
  if (slash == std::string_view::npos) throw FormatError("job id lacks the '/' between key id and request id");
  std::string key(job.substr(0, slash)), id(job.substr(slash + 1));
  ValidateId(key, "job id's key id");
  ValidateId(id, "job id's request id");
  return {key, id};
}

std::string JobId(std::string_view key_id, std::string_view id) { return fmt::format("{}/{}", key_id, id); }

}  // namespace dcoc::server
