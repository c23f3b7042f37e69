// Shared helpers of the farm tests: keys, a tracker on a loopback port in a thread, a fast fake runner,
// requests with distinct schedules.
#pragma once

#include <sys/stat.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "host/compiler/space.h"
#include "host/measure/measurer.h"
#include "host/server/auth.h"
#include "host/server/tracker.h"
#include "host/server/worker.h"
#include "tests/measure/test_util.h"

namespace dcoc::server::testing {

using measure::testing::TempDir;

// Keys of one farm: a client, a second client, a worker and an admin, in a keys file and peer files.
struct Keys {
  Key client = GenerateKey("alice", Role::kClient);
  Key client2 = GenerateKey("bob", Role::kClient);
  Key worker = GenerateKey("w", Role::kWorker);
  Key admin = GenerateKey("root", Role::kAdmin);
  KeyRing Ring() const {
    return KeyRing::Parse(FormatKey(client) + FormatKey(client2) + FormatKey(worker) + FormatKey(admin), "test keys");
  }
  // Writes the keys file and one file per key (mode 0600) into `dir`.
  void Write(const std::filesystem::path& dir) const {
    for (const Key* k : {&client, &client2, &worker, &admin}) {
      AppendKey(dir / "tracker.keys", *k);
      WriteKeyFile(dir / (k->id + ".key"), *k);
    }
  }
};

// A tracker serving on 127.0.0.1 in its own thread.
class TrackerThread {
 public:
  TrackerThread(TrackerOptions o, KeyRing keys, uint16_t port = 0, TlsOptions tls = {}) {
    tracker_ = std::make_unique<Tracker>(o, std::move(keys), tls, Logger("tracker", [this](std::string_view l) {
                                           if (std::getenv("DCOC_TEST_LOG")) fmt::print(stderr, "{}\n", l);
                                           std::lock_guard<std::mutex> lock(mu_);
                                           log_ += std::string(l) + "\n";
                                         }));
    port_ = tracker_->Listen(fmt::format("127.0.0.1:{}", port));
    thread_ = std::thread([this] { tracker_->Run(); });
  }
  ~TrackerThread() {
    tracker_->Stop();
    thread_.join();
  }
  uint16_t port() const { return port_; }
  std::string address() const { return fmt::format("127.0.0.1:{}", port_); }
  Tracker& tracker() { return *tracker_; }
  std::string log() const {
    std::lock_guard<std::mutex> lock(mu_);
    return log_;
  }
  // Waits (bounded) until `text` occurs in the log `times` times.
  bool WaitLog(const std::string& text, double seconds = 60, size_t times = 1) const {
    const auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    while (std::chrono::steady_clock::now() < until) {
      const std::string l = log();
      size_t n = 0;
      for (size_t at = l.find(text); at != std::string::npos && n < times; at = l.find(text, at + 1)) ++n;
      if (n >= times) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  }

 private:
  std::unique_ptr<Tracker> tracker_;
  std::thread thread_;
  uint16_t port_ = 0;
  mutable std::mutex mu_;
  std::string log_;
};

// Tracker timing for tests: frequent heartbeats, but limits far above anything a loaded machine takes
// (a test that checks a limit sets it short itself and asserts only what happens once it is exceeded).
inline TrackerOptions FastOptions() {
  TrackerOptions o;
  o.heartbeat_seconds = 0.1;
  o.idle_seconds = 60;
  o.handshake_seconds = 60;
  o.job_grace_seconds = 60;
  return o;
}

// A gate measurements can wait at: closed until Open().
class Gate {
 public:
  void Wait() {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return open_; });
  }
  void Open() {
    std::lock_guard<std::mutex> lock(mu_);
    open_ = true;
    cv_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool open_ = false;
};

// Counts how often each schedule was measured, across every fake runner.
struct MeasureLog {
  std::mutex mu;
  std::map<std::string, int> times;
  int Total() {
    std::lock_guard<std::mutex> lock(mu);
    int n = 0;
    for (const auto& [k, v] : times) n += v;
    return n;
  }
};

// Measures without simulating: cycles are a hash of the schedule; `before` (optional) runs first and
// may block (a Gate), `delay` stands for the measurement's duration.
class FakeRunner : public SlotRunner {
 public:
  FakeRunner(MeasureLog* log, double delay_seconds, std::function<void()> before = {})
      : log_(log), delay_(delay_seconds), before_(std::move(before)) {}
  measure::Measurement Measure(const measure::Request& r) override {
    if (before_) before_();
    if (delay_ > 0) std::this_thread::sleep_for(std::chrono::duration<double>(delay_));
    measure::Measurement m = measure::Prefill(r, spec::Spec::Create(r.config));
    const std::string key = compiler::ToString(m.schedule);
    m.cycles = 1000 + std::hash<std::string>()(key) % 100000;
    m.status = measure::Status::kOk;
    if (log_) {
      std::lock_guard<std::mutex> lock(log_->mu);
      ++log_->times[key];
    }
    return m;
  }

