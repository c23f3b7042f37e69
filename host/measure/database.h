// The tuning database: every measurement in SQLite (WAL journal), committed as it arrives, so a killed
// run loses nothing it reported and a re-run finds what it measured. Memoization: a deterministic
// outcome for (task, hardware hash, RTL hash, backend, board, schedule) is stored once (a unique index) and
// answers every later request for the same point without simulating.
//
// Schema version 2 (docs/tuning-database.md): meta(key, value), tasks(task, layer JSON),
// configs(config_hash, tag, config JSON), measurements(one row per measurement).
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "host/compiler/layer.h"
#include "host/measure/measurement.h"
#include "host/spec/hw_config.h"

namespace dcoc::measure {

inline constexpr int kDatabaseSchemaVersion = 2;

// The memoization key of a request or a measurement.
struct MemoKey {
  std::string task, config_hash, rtl_hash, backend, board, schedule;  // schedule: normalized JSON text
  bool operator==(const MemoKey&) const = default;
};
MemoKey KeyOf(const Measurement& m);
MemoKey KeyOf(const Request& r);  // with this build's RTL hash for the backend

// Filters for Records; empty strings match everything.
struct RecordQuery {
  std::string task, config_hash, backend;
  bool ok_only = false;
  int64_t limit = -1;
};

struct TaskSummary {
  std::string task, layer, config_tag, config_hash, backend;
  int64_t records = 0;
  std::map<std::string, int64_t> by_status;
  std::optional<Measurement> best;  // fewest cycles among ok records
};

class Database {
 public:
  enum class Mode { kReadWrite, kReadOnly };
  // kReadWrite creates the file (and its schema) when missing. Throws FormatError naming the file for
  // a file that is not a dcoc tuning database, is corrupt, or has another schema version.
  explicit Database(const std::filesystem::path& path, Mode mode = Mode::kReadWrite);
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  const std::filesystem::path& path() const { return path_; }
  // How long a write waits for another process's write to end (default 30 s) before it fails.
  void SetBusyTimeout(std::chrono::milliseconds timeout);

  // Commits one measurement in its own transaction (with its layer and configuration). A deterministic
  // outcome already stored for the same key is not stored again (returns false); a cycle-bound record
  // with a higher bound, or an exact record after a bound, is added.
  bool Add(const Measurement& m, const compiler::ConvLayer& layer, const spec::HwConfig& config);
  // Adds many in one transaction (imports); returns how many were new.
  int64_t AddAll(const std::vector<Measurement>& ms, const compiler::ConvLayer& layer, const spec::HwConfig& config);

  // The stored answer for a request whose run would stop at max_cycles (0: no bound): an ok record
  // (exact, whatever the bound), a deterministic failure, or a cycle-bound record whose bound is at
  // least max_cycles (so it is slower than the new bound too). nullopt: it must be measured.
  // The returned record has memoized = true.
  std::optional<Measurement> Lookup(const MemoKey& key, uint64_t max_cycles) const;

  // Fewest cycles among ok records of a task on a configuration (any backend when empty; timed
  // backends only, since an untimed record has no cycles).
  std::optional<Measurement> Best(const std::string& task, const std::string& config_hash,
                                  const std::string& backend = "") const;
  std::vector<Measurement> Records(const RecordQuery& q = {}) const;
  void ForEachRecord(const RecordQuery& q, const std::function<void(const Measurement&)>& fn) const;
  std::vector<TaskSummary> Summaries() const;
  int64_t Count() const;

  // The layer and configuration stored with the measurements (UsageError when unknown).
  compiler::ConvLayer Layer(const std::string& task) const;
  spec::HwConfig Config(const std::string& config_hash) const;

 private:
  struct Impl;
  std::filesystem::path path_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace dcoc::measure
