#include "host/measure/worker_pool.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <deque>
#include <exception>
#include <map>
#include <optional>
#include <thread>

#include "host/common/error.h"
#include "host/measure/measurer.h"
#include "host/measure/protocol.h"
#include "host/runtime/backends.h"
#include "rtl/gen/rtlgen.h"

#ifdef DCOC_MEASURE_WITH_VERILATOR
#include "sim/verilator/vta_model.h"
#endif

namespace dcoc::measure {

namespace {

using Clock = std::chrono::steady_clock;

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

std::string DescribeExit(int status) {
  if (WIFSIGNALED(status)) return fmt::format("killed by signal {} ({})", WTERMSIG(status), strsignal(WTERMSIG(status)));
  if (WIFEXITED(status)) return fmt::format("exited with code {}", WEXITSTATUS(status));
  return fmt::format("ended with status {:#x}", status);
}

// Starts `argv` as a child in its own process group (terminal signals such as Ctrl-C reach only the
// parent, which shuts the workers down), killed when the parent dies. `fd`, when >= 0, becomes the
// child's descriptor 3. The child's stdout goes to stderr: stray prints never mix with the parent's
// output.
pid_t Spawn(const std::vector<std::string>& args, int fd) {
  std::vector<char*> argv;
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) throw Error(fmt::format("cannot start a worker process: {}", std::strerror(errno)));
  if (pid == 0) {
    // Only async-signal-safe calls until exec.
    ::setpgid(0, 0);
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(126);
    const int devnull = ::open("/dev/null", O_RDONLY);
    if (devnull >= 0) ::dup2(devnull, 0);
    ::dup2(2, 1);
    if (fd >= 0) {
      if (fd == 3) {
        ::fcntl(3, F_SETFD, 0);
      } else {
        ::dup2(fd, 3);
      }
    }
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  return pid;
}

std::filesystem::path SelfExe() {
  std::error_code ec;
  std::filesystem::path p = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) throw Error(fmt::format("cannot find this executable (/proc/self/exe): {}", ec.message()));
  return p;
}

// Missing Verilator models, built by `<exe> worker --build-model TAG`.
class VerilatorModelBuilder final : public ModelBuilder {
 public:
  explicit VerilatorModelBuilder(std::filesystem::path exe) : exe_(std::move(exe)) {}
  bool Missing(const Request& r, const spec::Spec& s) const override {
#ifdef DCOC_MEASURE_WITH_VERILATOR
    return r.backend == "verilator" && !sim::HaveVtaModel(s);
#else
    (void)r;
    (void)s;
    return false;
#endif
  }
  pid_t Start(const std::string& tag) const override {
    return Spawn({exe_.string(), "worker", "--build-model", tag}, -1);
  }

 private:
  std::filesystem::path exe_;
};

}  // namespace

struct WorkerPool::Impl {
  struct Worker {
    pid_t pid = -1;
    int fd = -1;
    FrameDecoder dec;
    bool ready = false;
    std::optional<size_t> job;  // request index in flight
    Clock::time_point deadline;
  };
  struct Build {
    pid_t pid = -1;
    Clock::time_point start;
    double seconds = 0;
    bool done = false;
    bool charged = false;  // its seconds are on a measurement
    std::string error;
  };

  WorkerPoolOptions opts;
  std::filesystem::path exe;
  std::vector<Worker> workers;
  std::map<std::string, Build> builds;  // by configuration tag
  int restarts = 0;
  int start_failures = 0;

  void Start(Worker& w) {
    int sv[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
      throw Error(fmt::format("cannot create a worker socket pair: {}", std::strerror(errno)));
    try {
      std::vector<std::string> args = {exe.string(), "worker", "--fd", "3"};
      args.insert(args.end(), opts.worker_args.begin(), opts.worker_args.end());
      w.pid = Spawn(args, sv[1]);
    } catch (...) {
      ::close(sv[0]);
      ::close(sv[1]);
      throw;
    }
    ::close(sv[1]);
    ::fcntl(sv[0], F_SETFL, ::fcntl(sv[0], F_GETFL) | O_NONBLOCK);
    w.fd = sv[0];
    w.dec = FrameDecoder();
    w.ready = false;
    w.job.reset();
    w.deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(opts.start_seconds));
  }

