// The HLS kernel in C simulation ("hls-csim"): its generated header against VTA's documented layout,
// random programs against fsim and the golden model on seven configurations (six prebuilt, one built
// on demand from the embedded sources), the zoo's reduced layers against the reference operators, and
// the self-contained directory `dcoc hls gen` writes. DCOC_HLS_DIFF_PROGRAMS changes the program count.
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "hls/csim/kernels.h"
#include "hls/gen/hlsgen.h"
#include "host/common/error.h"
#include "host/compiler/conv.h"
#include "host/compiler/workloads.h"
#include "host/runtime/backends.h"
#include "sim/progen/progen.h"
#include "tests/sim/golden_model.h"

namespace dcoc::test {
namespace {

spec::Spec SpecOf(std::string_view name) { return spec::Spec::Create(spec::LoadConfig(name)); }

int ProgramsPerConfig() {
  if (const char* n = std::getenv("DCOC_HLS_DIFF_PROGRAMS"); n && *n) return std::max(1, std::atoi(n));
  return 400;
}

std::string NameOf(const ::testing::TestParamInfo<std::string>& p) {
  std::string n = p.param;
  for (char& c : n)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  return "c" + n;
}

TEST(HlsHeader, DefaultConfigurationHasVtasLayout) {
  const std::string h = hls::ConfigHeader(SpecOf("default"));
  // DESIGN.md: LOAD/STORE memory_type[9:7] sram_base[25:10] dram_base[57:26] y_size[79:64] x_size[95:80]
  // x_stride[111:96] y_pad_0[115:112]; GEMM uop_bgn[20:8] uop_end[34:21] iter_out[48:35] iter_in[62:49];
  // ALU alu_opcode[110:108] use_imm[111] imm[127:112]; micro-op dst[10:0] src[21:11] wgt[31:22].
  for (const char* line : {"kMemMemoryTypeLsb = 7, kMemMemoryTypeBits = 3;", "kMemSramBaseLsb = 10, kMemSramBaseBits = 16;",
                           "kMemDramBaseLsb = 26, kMemDramBaseBits = 32;", "kMemYSizeLsb = 64, kMemYSizeBits = 16;",
                           "kMemXSizeLsb = 80, kMemXSizeBits = 16;", "kMemXStrideLsb = 96, kMemXStrideBits = 16;",
                           "kMemYPad0Lsb = 112, kMemYPad0Bits = 4;", "kGemmUopBgnLsb = 8, kGemmUopBgnBits = 13;",
                           "kGemmUopEndLsb = 21, kGemmUopEndBits = 14;", "kGemmIterOutLsb = 35, kGemmIterOutBits = 14;",
                           "kGemmIterInLsb = 49, kGemmIterInBits = 14;", "kAluAluOpcodeLsb = 108, kAluAluOpcodeBits = 3;",
                           "kAluUseImmLsb = 111, kAluUseImmBits = 1;", "kAluImmLsb = 112, kAluImmBits = 16;",
                           "kUopDstBits = 11, kUopSrcBits = 11, kUopWgtBits = 10;",
                           "kBatch = 1, kBlockIn = 16, kBlockOut = 16", "kInpBits = 8, kWgtBits = 8, kAccBits = 32",
                           "kInpDepth = 2048, kWgtDepth = 1024, kAccDepth = 2048, kOutDepth = 2048, kUopDepth = 8192",
                           "kOpcodeFinish = 3;", "kMemAcc = 3;", "kAluClip = 5;"})
    EXPECT_NE(h.find(line), std::string::npos) << line << "\n" << h;
}

TEST(HlsHeader, FollowsTheConfiguration) {
  const std::string h = hls::ConfigHeader(SpecOf("2x16x32"));
  EXPECT_NE(h.find("kBatch = 2, kBlockIn = 16, kBlockOut = 32"), std::string::npos) << h;
  EXPECT_NE(h.find("kInpRowBits = 256, kWgtRowBits = 4096, kAccRowBits = 2048, kOutRowBits = 512"), std::string::npos)
      << h;
  EXPECT_NE(h, hls::ConfigHeader(SpecOf("default")));
}

TEST(HlsGenerate, WritesASelfContainedDirectory) {
  const auto dir = std::filesystem::temp_directory_path() / "dcoc-hls-gen-test";
  std::filesystem::remove_all(dir);
  const hls::Generated g = hls::Generate(SpecOf("1x8x8"), dir, "xczu7ev-ffvc1156-2-e");
  for (const char* f : {"vta_config.h", "vta_kernel.h", "vta_kernel.cpp", "vta_top.cpp", "hls_types.h",
                        "kernel_status.h", "csim_types.h", "csim_port.h", "vitis_hls.tcl"})
    EXPECT_TRUE(std::filesystem::exists(dir / f)) << f;
  EXPECT_EQ(g.files.size(), 9u);
  // Nothing refers to the checkout the generator was built from.
  for (const auto& p : g.files) {
    const std::vector<uint8_t> b = spec::ReadFile(p);
    const std::string text(b.begin(), b.end());
    EXPECT_EQ(text.find(DCOC_SOURCE_DIR), std::string::npos) << p;
  }
  const std::vector<uint8_t> tcl = spec::ReadFile(dir / "vitis_hls.tcl");
  const std::string t(tcl.begin(), tcl.end());
  EXPECT_NE(t.find("set part xczu7ev-ffvc1156-2-e"), std::string::npos) << t;
  EXPECT_NE(t.find("set period_ns 10.000"), std::string::npos) << t;
  // The script is well-formed Tcl (tclsh parses it without running the Vitis commands).
  const std::string cmd = "echo 'set f [open " + (dir / "vitis_hls.tcl").string() +
                          "]; set s [read $f]; exit [expr {[info complete $s] ? 0 : 1}]' | tclsh";
  EXPECT_EQ(std::system(cmd.c_str()), 0);
}

// Random programs on the kernel, against fsim (digests and counters) and the golden model.
class HlsDiff : public ::testing::TestWithParam<std::string> {};

TEST_P(HlsDiff, RandomProgramsMatchFsimAndTheGoldenModel) {
  const spec::Spec s = SpecOf(GetParam());
  const runtime::Registry reg = runtime::BuiltinBackends();
  auto dev = reg.Create("hls-csim", s);
  const int n = ProgramsPerConfig();
  int changed = 0;
  for (int i = 0; i < n; ++i) {
    const uint64_t seed = 5000 + uint64_t(i);
    const spec::Program p = sim::GenerateRandomProgram(s.config, seed);
    runtime::ProgramRun got;
    try {
      got = runtime::RunProgram(*dev, p);  // one device for all: scratchpads persist, as on hardware
    } catch (const Error& e) {
      FAIL() << GetParam() << " seed " << seed << ": " << e.what();
    }
    const runtime::ProgramRun ref = runtime::RunProgram(*reg.Create("fsim", s), p);
    std::vector<uint8_t> golden = p.dram;
    sim::testing::GoldenModel gm(s);
    gm.Run(p.insns, golden);
    for (const spec::Region& r : p.regions) {
      if (r.kind != spec::RegionKind::kOutput) continue;
      ASSERT_EQ(spec::RegionDigest(got.dram, r), spec::RegionDigest(ref.dram, r)) << GetParam() << " seed " << seed;
      ASSERT_EQ(spec::RegionDigest(got.dram, r), spec::RegionDigest(golden, r)) << GetParam() << " seed " << seed;
      if (spec::RegionDigest(got.dram, r) != spec::RegionDigest(p.dram, r)) ++changed;
    }
    EXPECT_EQ(got.stats.counters, ref.stats.counters) << "seed " << seed;
    EXPECT_EQ(got.stats.counters.at("gemm_uops"), gm.gemm_uops) << "seed " << seed;
    EXPECT_EQ(got.stats.counters.at("alu_uops"), gm.alu_uops) << "seed " << seed;
  }
  EXPECT_GT(changed, n / 2) << "most programs should store results";
}

INSTANTIATE_TEST_SUITE_P(Prebuilt, HlsDiff,
                         ::testing::Values("default", "1x8x8", "2x16x32", "4x32x8", "1x32x32", "min"), NameOf);

TEST(HlsKernels, SixConfigurationsArePrebuilt) {
  EXPECT_GE(hls::PrebuiltKernels().size(), 6u);
  for (const auto& k : hls::PrebuiltKernels()) EXPECT_EQ(std::string(k.entry()->tag), k.tag);
}

// A configuration that is not prebuilt: generated, compiled from the embedded sources into a fresh
// cache, loaded, and checked like the others. A second lookup reuses the cache.
TEST(HlsKernels, OnDemandConfigurationIsBuiltCachedAndExact) {
  spec::HwConfig c = spec::LoadConfig("default");
  c.log_block_out = 5;   // 1x16x32
  c.log_acc_width = 4;   // 16-bit accumulators
  c.log_bus_width = 7;   // 128-bit bus
  const spec::Spec s = spec::Spec::Create(c);
  for (const auto& k : hls::PrebuiltKernels()) ASSERT_NE(k.tag, s.tag);
  hls::KernelOptions o;
  o.cache_dir = std::filesystem::temp_directory_path() / "dcoc-hls-ondemand-test";
  std::filesystem::remove_all(o.cache_dir);
  o.allow_build = false;
  EXPECT_THROW((void)hls::FindKernel(s, o), ConfigError);
  o.allow_build = true;
  const DcocHlsKernel* k = hls::FindKernel(s, o);
  EXPECT_EQ(std::string(k->tag), s.tag);
  EXPECT_TRUE(std::filesystem::exists(hls::KernelCachePath(s, o) / "libvta_hls.so"));
  o.allow_build = false;
  EXPECT_EQ(hls::FindKernel(s, o), k);

  void* state = k->create();
  for (uint64_t seed = 1; seed <= 40; ++seed) {
    const spec::Program p = sim::GenerateRandomProgram(s.config, seed);
    std::vector<uint8_t> mem = p.dram;
    mem.resize((mem.size() + 63) / 64 * 64);
    const uint64_t insn_addr = mem.size();
    const std::vector<uint8_t> stream = spec::EncodeStream(s.isa, p.insns);
    mem.insert(mem.end(), stream.begin(), stream.end());
    KernelStatus st;
    k->run(state, mem.data(), mem.size(), insn_addr, uint32_t(p.insns.size()), &st);
    ASSERT_EQ(st.error, 0u) << "seed " << seed;
    std::vector<uint8_t> golden = p.dram;
    sim::testing::GoldenModel gm(s);
    gm.Run(p.insns, golden);
    for (const spec::Region& r : p.regions) {
      if (r.kind == spec::RegionKind::kOutput) {
        EXPECT_EQ(spec::RegionDigest(mem, r), spec::RegionDigest(golden, r)) << "seed " << seed;
      }
    }
  }
  k->destroy(state);
}

// Every built-in layer, reduced, with its default and a threaded schedule, against the reference.
class HlsLayers : public ::testing::TestWithParam<std::string> {};

TEST_P(HlsLayers, ReducedZooLayersAreBitExact) {
  const spec::Spec s = SpecOf(GetParam());
  const runtime::Registry reg = runtime::BuiltinBackends();
  int runs = 0;
  for (const compiler::ConvLayer& full : compiler::BuiltinLayers()) {
    const compiler::ConvLayer l = compiler::ReduceSpatially(full, 4, 64);
    std::vector<compiler::Schedule> scheds = {compiler::DefaultSchedule(l, s)};
    for (const compiler::Schedule& x : compiler::ScheduleSpace(l, s).AllValid())
      if (x.h_nthread == 2 || x.oc_nthread == 2) {
        scheds.push_back(x);
        break;
      }
    for (const compiler::Schedule& sched : scheds) {
      SCOPED_TRACE(l.Describe() + " " + compiler::ToString(sched));
      const compiler::ConvOperands ops = compiler::RandomOperands(l, s, uint64_t(runs) + 1);
      const compiler::CompiledConv c = compiler::CompileConv(l, sched, s, ops);
      const runtime::ProgramRun r = runtime::RunProgram(*reg.Create("hls-csim", s), c.program);
      EXPECT_TRUE(compiler::ReadOutput(l, c.program, r.dram, s) == compiler::ReferenceOutput(l, ops, s));
      ++runs;
    }
  }
  EXPECT_GT(runs, 20);
}

INSTANTIATE_TEST_SUITE_P(Configs, HlsLayers, ::testing::Values("default", "2x16x32", "4x32x8"), NameOf);

}  // namespace
}  // namespace dcoc::test
