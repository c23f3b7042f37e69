// measure_bench: measurement throughput with 1..N worker processes, and the cost of a memoized lookup.
// Not a test: prints one JSON object (docs/benchmarks.md records the figures).
//   measure_bench [--layer resnet18.C5] [--config default] [--backend verilator] [--n 24] [--seed 1]
//                 [--jobs 1 --jobs 2 ...] [--lookups 20000]
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "host/common/error.h"
#include "host/compiler/workloads.h"
#include "host/measure/database.h"
#include "host/measure/session.h"
#include "host/runtime/backends.h"

namespace {

using namespace dcoc;
using Clock = std::chrono::steady_clock;

double Since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

int Main(int argc, char** argv) {
  std::string layer = "resnet18.C5", config = "default", backend = "verilator";
  int n = 24, lookups = 20000;
  uint64_t seed = 1;
  std::vector<int> jobs;
  for (int i = 1; i < argc; ++i) {
    auto next = [&] {
      if (i + 1 >= argc) throw UsageError(fmt::format("{} needs a value", argv[i]));
      return std::string(argv[++i]);
    };
    if (!std::strcmp(argv[i], "--layer")) layer = next();
    else if (!std::strcmp(argv[i], "--config")) config = next();
    else if (!std::strcmp(argv[i], "--backend")) backend = next();
    else if (!std::strcmp(argv[i], "--n")) n = std::stoi(next());
    else if (!std::strcmp(argv[i], "--seed")) seed = std::stoull(next());
    else if (!std::strcmp(argv[i], "--jobs")) jobs.push_back(std::stoi(next()));
    else if (!std::strcmp(argv[i], "--lookups")) lookups = std::stoi(next());
    else throw UsageError(fmt::format("unknown option {}", argv[i]));
  }
  if (jobs.empty()) jobs = {1, 2};
  compiler::ConvLayer l = compiler::FindLayer(layer);
  const spec::HwConfig hw = spec::LoadConfig(config);
  const spec::Spec sp = spec::Spec::Create(hw);
  l.epilogue = compiler::DefaultEpilogue(l, sp.out_bits);
  const compiler::ScheduleSpace space(l, sp);
  std::mt19937_64 rng(seed);
  std::vector<measure::Request> batch;
  for (int i = 0; i < n; ++i) {
    measure::Request r;
    r.layer = l;
    r.config = hw;
    r.backend = backend;
    r.schedule = space.At(*space.Sample(rng));
    batch.push_back(r);
  }

  nlohmann::ordered_json out;
  out["layer"] = layer;
  out["config"] = sp.tag;
  out["backend"] = backend;
  out["measurements"] = n;
  out["seed"] = seed;
  out["runs"] = nlohmann::ordered_json::array();
  for (int j : jobs) {
    measure::SessionOptions o;
    o.jobs = j;
    o.pool.worker_exe = DCOC_CLI;
    const auto t_start = Clock::now();
    measure::Session session(o, nullptr);
    const double startup = Since(t_start);
    const auto t0 = Clock::now();
    const std::vector<measure::Measurement> ms = session.Measure(batch);
    const double wall = Since(t0);
    double compile = 0, simulate = 0, check = 0, total = 0, cpu = 0;
    uint64_t cycles = 0;
    int ok = 0;
    for (const auto& m : ms) {
      compile += m.wall.compile, simulate += m.wall.simulate, check += m.wall.check, total += m.wall.total;
      cpu += m.wall.cpu;
      cycles += m.cycles;
      ok += m.ok();
    }
    nlohmann::ordered_json r;
    r["jobs"] = j;
    r["worker_startup_seconds"] = startup;
    r["wall_seconds"] = wall;
    r["measurements_per_minute"] = 60.0 * n / wall;
    r["ok"] = ok;
    r["simulated_cycles"] = cycles;
    r["worker_seconds"] = {{"compile", compile}, {"simulate", simulate}, {"check", check}, {"total", total},
                           {"cpu", cpu}};
    // What the same work costs on dedicated cores: CPU seconds per measurement.
    r["cpu_seconds_per_measurement"] = cpu / double(std::max(1, n));
    r["cycles_per_cpu_second"] = double(cycles) / std::max(1e-9, cpu);
    // Worker time over the time the workers had: what is left is the pool's own overhead (dispatch,
    // framing, the parent's bookkeeping) plus idle workers at the end of the batch.
    r["busy_fraction"] = total / (double(std::max(1, j)) * wall);
    out["runs"].push_back(r);
    fmt::print(stderr, "jobs {}: {} measurements in {:.1f} s ({:.1f}/min), workers busy {:.1f}%, {:.2f} CPU-s per "
               "measurement\n", j, n, wall, 60.0 * n / wall, 100.0 * total / (double(std::max(1, j)) * wall),
               cpu / double(std::max(1, n)));
  }

  // What reusing a device saves: creating one per measurement.
  {
    const runtime::Registry reg = runtime::BuiltinBackends();
    nlohmann::ordered_json dc = nlohmann::ordered_json::object();
    for (const std::string& b : reg.Names()) {
      if (!reg.Unavailable(b).empty()) continue;
      std::vector<double> t;
      for (int i = 0; i < 5; ++i) {
        const auto t0 = Clock::now();
        (void)reg.Create(b, sp);
        t.push_back(Since(t0));
      }
      dc[b] = 1e3 * Median(t);
    }
    out["device_creation_ms"] = dc;
    fmt::print(stderr, "device creation (ms): {}\n", dc.dump());
  }

  // Memoized lookups: a database holding `lookups` records of the layer, each looked up once (the
  // database alone), then the same requests through a session (key computation included).
  const std::filesystem::path db_path =
      std::filesystem::temp_directory_path() / fmt::format("measure_bench-{}.db", ::getpid());
  std::filesystem::remove(db_path);
  {
    measure::Database db(db_path);
    std::vector<measure::Measurement> recs;
    std::vector<measure::Request> reqs;
    const uint64_t count = std::min<uint64_t>(uint64_t(lookups), space.size());
    for (uint64_t i = 0; i < count; ++i) {
      measure::Request r;
      r.layer = l;
      r.config = hw;
      r.backend = backend;
      r.schedule = space.At(i * (space.size() / count));
      measure::Measurement m;
      m.task = compiler::TaskKey(l);
      m.layer = l.name;
      m.config_tag = sp.tag;
      m.config_hash = measure::ConfigHashHex(hw);
      m.rtl_hash = measure::RtlHashFor(backend, hw);
      m.backend = backend;
      m.schedule = compiler::Normalize(l, r.schedule);
      m.cycles = 1000 + i;
      recs.push_back(m);
      reqs.push_back(r);
    }
    db.AddAll(recs, l, hw);
    std::vector<double> per;
    for (const auto& m : recs) {
      const measure::MemoKey k = measure::KeyOf(m);
      const auto t0 = Clock::now();
      if (!db.Lookup(k, 0)) throw Error("lookup missed");
      per.push_back(Since(t0));
    }
    measure::Session session(measure::SessionOptions{}, &db);
    const auto t0 = Clock::now();
    const auto got = session.Measure(reqs);
    const double batch_wall = Since(t0);
    out["memo"] = {{"records", recs.size()},
                   {"lookup_median_us", 1e6 * Median(per)},
                   {"session_per_point_us", 1e6 * batch_wall / double(reqs.size())},
                   {"session_memoized", session.counts().memoized}};
    fmt::print(stderr, "memoized lookup: median {:.1f} us in a database of {} records; {:.1f} us per point through a "
               "session\n", 1e6 * Median(per), recs.size(), 1e6 * batch_wall / double(reqs.size()));
  }
  std::filesystem::remove(db_path);
  std::filesystem::remove(db_path.string() + "-wal");
  std::filesystem::remove(db_path.string() + "-shm");
  fmt::print("{}\n", out.dump(2));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return Main(argc, argv);
  } catch (const std::exception& e) {
    fmt::print(stderr, "error: {}\n", e.what());
    return 1;
  }
}