  // Kills and reaps a worker; returns how it ended.
  std::string Stop(Worker& w, bool kill) {
    std::string how = "not running";
    if (w.fd >= 0) ::close(w.fd);
    w.fd = -1;
    if (w.pid > 0) {
      if (kill) ::kill(w.pid, SIGKILL);
      int status = 0;
      while (::waitpid(w.pid, &status, 0) < 0 && errno == EINTR) {
      }
      how = DescribeExit(status);
    }
    w.pid = -1;
    w.ready = false;
    return how;
  }

  void Restart(Worker& w) {
    ++restarts;
    Start(w);
  }

  void StartBuild(const std::string& tag) {
    Build b;
    b.start = Clock::now();
    b.pid = opts.builder->Start(tag);
    builds[tag] = b;
  }

  // Reaps finished model builds.
  void PollBuilds() {
    for (auto& [tag, b] : builds) {
      if (b.done) continue;
      int status = 0;
      const pid_t r = ::waitpid(b.pid, &status, WNOHANG);
      if (r == 0) continue;
      b.done = true;
      b.seconds = Seconds(Clock::now() - b.start);
      if (r < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
        b.error = fmt::format("building the Verilator model of configuration {} failed (the build process {}; "
                              "run `dcoc sim run` on the configuration to see the log)",
                              tag, r < 0 ? std::string(std::strerror(errno)) : DescribeExit(status));
    }
  }

  ~Impl() {
    for (Worker& w : workers)
      if (w.fd >= 0) {
        try {
          WriteFrame(w.fd, MessageType::kShutdown, nlohmann::json::object());
        } catch (const Error&) {
        }
      }
    const auto until = Clock::now() + std::chrono::seconds(2);
    for (Worker& w : workers) {
      if (w.pid <= 0) continue;
      int status = 0;
      while (Clock::now() < until && ::waitpid(w.pid, &status, WNOHANG) == 0)
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      if (::waitpid(w.pid, &status, WNOHANG) == 0) ::kill(w.pid, SIGKILL);
      Stop(w, false);
    }
    for (auto& [tag, b] : builds)
      if (!b.done) {
        ::kill(-b.pid, SIGKILL);  // the build's process group: verilator, make, the compilers
        int status = 0;
        ::waitpid(b.pid, &status, 0);
      }
  }
};

WorkerPool::WorkerPool(WorkerPoolOptions opts) : impl_(std::make_unique<Impl>()) {
  if (opts.jobs < 0 || opts.jobs > 256) throw UsageError(fmt::format("--jobs {} is out of range [0, 256]", opts.jobs));
  if (opts.jobs == 0) opts.jobs = std::max(1, int(std::thread::hardware_concurrency()));
  impl_->opts = opts;
  impl_->exe = opts.worker_exe.empty() ? SelfExe() : opts.worker_exe;
  if (!std::filesystem::exists(impl_->exe))
    throw UsageError(fmt::format("measurement worker executable {} does not exist", impl_->exe.string()));
  if (!impl_->opts.builder) impl_->opts.builder = std::make_shared<VerilatorModelBuilder>(impl_->exe);
  impl_->workers.resize(size_t(opts.jobs));
  for (auto& w : impl_->workers) impl_->Start(w);
}

WorkerPool::~WorkerPool() = default;

int WorkerPool::jobs() const { return int(impl_->workers.size()); }
int WorkerPool::restarts() const { return impl_->restarts; }

std::vector<int> WorkerPool::WorkerPids() const {
  std::vector<int> out;
  for (const auto& w : impl_->workers)
    if (w.pid > 0) out.push_back(w.pid);
  return out;
}

std::vector<Measurement> WorkerPool::Run(std::span<const Request> requests,
                                         const std::function<void(size_t, const Measurement&)>& done) {
  Impl& P = *impl_;
  std::vector<std::optional<Measurement>> results(requests.size());
  std::vector<spec::Spec> specs;
  specs.reserve(requests.size());
  for (const Request& r : requests) specs.push_back(spec::Spec::Create(r.config));
  std::deque<size_t> pending;
  std::vector<const std::string*> needs(requests.size(), nullptr);  // the tag of the model a request needs built
  // Per build still running, the first request waiting for it: its measurement carries the build time
  // (the others record 0: each waited for the same build).
  std::map<std::string, size_t> payer;
  for (size_t i = 0; i < requests.size(); ++i) {
    pending.push_back(i);
    if (P.opts.build_models && P.opts.builder->Missing(requests[i], specs[i])) {
      const std::string& tag = specs[i].tag;
      if (!P.builds.count(tag)) P.StartBuild(tag);
      needs[i] = &tag;
      if (!P.builds[tag].done) payer.emplace(tag, i);
    }
  }
  size_t remaining = requests.size();

  auto finish = [&](size_t i, Measurement m) {
    if (needs[i]) {
      Impl::Build& b = P.builds[*needs[i]];
      auto it = payer.find(*needs[i]);
      const bool pays = it != payer.end() && it->second == i && b.done && !b.charged;
      m.wall.build = pays ? b.seconds : 0;
      b.charged = b.charged || pays;
    }
    results[i] = std::move(m);
    --remaining;
    if (done) done(i, *results[i]);
  };
  auto failure = [&](size_t i, Status st, std::string msg) {
    Measurement m = Prefill(requests[i], specs[i]);
    m.status = st;
    m.error = std::move(msg);
    finish(i, std::move(m));
  };
  // A request is dispatchable once its configuration's model exists; a failed build fails it.
  auto model_state = [&](size_t i) -> int {  // 1 ready, 0 waiting, -1 failed
    if (!needs[i]) return 1;
    const Impl::Build& b = P.builds[*needs[i]];
    if (!b.done) return 0;
    return b.error.empty() ? 1 : -1;
  };

  // If the caller's callback (or anything here) throws, the workers still busy with this batch would
  // answer into the next one: restart them.
  struct BusyGuard {
    Impl& pool;
    ~BusyGuard() {
      if (std::uncaught_exceptions() == 0) return;
      for (auto& w : pool.workers)
        if (w.job) {
          pool.Stop(w, true);
          try {
            pool.Restart(w);
          } catch (...) {
          }
        }
    }
  } guard{P};

  while (remaining > 0) {
    P.PollBuilds();
    // Fail the requests whose model could not be built.
    for (auto it = pending.begin(); it != pending.end();) {
      if (model_state(*it) == -1) {
        const size_t i = *it;
        it = pending.erase(it);
        failure(i, Status::kCompileError, P.builds[*needs[i]].error);
      } else {
        ++it;
      }
    }
    // Dispatch to idle workers, in request order, skipping requests still waiting for a model.
    for (auto& w : P.workers) {
      if (!w.ready || w.job) continue;
      auto it = std::find_if(pending.begin(), pending.end(), [&](size_t i) { return model_state(i) == 1; });
      if (it == pending.end()) break;
      const size_t i = *it;
      pending.erase(it);
      try {
        WriteFrame(w.fd, MessageType::kMeasure, {{"id", i}, {"request", ToJson(requests[i])}});
        w.job = i;
        w.deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(
                                        requests[i].timeout_seconds + P.opts.grace_seconds));
      } catch (const Error&) {
        pending.push_front(i);  // the worker is gone: the poll below notices and restarts it
      }
    }
    if (remaining == 0) break;

    // Wait for results, deaths or deadlines.
    std::vector<pollfd> fds;
    for (auto& w : P.workers) fds.push_back({w.fd, POLLIN, 0});
    auto next = Clock::now() + std::chrono::milliseconds(200);
    for (auto& w : P.workers)
      if (!w.ready || w.job) next = std::min(next, w.deadline);
    const int wait_ms = std::max(0, int(std::chrono::duration_cast<std::chrono::milliseconds>(next - Clock::now()).count()) + 1);
    const int n = ::poll(fds.data(), fds.size(), wait_ms);
    if (n < 0 && errno != EINTR) throw Error(fmt::format("poll on the measurement workers failed: {}", std::strerror(errno)));

    for (size_t k = 0; k < P.workers.size(); ++k) {
      auto& w = P.workers[k];
      bool dead = false;
      std::string why;
      if (n > 0 && (fds[k].revents & (POLLIN | POLLHUP | POLLERR))) {
        uint8_t buf[65536];
        for (;;) {
          const ssize_t got = ::read(w.fd, buf, sizeof(buf));
          if (got > 0) {
            w.dec.Feed({buf, size_t(got)});
            continue;
          }
          if (got < 0 && errno == EINTR) continue;
          if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
          dead = true;  // end of stream or a socket error
          break;
        }
        // Decode first, report after: an exception from the caller's callback must not pass for a
        // protocol error of the worker.
        std::vector<std::pair<size_t, Measurement>> arrived;
        std::vector<std::pair<size_t, std::string>> refused;
        try {
          while (std::optional<Frame> f = w.dec.Next()) {
            if (f->type == MessageType::kHello) {
              w.ready = true;
              P.start_failures = 0;
            } else if (f->type == MessageType::kResult && w.job) {
              if (f->payload.value("id", nlohmann::json()) != nlohmann::json(*w.job))
                throw FormatError(fmt::format("result for request {} from a worker running request {}",
                                              f->payload.value("id", nlohmann::json()).dump(), *w.job));
              arrived.emplace_back(*w.job, MeasurementFromJson(f->payload.at("measurement")));
              w.job.reset();
            } else if (f->type == MessageType::kError && w.job) {
              refused.emplace_back(*w.job, f->payload.value("message", "?"));
              w.job.reset();
            } else {
              throw FormatError(fmt::format("unexpected {} frame from worker {}", Name(f->type), w.pid));
            }
          }
        } catch (const std::exception& e) {  // FormatError, or a result that is not a measurement
          dead = true;
          why = fmt::format("protocol error: {}", e.what());
        }
        for (auto& [i, m] : arrived) finish(i, std::move(m));
        for (auto& [i, msg] : refused)
          failure(i, Status::kRuntimeError, fmt::format("the worker could not serve the request: {}", msg));
      }
      const bool late = !dead && (!w.ready || w.job) && Clock::now() > w.deadline;
      if (!dead && !late) continue;
      const pid_t pid = w.pid;
      const std::string how = P.Stop(w, true);
      if (w.job) {
        const size_t i = *w.job;
        w.job.reset();
        if (late)
          failure(i, Status::kTimeout,
                  fmt::format("worker {} exceeded the {} s limit (timeout {} s + grace {} s) and was killed", pid,
                              requests[i].timeout_seconds + P.opts.grace_seconds, requests[i].timeout_seconds,
                              P.opts.grace_seconds));
        else
          failure(i, Status::kWorkerCrash,
                  fmt::format("the worker {} during the measurement{}", how, why.empty() ? "" : "; " + why));
      } else if (!w.ready && ++P.start_failures > 3 * int(P.workers.size())) {
        throw Error(fmt::format("measurement workers ({} worker --fd 3) keep failing to start: the last {}{}",
                                P.exe.string(), late ? "did not say hello in time" : how, why.empty() ? "" : "; " + why));
      }
      P.Restart(w);
    }
  }
  std::vector<Measurement> out;
  out.reserve(results.size());
  for (auto& r : results) out.push_back(std::move(*r));
  return out;
}

