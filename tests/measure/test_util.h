// Shared helpers of the measurement tests.
#pragma once

#include <unistd.h>

#include <filesystem>
#include <random>
#include <string>

#include "host/compiler/conv.h"
#include "host/compiler/space.h"
#include "host/compiler/workloads.h"
#include "host/measure/measurement.h"

namespace dcoc::measure::testing {

// A fresh directory under the system temporary directory, removed at the end of the test.
class TempDir {
 public:
  TempDir() {
    std::random_device rd;
    path_ = std::filesystem::temp_directory_path() / ("dcoc-measure-" + std::to_string(::getpid()) + "-" +
                                                      std::to_string(rd()));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

inline compiler::ConvLayer Layer(const std::string& name, int max_hw = 0) {
  compiler::ConvLayer l = compiler::FindLayer(name);
  if (max_hw > 0) l = compiler::ReduceSpatially(l, max_hw);
  l.epilogue = compiler::DefaultEpilogue(l, 8);
  return l;
}

inline Request MakeRequest(const compiler::ConvLayer& l, const std::string& config, const std::string& backend,
                           const compiler::Schedule& s) {
  Request r;
  r.layer = l;
  r.config = spec::LoadConfig(config);
  r.backend = backend;
  r.schedule = s;
  return r;
}

// A synthetic record (no simulation) for database tests.
inline Measurement Record(const compiler::ConvLayer& l, const std::string& config, const compiler::Schedule& s,
                          Status st, uint64_t cycles, const std::string& backend = "verilator") {
  Measurement m;
  m.task = compiler::TaskKey(l);
  m.layer = l.name;
  const spec::HwConfig c = spec::LoadConfig(config);
  m.config_tag = spec::ConfigTag(c);
  m.config_hash = ConfigHashHex(c);
  m.rtl_hash = RtlHashFor(backend, c);
  m.backend = backend;
  m.schedule = compiler::Normalize(l, s);
  m.status = st;
  m.cycles = cycles;
  m.seconds = double(cycles) / 1e8;
  m.counters = {{"gemm_uops", cycles / 2}};
  m.worker = ProcessName();
  m.timestamp = UtcTimestamp();
  m.version = std::string(Version());
  if (st == Status::kCycleBound) m.max_cycles = cycles;
  return m;
}

// Record `i` of writer `w` of `writers` concurrent writers of one database (tests/measure/db_writer.cpp):
// the writers' records are spread over the space, writer w owning candidates w, w + writers, ...
inline Measurement WriterRecord(const compiler::ConvLayer& l, const compiler::ScheduleSpace& space, int w, int i,
                                int writers, Status st = Status::kOk) {
  const uint64_t index = (uint64_t(i) * uint64_t(writers) + uint64_t(w)) % space.size();
  return Record(l, "default", space.At(index), st, 100000 + index);
}

}  // namespace dcoc::measure::testing
