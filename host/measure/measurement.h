// What one measurement asks (Request) and what it found (Measurement): the record the measurer
// produces, the workers send back, the tuning database stores and the tuners learn from.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "host/compiler/layer.h"
#include "host/compiler/schedule.h"
#include "host/spec/hw_config.h"

namespace dcoc::measure {

// The outcome of a measurement, in the spirit of AutoTVM's error numbers. Each failure names the stage
// that rejected the candidate: validity (invalid_schedule), compile (compile_error), run (runtime_error,
// timeout, cycle_bound), check (wrong_answer), or the worker process (worker_crash).
enum class Status : uint8_t {
  kOk,               // ran to FINISH and matched the reference bit-exactly; cycles are exact
  kCycleBound,       // stopped at the cycle bound: slower than `cycles`, which is a lower bound
  kInvalidSchedule,  // rejected by the checker (violations by name)
  kCompileError,     // the compiler (or the hardware model build) failed
  kRuntimeError,     // deadlock, out-of-bounds access, RTL error: `error` holds the message
  kWrongAnswer,      // ran, but the output differs from the reference
  kTimeout,          // the wall-clock limit of the run or of the worker expired
  kWorkerCrash,      // the worker process died during the measurement
};
std::string_view Name(Status s);
// Throws FormatError naming the unknown status.
Status StatusFromName(std::string_view name);
// Deterministic outcomes are a property of the candidate (simulated cycles are deterministic) and are
// memoized; timeouts and crashes depend on the machine and are measured again when asked again.
bool Deterministic(Status s);

// One candidate to measure: a layer with a schedule on a hardware configuration and a backend.
struct Request {
  compiler::ConvLayer layer;
  spec::HwConfig config;
  std::string backend = "verilator";
  std::string board;              // runtime::DeviceOptions::board (the memory timing systemc models)
  compiler::Schedule schedule;
  uint64_t max_cycles = 0;        // stop the run here and record a lower bound (0: no bound)
  double timeout_seconds = 600;   // wall-clock limit of the run
  uint64_t seed = 1;              // seed of the random operands checked against the reference
};
nlohmann::ordered_json ToJson(const Request& r);
// Throws FormatError naming the missing or malformed key.
Request RequestFromJson(const nlohmann::json& j);

// Host wall time of a measurement's stages, in seconds.
struct WallTime {
  double compile = 0;   // checker + compiler
  double simulate = 0;  // device reset, upload, run, download
  double check = 0;     // reading the output back and comparing it with the reference
  double build = 0;     // verilating the configuration's model, when this measurement waited for it
  double total = 0;     // in the worker, from request to result
  double cpu = 0;       // CPU seconds the measuring thread used (on a shared machine: the cost without waiting)
};

struct Measurement {
  // What was measured (the memoization key is task, config_hash, rtl_hash, backend, board, schedule).
  std::string task;         // compiler::TaskKey of the layer
  std::string layer;        // the layer's name (informational)
  std::string config_tag;
  std::string config_hash;  // 16 hex digits: the hardware configuration's hash (CONFIG_HASH register)
  std::string rtl_hash;     // RTL design hash for the verilator backend, empty for the others
  std::string backend;
  std::string board;            // the backend's board option ("" for none): part of the key
  compiler::Schedule schedule;  // normalized (compiler::Normalize)
  uint64_t max_cycles = 0;      // the cycle bound the run had (0: none)
  // What it found.
  Status status = Status::kOk;
  std::string error;                // failures: the message
  std::vector<std::string> violations;  // invalid_schedule: the violated constraints by name
  uint64_t cycles = 0;              // ok: exact (0 on untimed backends); cycle_bound: the lower bound
  double seconds = 0;               // cycles at the configuration's clock
  double estimate_cycles = 0;       // the compiler's analytic estimate (compiler::EstimateCost)
  std::map<std::string, uint64_t> counters;  // the backend's named counters
  WallTime wall;
  std::string worker;     // "<host>:<pid>" of the process that measured it
  std::string timestamp;  // UTC, ISO 8601
  std::string version;    // dcoc version that measured it
  // Not stored: the record came from the tuning database instead of a simulation.
  bool memoized = false;

  bool ok() const { return status == Status::kOk; }
  // The cost a tuner minimizes: cycles (exact, or the lower bound for cycle_bound); on an untimed
  // backend (fsim) the analytic estimate. Only meaningful for ok and cycle_bound.
  double Cost() const { return cycles > 0 ? double(cycles) : estimate_cycles; }
};
nlohmann::ordered_json ToJson(const Measurement& m);
// Throws FormatError naming the missing or malformed key.
Measurement MeasurementFromJson(const nlohmann::json& j);

// The dcoc version string recorded in every measurement.
std::string_view Version();
// "<host>:<pid>" of this process.
std::string ProcessName();
// Now, UTC, ISO 8601 with seconds ("2026-11-30T12:34:56Z").
std::string UtcTimestamp();
// The identity of the simulated hardware for a backend: for "verilator" the design hash of the
// configuration (generated package and top, and the hand-written sources: rtl::DesignHash), else "".
std::string RtlHashFor(std::string_view backend, const spec::HwConfig& c);
// 16 hex digits of the configuration hash.
std::string ConfigHashHex(const spec::HwConfig& c);

}  // namespace dcoc::measure
