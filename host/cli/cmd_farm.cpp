// dcoc tracker | worker | farm status|keygen|slurm: the measurement farm (docs/farm.md). `dcoc worker`
// is also what a local measurement pool starts (--fd, hidden), so it lives here whether or not this
// build has the farm.
#include <fmt/format.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <fstream>
#include <thread>

#include "host/cli/cli_util.h"
#include "host/cli/commands.h"
#include "host/common/error.h"
#include "host/measure/worker_pool.h"

#ifdef DCOC_CLI_WITH_SERVER
#include "host/server/client.h"
#include "host/server/slurm.h"
#include "host/server/tracker.h"
#include "host/server/worker.h"
#endif

namespace dcoc::cli {

namespace {

struct FarmArgs {
  // worker (local pool)
  int fd = -1;
  std::string build_model;
  bool check_programs = false;
  // shared
  std::string tracker, listen, keys, key, log;
  std::string tls_cert, tls_key, tls_ca;
  bool json = false;
  // tracker
  double heartbeat = 2, idle = 10, grace = 900;
  std::string port_file;
  // worker
  std::vector<std::string> backends;
  int slots = 1;
  std::string name, board, board_id, config;
  double reconnect = 300;
  // keygen
  std::string id, role = "client", out;
  // slurm
  int nodes = 1;
  std::string partition, time, dir = "dcoc-farm-slurm", dcoc, cancel;
  std::vector<std::string> sbatch_args, command;
};

#ifdef DCOC_CLI_WITH_SERVER

server::TlsOptions Tls(const FarmArgs& a) { return {a.tls_cert, a.tls_key, a.tls_ca}; }

server::PeerOptions PeerFor(const FarmArgs& a, const char* who) {
  server::PeerOptions p;
  p.tracker = a.tracker;
  p.key = server::LoadKey(a.key);
  p.tls = Tls(a);
  p.reconnect_seconds = a.reconnect;
  p.log = a.log.empty() ? server::Logger(who) : server::Logger::ToFile(who, a.log);
  return p;
}

void AddTlsOptions(CLI::App* c, FarmArgs& a, bool server_side) {
  if (server_side) {
    c->add_option("--tls-cert", a.tls_cert, "TLS: the tracker's certificate chain (PEM); turns TLS on");
    c->add_option("--tls-key", a.tls_key, "TLS: the tracker's private key (PEM)");
    c->add_option("--tls-ca", a.tls_ca, "TLS: require peer certificates signed by this CA (PEM)");
  } else {
    c->add_option("--tls-ca", a.tls_ca, "TLS: verify the tracker's certificate with this CA (PEM); turns TLS on");
    c->add_option("--tls-cert", a.tls_cert, "TLS: this peer's certificate, when the tracker asks for one");
    c->add_option("--tls-key", a.tls_key, "TLS: this peer's private key");
  }
}

// Blocks SIGINT and SIGTERM in every thread started from now on and calls `fn` from a watcher thread
// at the first one; a second one ends the process at once.
void OnTerminate(std::function<void()> fn) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  std::thread([set, fn = std::move(fn)] {
    int sig = 0;
    sigwait(&set, &sig);
    fmt::print(stderr, "dcoc worker: signal {}: finishing the measurements in progress (again to stop now)\n", sig);
    fn();
    sigwait(&set, &sig);
    ::_exit(128 + sig);
  }).detach();
}

void RunTracker(const FarmArgs& a) {
  server::TrackerOptions o;
  o.heartbeat_seconds = a.heartbeat;
  o.idle_seconds = a.idle;
  o.job_grace_seconds = a.grace;
  server::Logger log = a.log.empty() ? server::Logger("tracker") : server::Logger::ToFile("tracker", a.log);
  server::Tracker tracker(o, server::KeyRing::Load(a.keys), Tls(a), log);
  const uint16_t port = tracker.Listen(a.listen);
  const server::HostPort hp = server::ParseHostPort(a.listen);
  const std::string where = hp.host.find(':') != std::string::npos ? fmt::format("[{}]:{}", hp.host, port)
                                                                     : fmt::format("{}:{}", hp.host, port);
  if (!a.port_file.empty()) {
    const std::string tmp = a.port_file + ".tmp";
    std::ofstream(tmp) << port << "\n";
    std::filesystem::rename(tmp, a.port_file);
  }
  fmt::print("tracker listening on {}\n", where);
  std::fflush(stdout);
  tracker.Run(true);
}

void RunFarmWorker(const FarmArgs& a, const runtime::Registry& registry) {
  server::BoardOptions board{a.board, a.board_id, a.config};
  server::WorkerOptions o;
  o.peer = PeerFor(a, "worker");
  o.caps = server::LocalCapabilities(registry, a.backends, a.slots, board, a.name);
  measure::WorkerPoolOptions pool;
  if (!board.name.empty()) pool.worker_args.push_back("--check-programs");
  o.runners = server::PoolRunners(pool);
  server::FarmWorker worker(std::move(o));
  OnTerminate([&worker] { worker.Stop(); });
  worker.Run();
}

void PrintStatus(const nlohmann::json& s) {
  const auto& t = s["tracker"];
  fmt::print("tracker {} (dcoc {}), up {:.0f} s\n", t.value("name", "?"), t.value("version", "?"),
             t.value("uptime_seconds", 0.0));
  const auto& q = s["queues"];
  const auto& th = s["throughput"];
  fmt::print("queue: {} queued, {} running; {} measurements done, {} in the last minute ({:.2f}/s overall)\n",
             q.value("queued", 0), q.value("running", 0), th.value("completed", 0), th.value("last_minute", 0),
             th.value("per_second", 0.0));
  fmt::print("workers: {}\n", s["workers"].size());
  for (const auto& w : s["workers"]) {
    std::string backends;
    for (const auto& b : w["backends"]) backends += (backends.empty() ? "" : ",") + b.get<std::string>();
    std::string board;
    if (w.contains("board")) board = fmt::format("  board {} ({})", w["board"].value("name", ""), w["board"].value("id", ""));
    fmt::print("  {:<32} {:<8} {}/{} busy  done {:>6}  failed {:>4}  lost {:>3}  heard {:.1f} s ago  [{}]{}\n",
               w.value("name", "?"), w.value("healthy", false) ? "healthy" : "late", w.value("running", 0),
               w.value("slots", 0), w.value("done", 0), w.value("failed", 0), w.value("lost", 0),
               w.value("last_heard_seconds_ago", 0.0), backends, board);
  }
  for (const auto& c : q["clients"])
    fmt::print("client {:<20} {} connection(s)  queued {}  running {}  completed {}  failed {}\n", c.value("key_id", "?"),
               c.value("connections", 0), c.value("queued", 0), c.value("running", 0), c.value("completed", 0),
               c.value("failed", 0));
  const auto& f = s["failures"];
  std::string fails;
  for (auto it = f.begin(); it != f.end(); ++it)
    if (it->is_number() && it->get<int64_t>() != 0) fails += fmt::format(" {} {}", it.key(), it->get<int64_t>());
  fmt::print("failures:{}\n", fails.empty() ? " none" : fails);
}

void Keygen(const FarmArgs& a) {
  if (a.out.empty() && a.keys.empty()) throw UsageError("farm keygen needs -o FILE (the peer's key) and/or --keys FILE");
  const server::Key k = server::GenerateKey(a.id, server::RoleFromName(a.role));
  if (!a.keys.empty()) server::AppendKey(a.keys, k);
  if (!a.out.empty()) server::WriteKeyFile(a.out, k);
  fmt::print("{} key \"{}\"{}{}\n", a.role, a.id, a.keys.empty() ? "" : " added to " + a.keys,
             a.out.empty() ? "" : ", written to " + a.out);
}

void Slurm(const FarmArgs& a) {
  if (!a.cancel.empty()) {
    server::CancelWorkers(a.cancel);
    fmt::print("cancelled Slurm job {}\n", a.cancel);
    return;
  }
  server::SlurmOptions o;
  o.tracker = a.tracker;
  o.key = std::filesystem::absolute(a.key);
  o.nodes = a.nodes;
  o.partition = a.partition;
  o.time = a.time;
  o.slots = a.slots;
  o.backends = a.backends;
  o.tls = Tls(a);
  o.dir = std::filesystem::absolute(a.dir);
  o.sbatch_args = a.sbatch_args;
  o.dcoc = a.dcoc.empty() ? std::filesystem::read_symlink("/proc/self/exe") : std::filesystem::path(a.dcoc);
  server::LoadKey(o.key);  // a readable worker key, before anything is submitted
  const std::string job = server::SubmitWorkers(o);
  fmt::print("submitted Slurm job array {} ({} worker(s); script and logs in {})\n", job, o.nodes, o.dir.string());
  std::fflush(stdout);
  if (a.command.empty()) {
    fmt::print("cancel it with: dcoc farm slurm --cancel {}\n", job);
    return;
  }
  int rc = 0;
  try {
    rc = server::RunChild(a.command);
  } catch (...) {
    server::CancelWorkers(job);
    throw;
  }
  server::CancelWorkers(job);
  fmt::print("the command ended (exit code {}); cancelled Slurm job {}\n", rc, job);
  if (rc != 0) throw ExecError(fmt::format("{} exited with code {}", a.command[0], rc));
}

#endif  // DCOC_CLI_WITH_SERVER

}  // namespace

