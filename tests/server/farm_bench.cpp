// farm_bench: the tracker under load on loopback with a fast fake backend. Not a test: prints one JSON
// object (docs/benchmarks.md records the figures).
//   farm_bench [--clients 100] [--requests 100000] [--batch 100] [--workers 4] [--slots 8] [--tls]
// Every client has its own key and connection and submits its share in batches (as a tuner submits its
// plans); latency is from a request's submission to its result. Lost = requests never answered,
// duplicated = requests answered twice to the caller.
#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <nlohmann/json.hpp>
#include <thread>

#include "host/common/error.h"
#include "host/server/client.h"
#include "tests/server/farm_util.h"

namespace {

using namespace dcoc;
using namespace dcoc::server;
using namespace dcoc::server::testing;

double Since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

double Percentile(std::vector<double>& v, double p) {
  if (v.empty()) return 0;
  const size_t k = std::min(v.size() - 1, size_t(p * double(v.size())));
  std::nth_element(v.begin(), v.begin() + std::ptrdiff_t(k), v.end());
  return v[k];
}

int Main(int argc, char** argv) {
  int clients = 100, requests = 100000, batch = 100, workers = 4, slots = 8;
  bool tls = false;
  for (int i = 1; i < argc; ++i) {
    auto next = [&] {
      if (i + 1 >= argc) throw UsageError(fmt::format("{} needs a value", argv[i]));
      return std::stoi(argv[++i]);
    };
    if (!std::strcmp(argv[i], "--clients")) clients = next();
    else if (!std::strcmp(argv[i], "--requests")) requests = next();
    else if (!std::strcmp(argv[i], "--batch")) batch = next();
    else if (!std::strcmp(argv[i], "--workers")) workers = next();
    else if (!std::strcmp(argv[i], "--slots")) slots = next();
    else if (!std::strcmp(argv[i], "--tls")) tls = true;
    else throw UsageError(fmt::format("unknown option {}", argv[i]));
  }
  if (clients < 1 || requests < clients || batch < 1 || workers < 1 || slots < 1)
    throw UsageError("need clients >= 1, requests >= clients, batch, workers and slots >= 1");

  // Keys: one per client, one for the workers.
  std::string text;
  std::vector<Key> client_keys;
  for (int c = 0; c < clients; ++c) {
    client_keys.push_back(GenerateKey(fmt::format("c{}", c), Role::kClient));
    text += FormatKey(client_keys.back());
  }
  const Key worker_key = GenerateKey("w", Role::kWorker);
  text += FormatKey(worker_key);
  TrackerOptions o;  // the defaults: heartbeats every 2 s, idle limit 10 s
  std::unique_ptr<Certs> certs;
  TlsOptions server_tls;
  if (tls) {
    certs = std::make_unique<Certs>();
    if (!certs->ok) throw Error("openssl could not make the certificates for --tls");
    server_tls = {certs->Path("srv.pem"), certs->Path("srv.key"), ""};
  }
  TrackerThread tracker(o, KeyRing::Parse(text, "bench keys"), 0, server_tls);
  auto peer = [&](const Key& k, const char* who) {
    PeerOptions p = PeerOpts(tracker.address(), k, who);
    if (tls) p.tls.ca = certs->Path("ca.pem");
    return p;
  };

  MeasureLog measured;
  std::vector<std::unique_ptr<FarmWorker>> farm;
  std::vector<std::thread> worker_threads;
  for (int w = 0; w < workers; ++w) {
    WorkerOptions wo;
    wo.peer = peer(worker_key, "worker");
    wo.caps = FakeCaps(slots);
    wo.runners = FakeRunners(&measured);
    farm.push_back(std::make_unique<FarmWorker>(std::move(wo)));
    worker_threads.emplace_back([&w = *farm.back()] { w.Run(); });
  }

  const std::vector<measure::Request> pool = Requests(1000);
  const int per_client = requests / clients;
  std::vector<std::vector<double>> latencies(static_cast<size_t>(clients));
  std::atomic<int64_t> lost{0}, duplicated{0}, answered{0};
  std::vector<std::unique_ptr<FarmClient>> conns;
  for (int c = 0; c < clients; ++c) {
    ClientOptions co;
    co.peer = peer(client_keys[size_t(c)], "client");
    co.max_wait_seconds = 120;
    conns.push_back(std::make_unique<FarmClient>(co));
  }
  const auto t0 = Clock::now();
  std::vector<std::thread> threads;
  for (int c = 0; c < clients; ++c)
    threads.emplace_back([&, c] {
      std::vector<double>& lat = latencies[size_t(c)];
      for (int done = 0; done < per_client;) {
        const int n = std::min(batch, per_client - done);
        std::vector<measure::Request> reqs;
        for (int k = 0; k < n; ++k) reqs.push_back(pool[size_t(c * per_client + done + k) % pool.size()]);
        std::vector<int> times(size_t(n), 0);
        const auto start = Clock::now();
        try {
          conns[size_t(c)]->Run(reqs, [&](size_t i, const measure::Measurement&) {
            if (++times[i] == 1) lat.push_back(Since(start) * 1e3);
          });
        } catch (const Error& e) {
          fmt::print(stderr, "client {}: {}\n", c, e.what());
        }
        for (int t : times) {
          if (t == 0) ++lost;
          if (t > 1) duplicated += t - 1;
          if (t > 0) ++answered;
        }
        done += n;
      }
    });
  for (std::thread& t : threads) t.join();
  const double seconds = Since(t0);
  const TrackerCore::Counters counters = tracker.tracker().Counters();
  conns.clear();
  for (auto& w : farm) w->Stop();
  for (std::thread& t : worker_threads) t.join();

  std::vector<double> all;
  for (const auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
  nlohmann::ordered_json j;
  j["benchmark"] = "farm_load";
  j["clients"] = clients;
  j["requests"] = int64_t(per_client) * clients;
  j["batch"] = batch;
  j["workers"] = workers;
  j["slots_per_worker"] = slots;
  j["backend"] = "fake (in-process, no simulation)";
  j["tls"] = tls;
  j["seconds"] = seconds;
  j["requests_per_second"] = double(answered.load()) / seconds;
  j["latency_ms"] = {{"p50", Percentile(all, 0.50)}, {"p99", Percentile(all, 0.99)}, {"max", Percentile(all, 1.0)}};
  j["answered"] = answered.load();
  j["lost"] = lost.load();
  j["duplicated"] = duplicated.load();
  j["measured_by_workers"] = measured.Total();
  j["tracker"] = {{"completed", counters.completed}, {"requeued", counters.requeued}, {"duplicates_dropped", counters.duplicates},
                  {"auth_ok", counters.auth_ok}};
  j["machine"] = fmt::format("{} hardware threads (shared)", std::thread::hardware_concurrency());
  fmt::print("{}\n", j.dump(2));
  return lost.load() == 0 && duplicated.load() == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return Main(argc, argv);
  } catch (const std::exception& e) {
    fmt::print(stderr, "error: {}\n", e.what());
    return 2;
  }
}
