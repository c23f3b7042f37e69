// `dcoc farm slurm`: farm workers as a Slurm job array (an existing scheduler, not a home-made one).
// Each array task runs one `dcoc worker` that joins the tracker; the array is cancelled when the tuning
// run it serves ends.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "host/server/tls.h"

namespace dcoc::server {

struct SlurmOptions {
  std::string tracker;                 // host:port the workers connect to
  std::filesystem::path key;           // the workers' key file (readable on the nodes)
  int nodes = 1;                       // array tasks, one worker each
  std::string partition, time;         // sbatch --partition / --time (optional)
  int slots = 1;                       // measurement slots per worker (and --cpus-per-task)
  std::vector<std::string> backends;   // worker --backend (empty: every backend a node has)
  TlsOptions tls;                      // worker --tls-ca/--tls-cert/--tls-key
  std::filesystem::path dcoc;          // the dcoc executable on the nodes
  std::filesystem::path dir;           // where the script and the workers' logs go
  std::string job_name = "dcoc-farm";
  std::vector<std::string> sbatch_args;  // extra #SBATCH lines (e.g. --account=A)
};

// The batch script (UsageError for out-of-range or unsafe values: every value is quoted for the shell).
std::string SbatchScript(const SlurmOptions& o);
// Writes the script into o.dir and submits it with `sbatch --parsable`; returns the job id.
std::string SubmitWorkers(const SlurmOptions& o);
// scancel the job array (Error when scancel fails).
void CancelWorkers(const std::string& job_id);
// The states of the array's tasks in squeue ("" when none is left).
std::string WorkerStates(const std::string& job_id);
// Runs `argv` (inheriting stdio) and returns its exit code; SIGINT/SIGTERM go to it, not to us.
int RunChild(const std::vector<std::string>& argv);

}  // namespace dcoc::server
