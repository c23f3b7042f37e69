// `dcoc farm slurm` against a real single-node Slurm (Debian's slurm-wlm and munge): the test starts
// munged, slurmctld and slurmd with their own key, configuration, spool and state in a temporary
// directory (daemons on 127.0.0.1 only), submits the workers as a job array that joins a tracker on
// loopback, measures a search through them, checks the array is cancelled when the search ends, and
// stops the daemons. Label `slurm`; needs root (the daemons run as root) and skips otherwise.
#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>

#include "host/server/slurm.h"
#include "tests/server/fault_run.h"

namespace dcoc::server {
namespace {

using testing::Eventually;
using testing::Process;
using testing::ReadText;
using testing::TempDir;

bool Found(const char* exe) { return std::system(fmt::format("command -v {} > /dev/null 2>&1", exe).c_str()) == 0; }

uint16_t FreePort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a));
  socklen_t len = sizeof(a);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

std::string Capture(const std::string& cmd) {
  std::string out;
  if (std::FILE* p = ::popen((cmd + " 2>&1").c_str(), "r")) {
    char buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof(buf), p)) > 0) out.append(buf, n);
    ::pclose(p);
  }
  return out;
}

// munged + slurmctld + slurmd on this host, configured in `dir`.
class SlurmCluster {
 public:
  explicit SlurmCluster(const std::filesystem::path& dir) : dir_(dir) {
    char host[256] = {};
    ::gethostname(host, sizeof(host) - 1);
    node_ = std::string(host).substr(0, std::string(host).find('.'));
    std::filesystem::create_directories(dir / "state");
    std::filesystem::create_directories(dir / "spool");
    const std::string d = dir.string();
    if (std::system(fmt::format("mungekey --create --keyfile='{}/munge.key' > /dev/null 2>&1", d).c_str()) != 0)
      throw Error("mungekey failed");
    munged_ = std::make_unique<Process>(
        std::vector<std::string>{"/usr/sbin/munged", "--foreground", "--key-file=" + d + "/munge.key",
                                 "--socket=" + d + "/munge.sock", "--pid-file=" + d + "/munged.pid",
                                 "--log-file=" + d + "/munged.log", "--seed-file=" + d + "/munge.seed"},
        dir / "munged.out");
    if (!Eventually([&] { return std::filesystem::exists(dir / "munge.sock"); }, 10)) throw Error("munged did not start");
    std::ofstream(dir / "slurm.conf") << fmt::format(
        "ClusterName=dcoctest\n"
        "SlurmctldHost={0}(127.0.0.1)\n"
        "SlurmctldPort={2}\nSlurmdPort={3}\n"
        "SlurmUser=root\nSlurmdUser=root\n"
        "AuthType=auth/munge\nAuthInfo=socket={1}/munge.sock\nCredType=cred/munge\n"
        "StateSaveLocation={1}/state\nSlurmdSpoolDir={1}/spool\n"
        "SlurmctldPidFile={1}/slurmctld.pid\nSlurmdPidFile={1}/slurmd.pid\n"
        "SlurmctldLogFile={1}/slurmctld.log\nSlurmdLogFile={1}/slurmd.log\n"
        "ProctrackType=proctrack/linuxproc\nTaskPlugin=task/none\n"
        "JobAcctGatherType=jobacct_gather/none\nAccountingStorageType=accounting_storage/none\n"
        "SelectType=select/cons_tres\nSelectTypeParameters=CR_CPU\nReturnToService=2\nMpiDefault=none\n"
        "NodeName={0} NodeAddr=127.0.0.1 CPUs=2 State=UNKNOWN\n"
        "PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP\n",
        node_, d, FreePort(), FreePort());
    ::setenv("SLURM_CONF", (dir / "slurm.conf").c_str(), 1);
    const std::string conf = (dir / "slurm.conf").string();
    ctld_ = std::make_unique<Process>(std::vector<std::string>{"/usr/sbin/slurmctld", "-D", "-f", conf}, dir / "ctld.out");
    slurmd_ = std::make_unique<Process>(std::vector<std::string>{"/usr/sbin/slurmd", "-D", "-f", conf}, dir / "slurmd.out");
    if (!Eventually([&] { return Capture("sinfo --noheader --format=%t").find("idle") != std::string::npos; }, 60))
      throw Error(fmt::format("the Slurm node did not come up: {}\n{}", Capture("sinfo"), ReadText(dir / "slurmctld.log")));
  }
  ~SlurmCluster() {
    slurmd_.reset();
    ctld_.reset();
    munged_.reset();
    ::unsetenv("SLURM_CONF");
  }
  std::string Logs() const { return ReadText(dir_ / "slurmctld.log") + ReadText(dir_ / "slurmd.log"); }

