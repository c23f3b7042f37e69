// vta_top's ports and the configuration-independent model interface: all that a verilated model's
// adapter (vta_model_adapter.h) needs, and nothing from the rest of dcoc, so that on-demand models
// build from two headers compiled into dcoc (no checkout needed).
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace dcoc::sim {

// vta_top's ports, as plain integers. Buses up to 512 bits are little-endian 32-bit words.
struct VtaPins {
  static constexpr int kBusWords = 16;
  // Inputs
  uint8_t rst_n = 0;
  uint8_t s_axil_awvalid = 0, s_axil_wvalid = 0, s_axil_bready = 0, s_axil_arvalid = 0, s_axil_rready = 0;
  uint32_t s_axil_awaddr = 0, s_axil_wdata = 0, s_axil_araddr = 0;
  uint8_t m_axi_arready = 0, m_axi_rvalid = 0, m_axi_rid = 0, m_axi_rlast = 0;
  std::array<uint32_t, kBusWords> m_axi_rdata{};
  uint8_t m_axi_awready = 0, m_axi_wready = 0, m_axi_bvalid = 0;
  // Outputs
  uint8_t s_axil_awready = 0, s_axil_wready = 0, s_axil_bvalid = 0, s_axil_arready = 0, s_axil_rvalid = 0;
  uint32_t s_axil_rdata = 0;
  uint8_t m_axi_arvalid = 0, m_axi_arid = 0, m_axi_arlen = 0, m_axi_arsize = 0, m_axi_arburst = 0, m_axi_rready = 0;
  uint64_t m_axi_araddr = 0;
  uint8_t m_axi_awvalid = 0, m_axi_awlen = 0, m_axi_awsize = 0, m_axi_awburst = 0;
  uint64_t m_axi_awaddr = 0;
  uint8_t m_axi_wvalid = 0, m_axi_wlast = 0, m_axi_bready = 0, irq = 0;
  std::array<uint32_t, kBusWords> m_axi_wdata{};
  uint64_t m_axi_wstrb = 0;
  // Not a port: an RTL assertion failed during the last Step (TakeAssertionFailures names it).
  uint8_t assert_failed = 0;
};

// An RTL assertion that failed (rtl/sv/vta_assert.svh): its name and the instance it sits in.
struct AssertionFailure {
  std::string name;   // e.g. "BRespExpected_A"
  std::string scope;  // e.g. "TOP.vta_top.u_core.u_store.BRespExpected_A"
};

class VtaModel {
 public:
  virtual ~VtaModel() = default;
  // One half of a clock cycle. Step(false, pins) drives the inputs, evaluates with the clock low and
  // reads every output back; Step(true, pins) is the rising edge with the inputs of the preceding
  // Step(false) (they must not change in between) and reads back irq and assert_failed only (the next
  // Step(false) reads the rest).
  virtual void Step(bool clk, VtaPins& pins) = 0;
  // RTL assertions (on by default in a model verilated with them): checked at every rising edge; a
  // failure sets pins.assert_failed and is kept until taken.
  virtual void SetAssertions(bool on) = 0;
  virtual bool HasAssertions() const = 0;  // verilated with assertions
  virtual std::vector<AssertionFailure> TakeAssertionFailures() = 0;
  // FST waveform of every signal; Dump() writes one sample at `time` (half-cycles).
  virtual void OpenTrace(const std::filesystem::path& path) = 0;
  virtual void Dump(uint64_t time) = 0;
  virtual void CloseTrace() = 0;
  virtual bool Tracing() const = 0;
};

}  // namespace dcoc::sim