void BuildModel(const std::string& config_tag) {
#ifdef DCOC_MEASURE_WITH_VERILATOR
  sim::BuildVtaModel(spec::Spec::Create(spec::LoadConfig(config_tag)));
#else
  throw UsageError(fmt::format("cannot build a Verilator model of {}: this dcoc was built without Verilator", config_tag));
#endif
}

int RunWorker(int fd, const MeasurerOptions& opts) {
  ::signal(SIGPIPE, SIG_IGN);
  Measurer measurer(runtime::BuiltinBackends(), opts);
  try {
    nlohmann::json hello = {{"version", std::string(Version())},
                            {"protocol", kProtocolVersion},
                            {"pid", ::getpid()},
                            {"worker", ProcessName()},
                            {"backends", runtime::BuiltinBackends().Names()},
                            {"rtl_sources_hash", rtl::RtlSourcesHash()}};
    WriteFrame(fd, MessageType::kHello, hello);
    FrameDecoder dec;
    while (std::optional<Frame> f = ReadFrame(fd, dec)) {
      if (f->type == MessageType::kShutdown) return 0;
      if (f->type != MessageType::kMeasure)
        throw FormatError(fmt::format("a worker expects measure or shutdown frames, got {}", Name(f->type)));
      const nlohmann::json id = f->payload.contains("id") ? f->payload["id"] : nlohmann::json(nullptr);
      try {
        const Request r = RequestFromJson(f->payload.at("request"));
        WriteFrame(fd, MessageType::kResult, {{"id", id}, {"measurement", ToJson(measurer.Measure(r))}});
      } catch (const nlohmann::json::exception& e) {
        WriteFrame(fd, MessageType::kError, {{"id", id}, {"message", e.what()}});
      } catch (const FormatError& e) {
        WriteFrame(fd, MessageType::kError, {{"id", id}, {"message", e.what()}});
      } catch (const UsageError& e) {
        WriteFrame(fd, MessageType::kError, {{"id", id}, {"message", e.what()}});
      } catch (const ConfigError& e) {
        WriteFrame(fd, MessageType::kError, {{"id", id}, {"message", e.what()}});
      }
    }
  } catch (const Error& e) {
    fmt::print(stderr, "dcoc worker {}: {}\n", ::getpid(), e.what());
    return 2;
  }
  return 0;
}

}  // namespace dcoc::measure