 private:
  MeasureLog* log_;
  double delay_;
  std::function<void()> before_;
};

inline RunnerFactory FakeRunners(MeasureLog* log, double delay_seconds = 0, std::function<void()> before = {}) {
  return [log, delay_seconds, before](int) { return std::make_unique<FakeRunner>(log, delay_seconds, before); };
}

inline Capabilities FakeCaps(int slots, std::vector<std::string> backends = {"fsim"}) {
  Capabilities c;
  c.name = "fake";
  c.backends = std::move(backends);
  c.slots = slots;
  c.version = std::string(measure::Version());
  return c;
}

inline PeerOptions PeerOpts(const std::string& address, const Key& key, const std::string& who = "peer") {
  PeerOptions p;
  p.tracker = address;
  p.key = key;
  p.connect_seconds = 60;
  p.reconnect_seconds = 120;
  p.log = std::getenv("DCOC_TEST_LOG") ? Logger(who) : Logger(who, [](std::string_view) {});
  return p;
}

// `n` fsim requests of a small layer with distinct valid schedules (seeded).
inline std::vector<measure::Request> Requests(size_t n, uint64_t seed = 1) {
  const compiler::ConvLayer l = measure::testing::Layer("resnet18.C5", 8);
  const spec::Spec sp = spec::Spec::Create(spec::LoadConfig("default"));
  const compiler::ScheduleSpace space(l, sp);
  std::mt19937_64 rng(seed);
  std::vector<measure::Request> out;
  std::set<uint64_t> seen;
  for (size_t tries = 0; out.size() < n && tries < 100 * n; ++tries) {
    const std::optional<compiler::KnobIndices> p = space.Sample(rng);
    if (p && seen.insert(space.Index(*p)).second)
      out.push_back(measure::testing::MakeRequest(l, "default", "fsim", space.At(*p)));
  }
  return out;
}

// TLS material made with the openssl command: a CA and a certificate for 127.0.0.1 it signed.
struct Certs {
  TempDir dir;
  bool ok = false;
  std::string Path(const char* name) const { return (dir / name).string(); }
  explicit Certs(const char* cn = "127.0.0.1") {
    std::ofstream(dir / "ext.cnf") << "subjectAltName=IP:127.0.0.1\n";
    const std::string d = dir.path().string();
    const std::string cmd = fmt::format(
        "cd '{0}' && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout ca.key "
        "-out ca.pem -days 2 -subj /CN=dcoc-test-ca && "
        "openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout srv.key -out srv.csr -subj "
        "/CN={1} && "
        "openssl x509 -req -in srv.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out srv.pem -days 2 -extfile ext.cnf "
        "&& "
        "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout other.key -out other.pem "
        "-days 2 -subj /CN=other-ca",
        d, cn);
    ok = std::system((cmd + " > /dev/null 2>&1").c_str()) == 0;
  }
};

// Polls `pred` every 10 ms; `seconds` only guards against a hang.
template <typename F>
bool Eventually(F pred, double seconds = 120) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (std::chrono::steady_clock::now() < until) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return pred();
}

}  // namespace dcoc::server::testing
