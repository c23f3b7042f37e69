// The fault run (docs/farm.md): a tuning run of N measurements through a tracker and 4 local workers
// (real dcoc processes on loopback) while workers are killed with SIGKILL at random moments and
// restarted, and the tracker is killed and restarted once. Afterwards every candidate must be in the
// tuning database exactly once. Used by server_test (a small run) and farm_fault_test (the full run).
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "host/measure/database.h"
#include "tests/server/farm_util.h"

namespace dcoc::server::testing {

// A child process with its output in a file; killed (SIGKILL) and reaped when destroyed.
class Process {
 public:
  Process(const std::vector<std::string>& argv, const std::filesystem::path& out) {
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    pid_ = ::fork();
    if (pid_ == 0) {
      const int fd = ::open(out.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      if (fd >= 0) {
        ::dup2(fd, 1);
        ::dup2(fd, 2);
      }
      ::execv(args[0], args.data());
      ::_exit(127);
    }
  }
  ~Process() {
    if (pid_ > 0 && !done_) {
      ::kill(pid_, SIGKILL);
      Wait();
    }
  }
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;
  pid_t pid() const { return pid_; }
  void Kill() {
    ::kill(pid_, SIGKILL);
    Wait();
  }
  // Exit code (128 + signal when killed).
  int Wait() {
    if (done_) return code_;
    int st = 0;
    while (::waitpid(pid_, &st, 0) < 0 && errno == EINTR) {
    }
    done_ = true;
    code_ = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    return code_;
  }
  // True (and the code in `code`) once it has ended; never blocks.
  bool Ended() {
    if (done_) return true;
    int st = 0;
    if (::waitpid(pid_, &st, WNOHANG) != pid_) return false;
    done_ = true;
    code_ = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    return true;
  }

 private:
  pid_t pid_ = -1;
  bool done_ = false;
  int code_ = -1;
};

inline std::string ReadText(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct FaultRunOptions {
  int measurements = 1000;
  int workers = 4;
  int kills = 20;
  bool restart_tracker = true;
  double max_seconds = 1800;  // the whole run (a guard against a hang, not a performance limit)
  uint64_t seed = 1;
  // ResNet-18's C2 shape: fsim takes ~0.2 s of one core per candidate here, so faults land mid-run.
  // Sanitizer builds are about ten times slower: a smaller image keeps the run as long.
#ifdef NDEBUG
  std::string conv = "1,64,56,56,64,3,3,1,1";
#else
  std::string conv = "1,64,14,14,64,3,3,1,1";
#endif
};

struct FaultRunResult {
  int exit_code = -1;
  int kills = 0;
  bool tracker_restarted = false;
  double seconds = 0;
  int64_t records = 0, distinct = 0, ok = 0;
  std::string client_output, tracker_log;
};

inline FaultRunResult RunWithFaults(const std::string& dcoc, const FaultRunOptions& o) {
  TempDir dir;
  Keys keys;
  keys.Write(dir.path());
  const std::string keysfile = (dir / "tracker.keys").string();
  auto tracker_argv = [&](uint16_t port) {
    return std::vector<std::string>{dcoc, "tracker", "--listen", fmt::format("127.0.0.1:{}", port), "--keys", keysfile,
                                    "--port-file", (dir / "port").string(), "--heartbeat", "0.5", "--idle", "3",
                                    "--log", (dir / "tracker.log").string()};
  };
  auto tracker = std::make_unique<Process>(tracker_argv(0), dir / "tracker.out");
  uint16_t port = 0;
  Eventually([&] {
    const std::string p = ReadText(dir / "port");
    if (!p.empty()) port = uint16_t(std::stoi(p));
    return port != 0;
  });
  if (port == 0) throw Error("the tracker did not start");
  const std::string address = fmt::format("127.0.0.1:{}", port);
  auto worker_argv = [&](int i) {
    return std::vector<std::string>{dcoc, "worker", "--tracker", address, "--key", (dir / "w.key").string(),
                                    "--backend", "fsim", "--slots", "1", "--name", fmt::format("w{}", i),
                                    "--reconnect", "120", "--log", (dir / fmt::format("w{}.log", i)).string()};
  };
  std::vector<std::unique_ptr<Process>> workers;
  for (int i = 0; i < o.workers; ++i) workers.push_back(std::make_unique<Process>(worker_argv(i), dir / "workers.out"));
  // The tuning run: the cost model's best N distinct candidates, measured through the farm into a
  // tuning database.
  Process client({dcoc, "layer", "search", "--conv", o.conv, "--backend", "fsim", "--top",
                  std::to_string(o.measurements), "--random", "0", "--seed", std::to_string(o.seed), "--farm", address,
                  "--key", (dir / "alice.key").string(), "--db", (dir / "run.db").string(), "--json"},
                 dir / "client.out");

  // The faults land at random points of the run's progress (results committed to the database), not
  // at wall-clock moments, so they happen mid-run on a fast and on a slow machine alike: the moments are
  // drawn from the first 80% of the run, and while a fault is injected every worker is stopped
  // (SIGSTOP), so the run cannot finish before the last fault.
  FaultRunResult r;
  const auto t0 = Clock::now();
  std::mt19937_64 rng(o.seed);
  const int faults = o.kills + (o.restart_tracker ? 1 : 0);
  std::vector<int64_t> at;
  for (int i = 0; i < faults; ++i) at.push_back(1 + int64_t(rng() % uint64_t(std::max(1, o.measurements * 4 / 5))));
  std::sort(at.begin(), at.end());
  const int restart_at = o.kills / 2;  // the tracker restart comes after this many kills
  std::unique_ptr<measure::Database> progress;
  auto committed = [&]() -> int64_t {
    try {
      if (!progress && std::filesystem::exists(dir / "run.db"))
        progress = std::make_unique<measure::Database>(dir / "run.db", measure::Database::Mode::kReadOnly);
      return progress ? progress->Count() : 0;
    } catch (const Error&) {  // not created yet
      progress.reset();
      return 0;
    }
  };
  auto signal_workers = [&](int sig) {
    for (const auto& w : workers) ::kill(w->pid(), sig);
  };
  size_t next = 0;
  while (!client.Ended()) {
    if (std::chrono::duration<double>(Clock::now() - t0).count() > o.max_seconds) {
      signal_workers(SIGCONT);
      client.Kill();
      break;
    }
    if (next == at.size() || committed() < at[next]) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));  // polling interval, not synchronization
      continue;
    }
    signal_workers(SIGSTOP);
    if (o.restart_tracker && !r.tracker_restarted && r.kills >= restart_at) {
      tracker->Kill();
      signal_workers(SIGCONT);
      std::this_thread::sleep_for(std::chrono::milliseconds(200 + rng() % 800));  // the tracker is down a while
      tracker = std::make_unique<Process>(tracker_argv(port), dir / "tracker.out");
      r.tracker_restarted = true;
    } else {
      const size_t i = rng() % workers.size();
      workers[i]->Kill();
      workers[i] = std::make_unique<Process>(worker_argv(int(i)), dir / "workers.out");
      ++r.kills;
      signal_workers(SIGCONT);
    }
    ++next;
  }
  progress.reset();
  r.exit_code = client.Wait();
  r.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  r.client_output = ReadText(dir / "client.out");
  r.tracker_log = ReadText(dir / "tracker.log");
  workers.clear();
  tracker.reset();
  if (std::filesystem::exists(dir / "run.db")) {
    measure::Database db(dir / "run.db", measure::Database::Mode::kReadOnly);
    std::set<std::string> schedules;
    for (const measure::Measurement& m : db.Records()) {
      ++r.records;
      if (m.ok()) ++r.ok;
      schedules.insert(compiler::ToString(m.schedule));
    }
    r.distinct = int64_t(schedules.size());
  }
  return r;
}

}  // namespace dcoc::server::testing
