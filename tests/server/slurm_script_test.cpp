// The Slurm batch script `dcoc farm slurm` writes: every value quoted for the shell, unsafe ones refused.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "host/common/error.h"
#include "host/server/slurm.h"

namespace dcoc::server {
namespace {

TEST(Slurm, TheBatchScriptQuotesEverything) {
  SlurmOptions o;
  o.tracker = "10.0.0.1:7070";
  o.key = "/shared/keys/w'1.key";
  o.nodes = 4;
  o.slots = 2;
  o.partition = "sim";
  o.time = "2:00:00";
  o.dcoc = "/opt/dcoc/bin/dcoc";
  o.dir = "/shared/farm";
  o.backends = {"verilator"};
  const std::string s = SbatchScript(o);
  EXPECT_THAT(s, ::testing::HasSubstr("#SBATCH --array=0-3\n"));
  EXPECT_THAT(s, ::testing::HasSubstr("#SBATCH --cpus-per-task=2\n"));
  EXPECT_THAT(s, ::testing::HasSubstr("#SBATCH --partition=sim\n#SBATCH --time=2:00:00\n"));
  EXPECT_THAT(s, ::testing::HasSubstr("exec '/opt/dcoc/bin/dcoc' worker --tracker '10.0.0.1:7070' --key "
                                      "'/shared/keys/w'\\''1.key' --slots 2"));
  EXPECT_THAT(s, ::testing::HasSubstr("--backend 'verilator'"));
  o.partition = "a$(rm -rf /)";
  try {
    SbatchScript(o);
    ADD_FAILURE() << "an unsafe partition name went into the script";
  } catch (const UsageError& e) {
    EXPECT_THAT(e.what(), ::testing::HasSubstr("--partition \"a$(rm -rf /)\" has a character"));
  }
  o.partition = "";
  o.nodes = 0;
  EXPECT_THROW(SbatchScript(o), UsageError);
}

}  // namespace
}  // namespace dcoc::server
