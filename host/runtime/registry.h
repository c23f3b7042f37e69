// The backends a program can create devices on. A Registry is a plain value filled explicitly at
// startup (BuiltinBackends() in backends.h adds the ones this build has) and passed to whatever creates
// devices, the way Verilator passes a VerilatedContext: no global state, no static-initializer
// registration, and a test can build a registry with a backend of its own.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "host/runtime/device.h"
#include "host/spec/hw_config.h"

namespace dcoc::runtime {

// What a backend may need besides the configuration. Each backend reads the fields it understands and
// ignores the others.
struct DeviceOptions {
  std::string board;          // boards/<name>.json: the memory timing a board-level simulation models (systemc)
  std::string xclbin = {};    // the kernel a real board loads (xrt); empty: $DCOC_XCLBIN
  unsigned device_index = 0;  // which device of the host (xrt)
};

struct BackendInfo {
  std::string name;         // what --backend takes ("fsim", "verilator", ...)
  std::string description;  // one line for `dcoc backends`
  bool timed = false;       // reports cycles (fsim does not)
};

using DeviceFactory = std::function<std::unique_ptr<Device>(const spec::Spec&, const DeviceOptions&)>;
// Why the backend cannot create a device on this machine (no board, no driver), or "" when it can.
using AvailabilityProbe = std::function<std::string()>;

class Registry {
 public:
  // Throws UsageError on an empty or duplicate name.
  void Add(BackendInfo info, DeviceFactory make, AvailabilityProbe probe = {});

  bool Has(std::string_view name) const;
  std::vector<std::string> Names() const;  // in the order they were added
  const BackendInfo& Info(std::string_view name) const;
  // "" when a device can be created here, else the reason (e.g. no XRT device present).
  std::string Unavailable(std::string_view name) const;

  // Throws UsageError naming the known backends for an unknown name; the factory's errors pass through.
  std::unique_ptr<Device> Create(std::string_view name, const spec::Spec& s, const DeviceOptions& opts = {}) const;

 private:
  struct Entry {
    BackendInfo info;
    DeviceFactory make;
    AvailabilityProbe probe;
  };
  const Entry& Find(std::string_view name) const;
  std::vector<Entry> entries_;
};

}  // namespace dcoc::runtime
