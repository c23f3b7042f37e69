// The deploy flows, checked as far as this machine can: the generated directories are
// self-contained, the Tcl runs under tclsh with the Vivado commands stubbed (recording what they are
// asked), kernel.xml parses and agrees with the register map, the PYNQ driver runs against a fake
// overlay, and the text matches golden copies (DCOC_UPDATE_GOLDEN=1 rewrites them after a deliberate
// change).
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "boards/board.h"
#include "boards/deploy/deploy.h"
#include "host/common/error.h"
#include "host/runtime/device.h"
#include "host/spec/regmap.h"
#include "rtl/gen/rtlgen.h"
#include "sim/progen/progen.h"

namespace dcoc::test {
namespace {

namespace fs = std::filesystem;

spec::Spec SpecOf(std::string_view name) { return spec::Spec::Create(spec::LoadConfig(name)); }

std::string Read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

fs::path Fresh(const std::string& name) {
  const fs::path d = fs::temp_directory_path() / ("dcoc-deploy-test-" + name);
  fs::remove_all(d);
  return d;
}

// Runs a shell command and returns its exit status and output.
std::pair<int, std::string> Shell(const std::string& cmd) {
  std::string out;
  FILE* p = popen((cmd + " 2>&1").c_str(), "r");
  if (!p) return {-1, ""};
  char buf[4096];
  for (size_t n; (n = fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
  const int rc = pclose(p);
  return {rc, out};
}

// Runs a generated Tcl script under tclsh with every Vivado command stubbed: each call is logged, one
// per line, and the few whose results the script uses return something plausible. The runs directory
// gets a fake bitstream and the project a fake hardware handoff, so the script's own file handling runs.
std::string RunTclWithStubs(const fs::path& script) {
  const fs::path dir = script.parent_path();
  const fs::path stubs = dir / "stubs.tcl";
  std::ofstream(stubs) << R"(
set ::log [open [file join [file dirname [info script]] calls.log] w]
proc unknown {args} {
  puts $::log $args
  switch -- [lindex $args 0] {
    get_board_parts { return {} }
    current_project { return prj }
    get_property {
      switch -- [lindex $args 1] {
        PROGRESS { return 100% }
        DIRECTORY {
          set d [file join [file dirname [info script]] vivado runs impl_1]
          file mkdir $d
          set f [open [file join $d system_wrapper.bit] w]; puts $f bit; close $f
          set h [file join [file dirname [info script]] vivado prj.gen sources_1 bd system hw_handoff]
          file mkdir $h
          set f [open [file join $h system.hwh] w]; puts $f hwh; close $f
          return $d
        }
        default { return {} }
      }
    }
    create_bd_cell { return [lindex $args end] }
    ipx::add_register { return [lindex $args 1] }
    default { return [lindex $args end] }
  }
}
)";
  const auto [rc, out] =
      Shell("cd '" + dir.string() + "' && echo 'source stubs.tcl; source " + script.filename().string() +
            "; close $::log' | tclsh");
  EXPECT_EQ(rc, 0) << out;
  return Read(dir / "calls.log");
}

void CheckGolden(const fs::path& file, const std::string& golden_name) {
  const fs::path golden = fs::path(DCOC_SOURCE_DIR) / "tests" / "boards" / "golden" / golden_name;
  const std::string text = Read(file);
  if (std::getenv("DCOC_UPDATE_GOLDEN")) {
    fs::create_directories(golden.parent_path());
    std::ofstream(golden, std::ios::binary) << text;
  }
  EXPECT_EQ(text, Read(golden)) << file << " differs from " << golden
                                << " (after a deliberate change: DCOC_UPDATE_GOLDEN=1 deploy_test)";
}

TEST(RtlGen, TheDirectoryIsSelfContained) {
  const fs::path d = Fresh("rtl");
  const rtl::Generated g = rtl::Generate(SpecOf("2x16x32"), d);
  const std::string list = Read(g.filelist);
  EXPECT_EQ(list.find('/'), std::string::npos) << "vta.f names files relative to its directory:\n" << list;
  EXPECT_EQ(list.substr(0, 18), "+incdir+.\nvta.vlt\n") << list;
  size_t files = 0;
  for (const auto& e : fs::directory_iterator(d)) {
    ++files;
    EXPECT_EQ(Read(e.path()).find(DCOC_SOURCE_DIR), std::string::npos) << e.path() << " names the checkout";
  }
  EXPECT_EQ(files, g.sources.size() + 2 + rtl::RtlIncludeFiles().size());  // + vta.vlt, vta.f, the includes
  for (const auto& s : g.sources) EXPECT_NE(list.find(s.filename().string() + "\n"), std::string::npos) << s;
  // Lint clean with the waivers it carries: by -F from anywhere, by -f inside the directory.
  auto [rc, out] = Shell("cd / && verilator --lint-only -Wall --top-module vta_top -F '" + g.filelist.string() + "'");
  EXPECT_EQ(rc, 0) << out;
  EXPECT_EQ(out, "");
  std::tie(rc, out) = Shell("cd '" + d.string() + "' && verilator --lint-only -Wall --top-module vta_top -f vta.f");
  EXPECT_EQ(rc, 0) << out;
  EXPECT_EQ(out, "");
}

TEST(Zynq7, VivadoProjectForPynqZ2) {
  const fs::path d = Fresh("pynq");
  spec::HwConfig c = spec::LoadConfig("default");
  c.clock_mhz = 125;
  const spec::Spec s = spec::Spec::Create(c);
  const boards::Deployment dep = boards::Deploy(boards::LoadBoard("pynq-z2"), s, d);
  EXPECT_EQ(dep.flow, "zynq7");
  for (const char* f : {"build.tcl", "overlay/vta_overlay.py", "config.json", "rtl/vta.f", "rtl/vta_kernel.v"})
    EXPECT_TRUE(fs::exists(d / f)) << f;
  const std::string calls = RunTclWithStubs(d / "build.tcl");
  EXPECT_NE(calls.find("create_project -force vta_pynq-z2 " + (d / "vivado").string() + " -part xc7z020clg400-1"),
            std::string::npos)
      << calls;
  // Every SystemVerilog source of the filelist, then the wrapper.
  const rtl::Generated g = rtl::Generate(s, Fresh("pynq-rtl"));
  for (const auto& src : g.sources)
    EXPECT_NE(calls.find((d / "rtl" / src.filename()).string()), std::string::npos) << src.filename();
  EXPECT_NE(calls.find("add_files -norecurse " + (d / "rtl" / "vta_kernel.v").string()), std::string::npos);
  EXPECT_NE(calls.find("create_bd_cell -type ip -vlnv xilinx.com:ip:processing_system7 ps7"), std::string::npos);
  EXPECT_NE(calls.find("CONFIG.PCW_FPGA0_PERIPHERAL_FREQMHZ 125"), std::string::npos) << calls;
  EXPECT_NE(calls.find("CONFIG.PCW_USE_S_AXI_HP0 1"), std::string::npos) << calls;
  EXPECT_NE(calls.find("create_bd_cell -type module -reference vta_kernel vta"), std::string::npos);
  EXPECT_NE(calls.find("Master /ps7/M_AXI_GP0"), std::string::npos);
  EXPECT_NE(calls.find("Slave /ps7/S_AXI_HP0"), std::string::npos);
  EXPECT_NE(calls.find("connect_bd_net vta/interrupt ps7/IRQ_F2P"), std::string::npos) << calls;
  EXPECT_NE(calls.find("set_property offset 0x43C00000"), std::string::npos);
  EXPECT_NE(calls.find("launch_runs impl_1 -to_step write_bitstream"), std::string::npos);
  // What a PYNQ overlay needs, with one base name.
  EXPECT_EQ(Read(d / "overlay" / "vta.bit"), "bit\n");
  EXPECT_EQ(Read(d / "overlay" / "vta.hwh"), "hwh\n");
  EXPECT_EQ(spec::ConfigFromJson(nlohmann::json::parse(Read(d / "config.json"))), c);
}

TEST(Alveo, KernelPackageForU250AndU50) {
  const spec::Spec s = SpecOf("default");
  const fs::path d = Fresh("u250");
  const boards::Deployment dep = boards::Deploy(boards::LoadBoard("alveo-u250"), s, d);
  EXPECT_EQ(dep.flow, "alveo");
  const std::string xml = Read(d / "kernel.xml");
  // The arguments sit at the spec's register offsets; the master is the configuration's bus.
  std::smatch m;
  ASSERT_TRUE(std::regex_search(xml, m, std::regex("name=\"insns\"[^>]*offset=\"(0x[0-9A-F]+)\"")));
  EXPECT_EQ(std::stoul(m[1], nullptr, 16), spec::RegisterOffset("INSN_ADDR_LO"));
  ASSERT_TRUE(std::regex_search(xml, m, std::regex("name=\"insn_count\"[^>]*offset=\"(0x[0-9A-F]+)\"")));
  EXPECT_EQ(std::stoul(m[1], nullptr, 16), spec::RegisterOffset("INSN_COUNT"));
  ASSERT_TRUE(std::regex_search(xml, m, std::regex("name=\"m_axi_gmem\"[^>]*dataWidth=\"([0-9]+)\"")));
  EXPECT_EQ(std::stoi(m[1]), s.bus_bits);
  EXPECT_NE(xml.find("hwControlProtocol=\"user_managed\""), std::string::npos);
  const auto [rc, out] = Shell("python3 -c \"import xml.etree.ElementTree as E; E.parse('" + (d / "kernel.xml").string() + "')\"");
  EXPECT_EQ(rc, 0) << out;
  // The packaging script declares every register of the map at its offset.
  const std::string calls = RunTclWithStubs(d / "package_kernel.tcl");
  for (const spec::Register& r : spec::Registers()) {
    if (r.name == "INSN_ADDR_HI") continue;
    const std::string name = r.name == "INSN_ADDR_LO" ? "INSN_ADDR" : std::string(r.name);
    EXPECT_NE(calls.find("ipx::add_register " + name + " "), std::string::npos) << name;
    EXPECT_NE(calls.find(fmt::format("set_property address_offset 0x{:03X} {}", r.offset, name)), std::string::npos)
        << name << "\n" << calls;
  }
  EXPECT_NE(calls.find("set_property vitis_drc {ctrl_protocol user_managed}"), std::string::npos);
  EXPECT_NE(calls.find("package_xo -force -xo_path " + (d / "vta.xo").string() + " -kernel_name vta"), std::string::npos);
  const std::string link = Read(d / "link.cfg");
  EXPECT_NE(link.find("sp=vta_1.m_axi_gmem:DDR[0]"), std::string::npos) << link;
  EXPECT_NE(link.find("freqHz=100000000:vta_1"), std::string::npos) << link;
  EXPECT_TRUE(fs::exists(d / "build.sh"));
  const boards::Deployment u50 = boards::Deploy(boards::LoadBoard("alveo-u50"), s, Fresh("u50"));
  EXPECT_NE(Read(u50.dir / "link.cfg").find("sp=vta_1.m_axi_gmem:HBM[0]"), std::string::npos);
}

// The wrapper and the RTL lint clean together (the wrapper's unused AXI inputs are waived in place).
TEST(Deploy, WrapperLintsCleanWithTheRtl) {
  const spec::Spec s = SpecOf("default");
  const fs::path d = Fresh("wrapper");
  (void)boards::Deploy(boards::LoadBoard("pynq-z2"), s, d);
  const auto [rc, out] = Shell("verilator --lint-only -Wall --top-module vta_kernel -F '" + (d / "rtl" / "vta.f").string() +
                               "' '" + (d / "rtl" / "vta_kernel.v").string() + "'");
  EXPECT_EQ(rc, 0) << out;
}

TEST(Deploy, BoardsWithoutAFlowAreNamed) {
  try {
    (void)boards::Deploy(boards::LoadBoard("zcu104"), SpecOf("default"), Fresh("zcu104"));
    FAIL() << "zcu104 has no flow";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("board zcu104 has no deploy flow"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("pynq-z2"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("alveo-u250"), std::string::npos) << e.what();
  }
}

// The overlay driver against a fake pynq: the container is read, the instructions relocated to the
// buffer's physical address exactly as runtime::Relocate does, the registers written in the driver
// sequence, a configuration mismatch refused, a stuck accelerator reported as a deadlock.
TEST(Zynq7, OverlayDriverRunsAgainstAFakeOverlay) {
  const spec::Spec s = SpecOf("default");
  const fs::path d = Fresh("overlay");
  (void)boards::Deploy(boards::LoadBoard("pynq-z2"), s, d);
  const spec::Program p = sim::GenerateRandomProgram(s.config, 11);
  spec::SaveProgram(p, d / "p.prog");
  spec::SaveProgram(sim::GenerateRandomProgram(spec::LoadConfig("1x8x8"), 11), d / "other.prog");
  std::ofstream(d / "overlay" / "check.py") << R"(
import json, sys
import vta_overlay as v

class Mmio:
    def __init__(self, done):
        self.regs, self.writes, self.done, self.cycles = {}, [], done, 0
    def read(self, off):
        if off == v.REGISTERS["CONFIG_HASH_LO"]: return v.CONFIG_HASH & 0xffffffff
        if off == v.REGISTERS["CONFIG_HASH_HI"]: return v.CONFIG_HASH >> 32
        if off == v.REGISTERS["STATUS"]: return v.STATUS_DONE if self.done and self.regs.get(0) == 1 else 0
        if off == v.COUNTER_BASE:
            self.cycles += 100000
            return self.cycles & 0xffffffff
        return 0
    def write(self, off, val):
        self.regs[off] = val
        self.writes.append([off, val])

class Buf(bytearray):
    physical_address = 0x18000040
    def flush(self): pass
    def invalidate(self): pass

bufs = []
def allocate(n):
    b = Buf(n)
    if bufs: b.physical_address = 0x19000000
    bufs.append(b)
    return b

out = {}
mmio = Mmio(True)
counters, digests = v.run(v.Vta(mmio), v.read_program(sys.argv[1]), allocate)
out["writes"] = mmio.writes
out["insns"] = bytes(bufs[1]).hex()
out["base"] = (bufs[0].physical_address + max(64, max(v.ROW_BYTES)) - 1) // max(64, max(v.ROW_BYTES)) * max(64, max(v.ROW_BYTES))
out["digests"] = digests
try:
    v.run(v.Vta(mmio), v.read_program(sys.argv[2]), allocate)
except v.DriverError as e:
    out["other"] = str(e)
try:
    bufs.clear()
    v.run(v.Vta(Mmio(False)), v.read_program(sys.argv[1]), allocate)
except v.DriverError as e:
    out["stuck"] = str(e)
print(json.dumps(out))
)";
  const auto [rc, out] = Shell("cd '" + (d / "overlay").string() + "' && python3 check.py ../p.prog ../other.prog");
  ASSERT_EQ(rc, 0) << out;
  const nlohmann::json j = nlohmann::json::parse(out);
  const uint64_t base = j["base"];
  const std::vector<uint8_t> want = spec::EncodeStream(s.isa, runtime::Relocate(s, p.insns, base));
  std::string hex;
  for (uint8_t b : want) hex += fmt::format("{:02x}", b);
  EXPECT_EQ(j["insns"].get<std::string>(), hex);
  const auto& w = j["writes"];
  ASSERT_EQ(w.size(), 4u);
  EXPECT_EQ(w[0][0], spec::RegisterOffset("INSN_ADDR_LO"));
  EXPECT_EQ(w[0][1], 0x19000000u);
  EXPECT_EQ(w[1][0], spec::RegisterOffset("INSN_ADDR_HI"));
  EXPECT_EQ(w[2][0], spec::RegisterOffset("INSN_COUNT"));
  EXPECT_EQ(w[2][1], p.insns.size());
  EXPECT_EQ(w[3][0], spec::RegisterOffset("CTRL"));
  EXPECT_EQ(w[3][1], 1);
  for (const spec::Region& r : p.regions)
    if (r.kind == spec::RegionKind::kOutput) {
      EXPECT_EQ(j["digests"][r.name].get<std::string>(), spec::RegionDigest(p.dram, r));
    }
  EXPECT_NE(j["other"].get<std::string>().find("another configuration"), std::string::npos) << j["other"];
  EXPECT_NE(j["stuck"].get<std::string>().find("deadlock"), std::string::npos) << j["stuck"];
}

TEST(Deploy, GeneratedTextMatchesTheGoldenCopies) {
  const spec::Spec s = SpecOf("default");
  const boards::Deployment z = boards::Deploy(boards::LoadBoard("pynq-z2"), s, Fresh("golden-z"));
  for (const char* f : {"build.tcl", "overlay/vta_overlay.py", "rtl/vta_kernel.v", "config.json"})
    CheckGolden(z.dir / f, std::string("pynq-z2/") + fs::path(f).filename().string());
  const boards::Deployment a = boards::Deploy(boards::LoadBoard("alveo-u250"), s, Fresh("golden-a"));
  for (const char* f : {"kernel.xml", "package_kernel.tcl", "link.cfg", "build.sh"})
    CheckGolden(a.dir / f, std::string("alveo-u250/") + f);
}

}  // namespace
}  // namespace dcoc::test
