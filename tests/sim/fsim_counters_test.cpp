// The fsim device reports exactly the counters the counter table marks as fsim's, with the totals the
// RTL's counters mean (load_bytes_read = INP + WGT bytes, ...).
#include <gtest/gtest.h>

#include "host/runtime/backends.h"
#include "host/spec/counters.h"
#include "sim/progen/progen.h"

namespace dcoc::test {
namespace {

TEST(FsimCounters, ExactlyTheTablesFsimCounters) {
  const spec::Spec s = spec::Spec::Create(spec::LoadConfig("1x8x8"));
  const spec::Program p = sim::GenerateRandomProgram(s.config, 3);
  auto dev = runtime::BuiltinBackends().Create("fsim", s);
  const runtime::ProgramRun r = runtime::RunProgram(*dev, p);
  const auto& c = r.stats.counters;
  size_t fsim_counters = 0;
  for (const spec::CounterInfo& k : spec::Counters()) {
    EXPECT_EQ(c.count(std::string(k.name)), k.fsim ? 1u : 0u) << k.name;
    fsim_counters += k.fsim;
  }
  EXPECT_EQ(c.size(), fsim_counters);
  EXPECT_EQ(c.at("fetch_insns"), p.insns.size());
  EXPECT_EQ(c.at("fetch_bytes_read"), 16 * p.insns.size());
  EXPECT_EQ(c.at("load_insns") + c.at("compute_insns") + c.at("store_insns"), p.insns.size());
  EXPECT_EQ(c.at("load_bytes_read"), c.at("inp_bytes_read") + c.at("wgt_bytes_read"));
  EXPECT_EQ(c.at("compute_bytes_read"), c.at("uop_bytes_read") + c.at("acc_bytes_read") + c.at("acc_8bit_bytes_read"));
  EXPECT_GT(c.at("gemm_uops"), 0u);
  EXPECT_GT(c.at("store_bytes_written"), 0u);
  EXPECT_GT(c.at("tokens_l2c") + c.at("tokens_c2l") + c.at("tokens_c2s") + c.at("tokens_s2c"), 0u);
}

}  // namespace
}  // namespace dcoc::test
