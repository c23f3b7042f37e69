#include "host/server/slurm.h"

#include <fmt/format.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>

#include "host/common/error.h"

namespace dcoc::server {

namespace {

// Single-quoted for the shell.
std::string Sh(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'')
      out += "'\\''";
    else
      out.push_back(c);
  }
  return out + "'";
}

void CheckSbatchValue(const std::string& what, const std::string& v) {
  for (char c : v)
    if (uint8_t(c) < 0x20 || c == '\'' || c == '"' || c == '\\' || c == '`' || c == '$')
      throw UsageError(fmt::format("{} \"{}\" has a character Slurm's #SBATCH lines cannot carry safely", what, v));
}

// Runs a command, returns its standard output; throws Error with its output when it fails.
std::string Capture(const std::string& cmd, const std::string& what) {
  std::FILE* p = ::popen((cmd + " 2>&1").c_str(), "r");
  if (!p) throw Error(fmt::format("cannot run {}: {}", what, std::strerror(errno)));
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), p)) > 0) out.append(buf, n);
  const int st = ::pclose(p);
  if (st != 0) {
    if (WIFEXITED(st) && WEXITSTATUS(st) == 127)
      throw UsageError(fmt::format("{} is not installed (Slurm's client commands come with Debian's slurm-client)", what));
    throw Error(fmt::format("{} failed ({}): {}", what, WIFEXITED(st) ? fmt::format("exit code {}", WEXITSTATUS(st)) : "signal",
                            out));
  }
  return out;
}

}  // namespace

std::string SbatchScript(const SlurmOptions& o) {
  if (o.nodes < 1 || o.nodes > 10000) throw UsageError(fmt::format("--nodes {} is out of range [1, 10000]", o.nodes));
  if (o.slots < 1 || o.slots > 256) throw UsageError(fmt::format("--slots {} is out of range [1, 256]", o.slots));
  if (o.tracker.empty()) throw UsageError("the workers need --tracker ADDR:PORT");
  if (o.key.empty()) throw UsageError("the workers need --key FILE (a worker key readable on the nodes)");
  CheckSbatchValue("--partition", o.partition);
  CheckSbatchValue("--time", o.time);
  CheckSbatchValue("job name", o.job_name);
  CheckSbatchValue("log directory", o.dir.string());
  for (const std::string& a : o.sbatch_args) CheckSbatchValue("--sbatch-arg", a);
  std::string s = "#!/bin/bash\n";
  s += fmt::format("#SBATCH --job-name={}\n", o.job_name);
  s += fmt::format("#SBATCH --array=0-{}\n", o.nodes - 1);
  s += "#SBATCH --ntasks=1\n";
  s += fmt::format("#SBATCH --cpus-per-task={}\n", o.slots);
  s += fmt::format("#SBATCH --output={}/worker-%A_%a.log\n", o.dir.string());
  if (!o.partition.empty()) s += fmt::format("#SBATCH --partition={}\n", o.partition);
  if (!o.time.empty()) s += fmt::format("#SBATCH --time={}\n", o.time);
  for (const std::string& a : o.sbatch_args) s += fmt::format("#SBATCH {}\n", a);
  s += "# Written by `dcoc farm slurm`: each array task runs one measurement-farm worker that joins the tracker.\n";
  std::string cmd = fmt::format("exec {} worker --tracker {} --key {} --slots {} --name \"slurm-${{SLURM_ARRAY_JOB_ID}}_${{SLURM_ARRAY_TASK_ID}}@$(hostname)\"",
                                Sh(o.dcoc.string()), Sh(o.tracker), Sh(o.key.string()), o.slots);
  for (const std::string& b : o.backends) cmd += " --backend " + Sh(b);
  if (!o.tls.ca.empty()) cmd += " --tls-ca " + Sh(o.tls.ca);
  if (!o.tls.cert.empty()) cmd += " --tls-cert " + Sh(o.tls.cert);
  if (!o.tls.key.empty()) cmd += " --tls-key " + Sh(o.tls.key);
  return s + cmd + "\n";
}

std::string SubmitWorkers(const SlurmOptions& o) {
  const std::string script = SbatchScript(o);
  std::filesystem::create_directories(o.dir);
  const std::filesystem::path file = o.dir / "workers.sbatch";
  {
    std::ofstream out(file);
    out << script;
    if (!out) throw Error(fmt::format("cannot write {}", file.string()));
  }
  std::string out = Capture(fmt::format("sbatch --parsable {}", Sh(file.string())), "sbatch");
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  if (const size_t nl = out.rfind('\n'); nl != std::string::npos) out = out.substr(nl + 1);  // warnings first
  const std::string id = out.substr(0, out.find(';'));
  if (id.empty() || id.find_first_not_of("0123456789") != std::string::npos)
    throw Error(fmt::format("sbatch did not print a job id: \"{}\"", out));
  return id;
}

void CancelWorkers(const std::string& job_id) { Capture(fmt::format("scancel {}", Sh(job_id)), "scancel"); }

std::string WorkerStates(const std::string& job_id) {
  std::string out = Capture(fmt::format("squeue --noheader --array --jobs {} --format=%T", Sh(job_id)), "squeue");
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

int RunChild(const std::vector<std::string>& argv) {
  if (argv.empty()) throw UsageError("no command to run");
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  struct sigaction ignore {}, old_int {}, old_term {};
  ignore.sa_handler = SIG_IGN;
  ::sigaction(SIGINT, &ignore, &old_int);  // Ctrl-C reaches the child (same process group); we clean up after
  ::sigaction(SIGTERM, &ignore, &old_term);
  const pid_t pid = ::fork();
  if (pid < 0) throw Error(fmt::format("cannot start {}: {}", argv[0], std::strerror(errno)));
  if (pid == 0) {
    ::signal(SIGINT, SIG_DFL);
    ::signal(SIGTERM, SIG_DFL);
    ::execvp(args[0], args.data());
    std::fprintf(stderr, "error: cannot run %s: %s\n", args[0], std::strerror(errno));
    ::_exit(127);
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  ::sigaction(SIGINT, &old_int, nullptr);
  ::sigaction(SIGTERM, &old_term, nullptr);
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

}  // namespace dcoc::server