 private:
  std::filesystem::path dir_;
  std::string node_;
  std::unique_ptr<Process> munged_, ctld_, slurmd_;
};

TEST(FarmSlurm, AJobArrayOfWorkersServesASearchAndIsCancelledAfterIt) {
  if (::geteuid() != 0) GTEST_SKIP() << "the Slurm daemons run as root";
  for (const char* exe : {"munged", "mungekey", "slurmctld", "slurmd", "sbatch", "squeue", "scancel", "sinfo"})
    if (!Found(exe)) GTEST_SKIP() << exe << " is not installed (scripts/setup.sh installs slurm-wlm and munge)";
  TempDir dir;
  SlurmCluster slurm(dir / "slurm");
  testing::Keys keys;
  keys.Write(dir.path());
  Process tracker({DCOC_CLI, "tracker", "--listen", "127.0.0.1:0", "--keys", (dir / "tracker.keys").string(), "--port-file",
                   (dir / "port").string(), "--log", (dir / "tracker.log").string()},
                  dir / "tracker.out");
  ASSERT_TRUE(Eventually([&] { return !ReadText(dir / "port").empty(); }));
  const std::string address = fmt::format("127.0.0.1:{}", std::stoi(ReadText(dir / "port")));

  Process run({DCOC_CLI, "farm", "slurm", "--tracker", address, "--key", (dir / "w.key").string(), "--nodes", "2",
               "--slots", "1", "--backend", "fsim", "--time", "10", "--dir", (dir / "jobs").string(), "--",
               DCOC_CLI, "layer", "search", "--conv", "1,64,14,14,64,3,3,1,1", "--backend", "fsim", "--top", "200",
               "--random", "0", "--farm", address, "--key", (dir / "alice.key").string(), "--db",
               (dir / "run.db").string()},
              dir / "run.out");
  ASSERT_TRUE(Eventually([&] { return run.Ended(); }, 300)) << ReadText(dir / "run.out");
  const std::string out = ReadText(dir / "run.out");
  EXPECT_EQ(run.Wait(), 0) << out << slurm.Logs();
  EXPECT_THAT(out, ::testing::HasSubstr("submitted Slurm job array"));
  EXPECT_THAT(out, ::testing::HasSubstr("best of 200 (200 measured"));
  EXPECT_THAT(out, ::testing::HasSubstr("the command ended (exit code 0); cancelled Slurm job"));
  const std::string job = out.substr(out.find("job array ") + 10, out.find(" (2 worker") - out.find("job array ") - 10);
  // Both array tasks ran a worker that joined the tracker.
  const std::string log = ReadText(dir / "tracker.log");
  EXPECT_THAT(log, ::testing::HasSubstr(fmt::format("registered worker slurm-{}_0@", job)));
  EXPECT_THAT(log, ::testing::HasSubstr(fmt::format("registered worker slurm-{}_1@", job)));
  // The script Slurm ran, and the array is gone once the search has ended.
  EXPECT_THAT(ReadText(dir / "jobs" / "workers.sbatch"), ::testing::HasSubstr("#SBATCH --array=0-1"));
  EXPECT_TRUE(Eventually([&] { return WorkerStates(job).empty(); }, 60)) << WorkerStates(job);
  measure::Database db(dir / "run.db", measure::Database::Mode::kReadOnly);
  EXPECT_EQ(db.Count(), 200);
}

}  // namespace
}  // namespace dcoc::server
