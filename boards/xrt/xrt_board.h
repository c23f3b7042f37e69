// The XRT backend ("xrt"): VTA++ on a board or Alveo card through XRT's native C++ API. Buffers are
// XRT buffer objects (xrt::bo, synced around every transfer), registers go through xrt::ip (the
// kernel is user-managed: its register map is the spec's, not ap_ctrl_hs), and runs use the register
// sequence every dcoc driver shares (runtime::DriverDevice, host/driver).
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "host/runtime/driver_device.h"
#include "host/runtime/registry.h"

namespace dcoc::boards {

// Why XRT cannot open a device here ("" when it can): XILINX_XRT unset, or no device found.
std::string XrtUnavailable();

// Device memory as XRT buffer objects in one memory bank (group). The device address of a buffer is
// what XRT reports (xrt::bo::address); transfers are synced to and from the device.
class XrtMemory {
 public:
  // `device_index` as xbutil lists it; `group` the memory bank the kernel's AXI master reaches.
  XrtMemory(unsigned device_index, int group);
  ~XrtMemory();
  XrtMemory(const XrtMemory&) = delete;
  XrtMemory& operator=(const XrtMemory&) = delete;

  uint64_t Alloc(uint64_t bytes, uint64_t align);
  void Write(uint64_t addr, std::span<const uint8_t> bytes);
  void Read(uint64_t addr, std::span<uint8_t> bytes);
  size_t buffers() const;
  void FreeAll();  // releases every buffer object

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

struct XrtOptions {
  std::string xclbin;         // the VTA++ kernel (dcoc board build --board alveo-*): required
  unsigned device_index = 0;
  std::string kernel = "vta";  // the kernel's name in the xclbin
};

// Opens the device, loads the xclbin, finds the kernel and the memory bank of its AXI master. Throws
// DeviceError when there is no XRT device, UsageError for a missing xclbin or kernel.
std::unique_ptr<runtime::Board> CreateXrtBoard(const spec::Spec& s, const XrtOptions& o);

// Adds "xrt" (its probe reports XrtUnavailable()). DeviceOptions::xclbin and ::device_index select
// the xclbin and the device; DCOC_XCLBIN is the default xclbin.
void AddXrtBackend(runtime::Registry& r);

}  // namespace dcoc::boards
