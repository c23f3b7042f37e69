// The Yosys flow of rtl/gen/tools: the synthesis script and the check that keeps cache entries of the flow before it.

#include <string>

#include <gtest/gtest.h>

#include "rtl/gen/tools.h"

namespace dcoc::rtl {
namespace {

TEST(YosysFlow, ScriptIsSynthXilinxWithoutShare) {
  const std::string s = SynthScript("xc7", "vta_top");
  EXPECT_EQ(s.find("share"), std::string::npos) << s;
  // Both parts of synth_xilinx around the coarse section, which is spelled out (LUT6 on 7-series).
  EXPECT_NE(s.find("synth_xilinx -family xc7 -top vta_top -flatten -run :coarse;"), std::string::npos) << s;
  EXPECT_NE(s.find("techmap -map +/cmp2lut.v -map +/cmp2lcu.v -D LUT_WIDTH=6; alumacc; opt; memory -nomap; opt_clean;"),
            std::string::npos)
      << s;
  EXPECT_NE(s.find("synth_xilinx -family xc7 -top vta_top -flatten -run map_memory:"), std::string::npos) << s;
  EXPECT_NE(SynthScript("xc4v").find("LUT_WIDTH=4"), std::string::npos);
  EXPECT_NE(SynthScript("xcup", "vta_gemm_dp").find("-top vta_gemm_dp"), std::string::npos);
}

// The parts of a `yosys -q -d -l` log that ShareChangedNothing reads (Yosys 0.23's wording).
std::string Log(const std::string& script, const std::string& share_body, bool finished = true) {
  std::string log = "-- Running command `read_verilog -sv a.sv b.sv; " + script + "; tee -q -o stat.json stat -json' --\n" +
                    "19.24. Executing ALUMACC pass (create $alu and $macc cells).\n" +
                    "19.25. Executing SHARE pass (SAT-based resource sharing).\n" + share_body;
  if (finished) log += "19.26. Executing OPT pass (performing simple optimizations).\n19.26.1. Executing OPT_EXPR pass.\n";
  return log;
}

const char kNotShared[] =
    "Found 16 cells in module vta_top that may be considered for resource sharing.\n"
    "  Analyzing resource sharing options for $sshr$alu.sv:38$591 ($sshr):\n"
    "    Analyzing resource sharing with $sshr$alu.sv:38$567 ($sshr):\n"
    "      According to the SAT solver this pair of cells can not be shared.\n";

TEST(YosysFlow, ShareThatMergedNothingKeepsTheEntry) {
  const std::string whole = "synth_xilinx -family xc7 -top vta_top -flatten";
  EXPECT_TRUE(ShareChangedNothing(Log(whole, kNotShared), "xc7", "vta_top"));
  EXPECT_TRUE(ShareChangedNothing(Log(whole, ""), "xc7", "vta_top"));  // fewer than 2 candidate cells: no output
}

TEST(YosysFlow, ShareThatChangedTheNetlistOrDidNotFinishDoesNot) {
  const std::string whole = "synth_xilinx -family xc7 -top vta_top -flatten";
  const std::string merged = std::string(kNotShared) +
                             "      According to the SAT solver this pair of cells can be shared.\n"
                             "      Activation signal for $sshr$alu.sv:38$591: \\sel\n"
                             "      New cell: $auto$share.cc:977:make_supercell$1234 ($sshr).\n"
                             "Removing 2 cells in module vta_top:\n";
  EXPECT_FALSE(ShareChangedNothing(Log(whole, merged), "xc7", "vta_top"));
  const std::string dead = "    Cell is never active. Sharing is pointless, we simply remove it.\n"
                           "Removing 1 cells in module vta_top:\n";
  EXPECT_FALSE(ShareChangedNothing(Log(whole, dead), "xc7", "vta_top"));
  EXPECT_FALSE(ShareChangedNothing(Log(whole, kNotShared, false), "xc7", "vta_top"));  // killed inside share
  // Another flow, family or top than the entry's.
  EXPECT_FALSE(ShareChangedNothing(Log(SynthScript("xc7", "vta_top"), kNotShared), "xc7", "vta_top"));
  EXPECT_FALSE(ShareChangedNothing(Log(whole, kNotShared), "xcup", "vta_top"));
  EXPECT_FALSE(ShareChangedNothing(Log(whole, kNotShared), "xc7", "vta_gemm_dp"));
  EXPECT_FALSE(ShareChangedNothing("", "xc7", "vta_top"));
}

}  // namespace
}  // namespace dcoc::rtl
