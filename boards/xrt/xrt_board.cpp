#include "boards/xrt/xrt_board.h"

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <thread>

#include <experimental/xrt_ip.h>
#include <experimental/xrt_system.h>
#include <experimental/xrt_xclbin.h>
#include <fmt/format.h>
#include <xrt/xrt_bo.h>
#include <xrt/xrt_device.h>

#include "host/common/error.h"

namespace dcoc::boards {

namespace {

// XCL_EMULATION_MODE selects one of XRT's emulation shims instead of a device driver.
bool Emulated() {
  const char* m = std::getenv("XCL_EMULATION_MODE");
  return m && *m;
}

std::string SetupHint() {
  return "source XRT's setup.sh (/opt/xilinx/xrt/setup.sh); with Debian's libxrt1, point XILINX_XRT at a "
         "directory whose lib/ holds libxrt_core.so.2 (e.g. a lib symlink to /usr/lib/x86_64-linux-gnu)";
}

}  // namespace

std::string XrtUnavailable() {
  const char* root = std::getenv("XILINX_XRT");
  if (!root || !*root) return "XILINX_XRT is not set, so XRT cannot load its driver shim: " + SetupHint();
  if (Emulated()) return "";
  try {
    if (::xrt::system::enumerate_devices() == 0)
      return "no XRT device present (xrt::system::enumerate_devices() found none): this machine has no Alveo card "
             "or Zynq MPSoC board with the XRT driver loaded";
  } catch (const std::exception& e) {
    return fmt::format("XRT cannot enumerate devices: {}", e.what());
  }
  return "";
}

// ---- memory ----------------------------------------------------------------------------------------------

struct XrtMemory::Impl {
  struct Buffer {
    ::xrt::bo bo;
    uint64_t base = 0;   // device address of the allocation's first usable byte
    uint64_t bytes = 0;
    uint64_t offset = 0;  // of `base` within the buffer object (alignment)
  };
  ::xrt::device device;
  int group = 0;
  std::vector<Buffer> buffers;

  // The buffer holding [addr, addr + n), or throws UsageError naming the range.
  Buffer& Find(uint64_t addr, uint64_t n, const char* what) {
    for (Buffer& b : buffers)
      if (addr >= b.base && n <= b.bytes && addr - b.base <= b.bytes - n) return b;
    throw UsageError(fmt::format("device {} of {} bytes at {:#x} is outside every allocated buffer ({} buffers)", what,
                                 n, addr, buffers.size()));
  }
};

XrtMemory::XrtMemory(unsigned device_index, int group) : impl_(std::make_unique<Impl>()) {
  if (const std::string why = XrtUnavailable(); !why.empty()) throw DeviceError(why);
  try {
    impl_->device = ::xrt::device(device_index);
  } catch (const std::exception& e) {
    throw DeviceError(fmt::format("cannot open XRT device {}: {}", device_index, e.what()));
  }
  impl_->group = group;
}

XrtMemory::~XrtMemory() = default;

size_t XrtMemory::buffers() const { return impl_->buffers.size(); }

void XrtMemory::FreeAll() { impl_->buffers.clear(); }

uint64_t XrtMemory::Alloc(uint64_t bytes, uint64_t align) {
  if (align == 0 || (align & (align - 1)) != 0)
    throw UsageError(fmt::format("allocation alignment {} is not a power of two", align));
  Impl::Buffer b;
  try {
    // Room for the alignment inside the buffer object, whatever address XRT gives it, in whole 4 KiB
    // pages: XRT backs a buffer with aligned_alloc(4096, size), which C requires to be a multiple of
    // the alignment (ASan refuses anything else).
    constexpr uint64_t kPage = 4096;
    const uint64_t room = std::max<uint64_t>(bytes, 1) + align - 1;
    b.bo = ::xrt::bo(impl_->device, size_t((room + kPage - 1) / kPage * kPage), ::xrt::bo::flags::normal,
                     ::xrt::memory_group(impl_->group));
  } catch (const std::exception& e) {
    throw DeviceError(fmt::format("XRT could not allocate {} bytes in memory bank {}: {}", bytes, impl_->group, e.what()));
  }
  const uint64_t addr = b.bo.address();
  b.base = (addr + align - 1) & ~(align - 1);
  b.offset = b.base - addr;
  b.bytes = bytes;
  for (const Impl::Buffer& o : impl_->buffers)
    if (b.base < o.base + std::max<uint64_t>(o.bytes, 1) && o.base < b.base + std::max<uint64_t>(bytes, 1))
      throw DeviceError(fmt::format("XRT placed a new buffer at device address {:#x}, overlapping one at {:#x} (an "
                                    "emulation shim without real addresses?)",
                                    b.base, o.base));
  impl_->buffers.push_back(std::move(b));
  return impl_->buffers.back().base;
}

void XrtMemory::Write(uint64_t addr, std::span<const uint8_t> bytes) {
  if (bytes.empty()) return;
  Impl::Buffer& b = impl_->Find(addr, bytes.size(), "write");
  const size_t off = size_t(addr - b.base + b.offset);
  b.bo.write(bytes.data(), bytes.size(), off);
  b.bo.sync(XCL_BO_SYNC_BO_TO_DEVICE, bytes.size(), off);
}

void XrtMemory::Read(uint64_t addr, std::span<uint8_t> bytes) {
  if (bytes.empty()) return;
  Impl::Buffer& b = impl_->Find(addr, bytes.size(), "read");
  const size_t off = size_t(addr - b.base + b.offset);
  b.bo.sync(XCL_BO_SYNC_BO_FROM_DEVICE, bytes.size(), off);
  b.bo.read(bytes.data(), bytes.size(), off);
}

// ---- the board -----------------------------------------------------------------------------------------

namespace {

// The memory bank the kernel's AXI master is connected to (the first memory of its first argument
// that has one), or 0 when the xclbin does not say.
int MemoryGroup(const ::xrt::xclbin& xb, const std::string& kernel) {
  const ::xrt::xclbin::kernel k = xb.get_kernel(kernel);
  if (!k) return 0;
  for (const ::xrt::xclbin::arg& a : k.get_args())
    for (const ::xrt::xclbin::mem& m : a.get_mems()) return int(m.get_index());
  return 0;
}

class XrtBoard final : public runtime::Board {
 public:
  XrtBoard(const XrtOptions& o, ::xrt::xclbin xb, int group)
      : memory_(o.device_index, group), device_(o.device_index), name_(o.kernel) {
    try {
      const ::xrt::uuid id = device_.load_xclbin(xb);
      ip_ = ::xrt::ip(device_, id, o.kernel);
    } catch (const std::exception& e) {
      throw DeviceError(fmt::format("cannot load {} and open kernel \"{}\" on XRT device {}: {}", o.xclbin, o.kernel,
                                    o.device_index, e.what()));
    }
  }
  uint64_t Alloc(uint64_t bytes, uint64_t align) override { return memory_.Alloc(bytes, align); }
  void Write(uint64_t addr, std::span<const uint8_t> bytes) override { memory_.Write(addr, bytes); }
  void Read(uint64_t addr, std::span<uint8_t> bytes) override { memory_.Read(addr, bytes); }
  void Write32(uint32_t offset, uint32_t value) override { ip_.write_register(offset, value); }
  uint32_t Read32(uint32_t offset) override { return ip_.read_register(offset); }
  void Idle() override { std::this_thread::sleep_for(std::chrono::microseconds(20)); }
  void FreeAll() override { memory_.FreeAll(); }
  void Recover() override {
    throw ExecError(fmt::format("kernel \"{}\" is still running the failed program and VTA++ has no reset the host "
                                "can reach: reload the xclbin (restart the process after `xbutil reset`)",
                                name_));
  }

