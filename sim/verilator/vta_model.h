// A verilated vta_top behind a configuration-independent interface. Each configuration is its own
// verilated class (port widths differ); VtaModelImpl<V> adapts one, and the registry finds the model
// for a configuration: prebuilt into dcoc::vmodels, or built on demand and cached.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "host/spec/hw_config.h"

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
};

class VtaModel {
 public:
  virtual ~VtaModel() = default;
  // Drives the inputs, evaluates with the clock at `clk`, and reads the outputs back.
  virtual void Step(bool clk, VtaPins& pins) = 0;
  // FST waveform of every signal; Dump() writes one sample at `time` (half-cycles).
  virtual void OpenTrace(const std::filesystem::path& path) = 0;
  virtual void Dump(uint64_t time) = 0;
  virtual void CloseTrace() = 0;
  virtual bool Tracing() const = 0;
};

using ModelFactory = std::unique_ptr<VtaModel> (*)();

struct PrebuiltModel {
  std::string preset;  // preset name it was built from
  std::string tag;     // configuration tag it implements
  ModelFactory make;
};
// Models compiled into this binary (empty when built without Verilator).
const std::vector<PrebuiltModel>& PrebuiltModels();

struct ModelOptions {
  // Where on-demand models are built and cached (by configuration tag, configuration hash and RTL
  // sources hash). Empty: $DCOC_CACHE_DIR, else $XDG_CACHE_HOME/dcoc, else ~/.cache/dcoc.
  std::filesystem::path cache_dir;
  bool allow_build = true;  // build a missing model on demand (a minute or two per configuration)
  int build_jobs = 2;
  int threads = 1;          // Verilator --threads for on-demand models (prebuilt models use 1)
};

// The model for a configuration: prebuilt when available (and threads == 1), else loaded from the
// cache, else built into the cache (allow_build), else ConfigError naming the configuration.
std::unique_ptr<VtaModel> CreateVtaModel(const spec::Spec& s, const ModelOptions& opts = {});

// True when CreateVtaModel(s, opts) can return at once (a prebuilt model, or one in the cache).
bool HaveVtaModel(const spec::Spec& s, const ModelOptions& opts = {});
// Builds the on-demand model of `s` into the cache unless it is prebuilt or cached already (does not
// load it). Safe against concurrent builds of the same model by other processes.
void BuildVtaModel(const spec::Spec& s, const ModelOptions& opts = {});

// Where the on-demand model for `s` lives (exists or not), and a human-readable cache key.
std::filesystem::path ModelCachePath(const spec::Spec& s, const ModelOptions& opts = {});

}  // namespace dcoc::sim