void RegisterFarmCommands(CLI::App& app, const Context& ctx) {
  static FarmArgs args;
  auto* worker = app.add_subcommand(
      "worker", "A measurement-farm worker: joins a tracker, measures the requests it sends (dcoc tracker)");
  worker->add_option("--fd", args.fd, "Internal (local measurement pool): serve the protocol on this descriptor")
      ->group("");
  worker->add_option("--build-model", args.build_model, "Internal: build this configuration's Verilator model")->group("");
  worker->add_flag("--check-programs", args.check_programs, "Internal: check every program statically before it runs")
      ->group("");
#ifdef DCOC_CLI_WITH_SERVER
  worker->add_option("--tracker", args.tracker, "The tracker, ADDR:PORT");
  worker->add_option("--key", args.key, "This worker's key file (dcoc farm keygen --role worker)");
  worker->add_option("--backend", args.backends, "Backends to offer (repeat; default: every backend that runs here)");
  worker->add_option("--slots", args.slots, "Measurements at once (one local measurement process each)")
      ->capture_default_str();
  worker->add_option("--name", args.name, "Name in the tracker's status (default host:pid)");
  worker->add_option("--board", args.board,
                     "Board worker on this board (boards/<name>.json): one slot, every program checked first");
  worker->add_option("--board-id", args.board_id, "The board's identity (serial, device; default the host name)");
  worker->add_option("--config", args.config, "Board worker: the configuration of the loaded bitstream");
  worker->add_option("--reconnect", args.reconnect, "Seconds without a tracker before giving up")->capture_default_str();
  worker->add_option("--log", args.log, "Append the log here instead of standard error");
  AddTlsOptions(worker, args, false);
#endif
  worker->callback([&ctx] {
    if (!args.build_model.empty()) {
      measure::BuildModel(args.build_model);
      return;
    }
    if (args.fd >= 0) {
      measure::MeasurerOptions mo;
      mo.check_programs = args.check_programs;
      const int rc = measure::RunWorker(args.fd, mo);
      if (rc != 0) throw Error(fmt::format("measurement worker ended with code {}", rc));
      return;
    }
#ifdef DCOC_CLI_WITH_SERVER
    if (args.tracker.empty() || args.key.empty()) throw UsageError("dcoc worker needs --tracker ADDR:PORT and --key FILE");
    RunFarmWorker(args, ctx.backends);
#else
    (void)ctx;
    throw UsageError("this dcoc was built without the measurement farm (Boost and OpenSSL)");
#endif
  });

#ifdef DCOC_CLI_WITH_SERVER
  auto* tracker = app.add_subcommand(
      "tracker", "The measurement farm's tracker: authenticates workers and clients, queues and matches requests");
  tracker->add_option("--listen", args.listen, "ADDR:PORT to listen on (port 0: any free port)")->required();
  tracker->add_option("--keys", args.keys, "Keys file: `<id> <client|worker|admin> <secret hex>` per line")->required();
  tracker->add_option("--heartbeat", args.heartbeat, "Heartbeat interval in seconds")->capture_default_str();
  tracker->add_option("--idle", args.idle, "Close a peer silent this long; a silent worker is hung")
      ->capture_default_str();
  tracker->add_option("--grace", args.grace,
                      "Seconds beyond a request's timeout before its worker is declared hung (model builds included)")
      ->capture_default_str();
  tracker->add_option("--port-file", args.port_file, "Write the port here once listening (scripts, port 0)");
  tracker->add_option("--log", args.log, "Append the log here instead of standard error");
  AddTlsOptions(tracker, args, true);
  tracker->callback([] { RunTracker(args); });

  auto* farm = app.add_subcommand("farm", "The measurement farm: status, keys, Slurm workers");
  farm->require_subcommand(1);
  auto* status = farm->add_subcommand("status", "Workers, their capabilities and health, queues, throughput, failures");
  status->add_option("--tracker", args.tracker, "The tracker, ADDR:PORT")->required();
  status->add_option("--key", args.key, "A client or admin key file (a client sees its own queue only)")->required();
  status->add_flag("--json", args.json, "Machine-readable output");
  AddTlsOptions(status, args, false);
  status->callback([] {
    args.reconnect = 0;
    const nlohmann::json s = server::FarmStatus(PeerFor(args, "status"));
    if (args.json)
      PrintJson(nlohmann::ordered_json(s));
    else
      PrintStatus(s);
  });

  auto* keygen = farm->add_subcommand("keygen", "Make a key: append it to the tracker's keys file, write the peer's file");
  keygen->add_option("--id", args.id, "Key id (letters, digits, '.', '_', '-')")->required();
  keygen->add_option("--role", args.role, "client, worker or admin")->capture_default_str();
  keygen->add_option("--keys", args.keys, "The tracker's keys file to append to (created with mode 0600)");
  keygen->add_option("-o,--out", args.out, "The peer's key file to create (mode 0600)");
  keygen->callback([] { Keygen(args); });

  auto* slurm = farm->add_subcommand(
      "slurm", "Start workers as a Slurm job array; with `-- COMMAND`, run it and cancel the workers when it ends");
  slurm->add_option("--tracker", args.tracker, "The tracker the workers join, ADDR:PORT");
  slurm->add_option("--key", args.key, "The workers' key file (readable on the nodes)");
  slurm->add_option("--nodes", args.nodes, "Workers (array tasks)")->capture_default_str();
  slurm->add_option("--partition", args.partition, "sbatch --partition");
  slurm->add_option("--time", args.time, "sbatch --time");
  slurm->add_option("--slots", args.slots, "Measurement slots per worker")->capture_default_str();
  slurm->add_option("--backend", args.backends, "Worker backends (repeat)");
  slurm->add_option("--dir", args.dir, "Where the batch script and the workers' logs go")->capture_default_str();
  slurm->add_option("--dcoc", args.dcoc, "The dcoc executable on the nodes (default: this one)");
  slurm->add_option("--sbatch-arg", args.sbatch_args, "An extra #SBATCH option (repeat)");
  slurm->add_option("--cancel", args.cancel, "Cancel this job array instead");
  slurm->add_option("command", args.command, "Run this (after --), then cancel the workers");
  AddTlsOptions(slurm, args, false);
  slurm->callback([] {
    if (args.cancel.empty() && (args.tracker.empty() || args.key.empty()))
      throw UsageError("farm slurm needs --tracker ADDR:PORT and --key FILE (or --cancel JOBID)");
    Slurm(args);
  });
#endif
}

}  // namespace dcoc::cli
