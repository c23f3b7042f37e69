// Deploy flows: everything a Vivado or Vitis machine needs to turn a configuration into hardware for
// a board, generated from the spec and the board file (nothing refers to the dcoc checkout).
//   zynq7 (pynq-z1, pynq-z2): a Vivado Tcl project (Zynq PS, VTA++ registers on GP0, data on HP0, the
//         fabric clock at the configuration's frequency) that writes the bitstream and hardware
//         handoff of a PYNQ overlay, and the overlay's Python driver;
//   alveo (alveo-u50, -u250, -u280): an RTL kernel package (kernel.xml with the spec's register
//         offsets, the packaging Tcl) and a v++ link configuration with the memory connectivity,
//         producing the xclbin the xrt backend loads.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "boards/board.h"
#include "host/spec/hw_config.h"

namespace dcoc::boards {

// vta_kernel.v: vta_top behind the port names block designs and Vitis kernels infer interfaces from
// (ap_clk, ap_rst_n, s_axi_control, m_axi_gmem, interrupt).
std::string KernelWrapperVerilog(const spec::Spec& s);
// kernel.xml of the user-managed RTL kernel: its ports and the INSN_ADDR / INSN_COUNT arguments at
// the spec's register offsets.
std::string KernelXml(const spec::Spec& s);
// The v++ link configuration: one compute unit, its AXI master on the board's memory bank, its clock.
std::string LinkConfig(const Board& b, const spec::Spec& s, const std::string& platform);
std::string Zynq7BuildTcl(const Board& b, const spec::Spec& s);
std::string PackageKernelTcl(const Board& b, const spec::Spec& s);
std::string OverlayDriverPython(const Board& b, const spec::Spec& s);

struct DeployOptions {
  std::string platform;  // alveo: the Vitis platform (default: the board file's)
};

struct Deployment {
  std::filesystem::path dir;
  std::string flow;
  std::vector<std::filesystem::path> files;
  std::vector<std::string> steps;  // what to run where, in order
};

// Writes the flow's directory for configuration `s` on board `b`. Throws UsageError for a board
// without a flow, Error on I/O failure.
Deployment Deploy(const Board& b, const spec::Spec& s, const std::filesystem::path& dir, const DeployOptions& o = {});

}  // namespace dcoc::boards
