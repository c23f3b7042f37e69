// The payloads of the farm's frames beyond authentication (docs/farm.md): what a client submits, what a
// worker offers, what the tracker forwards. Every parser checks types, lengths and counts and throws
// FormatError naming the frame, the field and the bound: a peer's frame never reaches the tracker's
// state unchecked.
#pragma once

#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "host/measure/measurement.h"

namespace dcoc::server {

using Clock = std::chrono::steady_clock;

// Why a connection went away, as the network layer saw it.
enum class CloseCause : uint8_t { kEof, kNetwork, kMalformed, kOversized, kTls };

inline constexpr size_t kMaxIdChars = 128;
inline constexpr size_t kMaxNameChars = 128;
inline constexpr size_t kMaxIdsPerFrame = 1'000'000;

// "host:port" (IPv6 as "[::1]:port"). Throws UsageError naming the address.
struct HostPort {
  std::string host;
  uint16_t port = 0;
};
HostPort ParseHostPort(const std::string& text);

// What the tracker matches a request on, computed by the client from the request.
struct Route {
  std::string backend;      // "verilator", "fsim", "xrt", ...
  std::string config_hash;  // 16 hex digits: the hardware configuration (a board worker's bitstream)
  std::string config_tag;   // to prefer workers that have the configuration's model already
  std::string rtl_sources;  // the client's RTL sources hash for RTL-simulating backends, else empty:
                            // a worker built from other RTL would measure other hardware
  std::string board;        // only workers on this board (boards/<name>): an xrt request's board, or the
                            // client's --farm-board; a simulated board (systemc) needs no real one
  double timeout_seconds = 600;
};
nlohmann::json ToJson(const Route& r);
Route RouteFromJson(const nlohmann::json& j);
// The route of a request, for this build (its RTL sources hash). `board`: only workers on it.
Route RouteOf(const measure::Request& r, const std::string& board = "");
// Backends that run on a physical board (their request's board names the hardware to use).
bool OnPhysicalBoard(std::string_view backend);
// True for backends that simulate this build's RTL (their measurements carry its hash).
bool SimulatesRtl(std::string_view backend);

// What a worker offers: sent in its register frame.
struct Capabilities {
  std::string name;                   // "<host>:<pid>" or --name
  std::vector<std::string> backends;  // the backends it can run here
  std::vector<std::string> models;    // configuration tags with a prebuilt or cached Verilator model
  std::string board;                  // board name (board workers), else empty
  std::string board_id;               // the board's identity (serial, device name)
  std::string board_config_hash;      // the configuration of the bitstream a board worker has loaded
  int slots = 1;                      // measurements at once
  std::string version;                // dcoc version
  std::string rtl_sources;            // rtl::RtlSourcesHash() of its build
  std::vector<std::string> running;   // job ids it is still measuring (after a reconnect)
};
nlohmann::json ToJson(const Capabilities& c);
Capabilities CapabilitiesFromJson(const nlohmann::json& j);
bool CanServe(const Capabilities& c, const Route& r);
// The configuration's model is ready on the worker (no build needed).
bool HasModel(const Capabilities& c, const Route& r);

// client -> tracker: a request with the client's idempotent id.
struct Submission {
  std::string id;
  nlohmann::json request;  // measure::Request as JSON (checked by the worker, forwarded as is)
  Route route;
};
Submission ParseSubmission(const nlohmann::json& j);

// worker -> tracker: a result or an error for a job.
struct JobOutcome {
  std::string job;           // "<client key id>/<client's id>"
  nlohmann::json payload;    // the measurement (result) or the message (error)
  std::string status;        // the measurement's status, or "error"
};
JobOutcome ParseResult(const nlohmann::json& j);
JobOutcome ParseWorkerError(const nlohmann::json& j);

// An id list (cancel, ack, heartbeat's running list): at most `max` ids.
std::vector<std::string> ParseIds(const nlohmann::json& j, const char* key, std::string_view frame,
                                  size_t max = kMaxIdsPerFrame);
// Throws FormatError unless `id` is 1-128 characters of [A-Za-z0-9._:-].
void ValidateId(std::string_view id, std::string_view what);
// Splits a job id into the client's key id and the client's request id (FormatError when malformed).
std::pair<std::string, std::string> SplitJob(std::string_view job);
std::string JobId(std::string_view key_id, std::string_view id);

}  // namespace dcoc::server