 private:
  XrtMemory memory_;
  ::xrt::device device_;
  ::xrt::ip ip_;
  std::string name_;
};

}  // namespace

std::unique_ptr<runtime::Board> CreateXrtBoard(const spec::Spec&, const XrtOptions& o) {
  if (const std::string why = XrtUnavailable(); !why.empty()) throw DeviceError(why);
  if (o.xclbin.empty())
    throw UsageError(
        "the xrt backend needs an xclbin ($DCOC_XCLBIN, or --xclbin of sim run and op run): build one with `dcoc board build --board "
        "alveo-u250 --config <configuration> -o DIR` and Vitis on a machine that has it");
  if (!std::filesystem::exists(o.xclbin)) throw UsageError(fmt::format("xclbin {} does not exist", o.xclbin));
  ::xrt::xclbin xb;
  try {
    xb = ::xrt::xclbin(o.xclbin);
  } catch (const std::exception& e) {
    throw UsageError(fmt::format("cannot read xclbin {}: {}", o.xclbin, e.what()));
  }
  return std::make_unique<XrtBoard>(o, xb, MemoryGroup(xb, o.kernel));
}

void AddXrtBackend(runtime::Registry& r) {
  r.Add({"xrt",
         "VTA++ on an Alveo card or Zynq MPSoC board through XRT ($DCOC_XCLBIN from `dcoc board build`): buffers as "
         "buffer objects, registers through xrt::ip, the RTL's counters",
         true},
        [](const spec::Spec& s, const runtime::DeviceOptions& d) -> std::unique_ptr<runtime::Device> {
          XrtOptions o;
          o.xclbin = d.xclbin;
          if (o.xclbin.empty())
            if (const char* env = std::getenv("DCOC_XCLBIN"); env && *env) o.xclbin = env;
          o.device_index = d.device_index;
          return std::make_unique<runtime::DriverDevice>("xrt", s, CreateXrtBoard(s, o), s.ClockHz());
        },
        [] { return XrtUnavailable(); });
}

}  // namespace dcoc::boards
