// The XRT backend without a board: it says clearly why it cannot run (XILINX_XRT unset, no device),
// asks for an xclbin, and XRT's no-op emulation shim exercises its buffer objects (allocation, write
// and sync to the device, sync and read back, bounds). The register sequence it shares with the other
// drivers runs against the RTL in tests/runtime (backend verilator-driver). ctest runs each case in its
// own process: XRT picks its driver shim once per process.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "boards/xrt/xrt_board.h"
#include "host/common/error.h"
#include "host/runtime/backends.h"

namespace dcoc::test {
namespace {

namespace fs = std::filesystem;

// XILINX_XRT for Debian's libxrt: a directory whose lib/ holds the driver shims. "" when the shims
// are not where Debian puts them.
std::string DebianXrtRoot() {
  const fs::path libs = "/usr/lib/x86_64-linux-gnu";
  if (!fs::exists(libs / "libxrt_noop.so.2")) return "";
  const fs::path root = fs::temp_directory_path() / "dcoc-xrt-root";
  fs::create_directories(root);
  std::error_code ec;
  if (!fs::exists(root / "lib")) fs::create_directory_symlink(libs, root / "lib", ec);
  return root.string();
}

spec::Spec Default() { return spec::Spec::Create(spec::LoadConfig("default")); }

TEST(Xrt, WithoutXilinxXrtSaysSo) {
  ::unsetenv("XILINX_XRT");
  ::unsetenv("XCL_EMULATION_MODE");
  const std::string why = boards::XrtUnavailable();
  EXPECT_NE(why.find("XILINX_XRT is not set"), std::string::npos) << why;
  const runtime::Registry reg = runtime::BuiltinBackends();
  ASSERT_TRUE(reg.Has("xrt"));
  EXPECT_TRUE(reg.Info("xrt").timed);
  EXPECT_EQ(reg.Unavailable("xrt"), why);
  try {
    (void)reg.Create("xrt", Default());
    FAIL() << "expected DeviceError";
  } catch (const DeviceError& e) {
    EXPECT_NE(std::string(e.what()).find("XILINX_XRT"), std::string::npos) << e.what();
  }
}

TEST(Xrt, WithoutADeviceSaysNoDeviceIsPresent) {
  const std::string root = DebianXrtRoot();
  if (root.empty()) GTEST_SKIP() << "Debian's XRT shims are not in /usr/lib/x86_64-linux-gnu";
  ::setenv("XILINX_XRT", root.c_str(), 1);
  ::unsetenv("XCL_EMULATION_MODE");
  const std::string why = boards::XrtUnavailable();
  EXPECT_NE(why.find("no XRT device present"), std::string::npos) << why;
  runtime::DeviceOptions o;
  o.xclbin = "/nonexistent/vta.xclbin";
  try {
    (void)runtime::BuiltinBackends().Create("xrt", Default(), o);
    FAIL() << "expected DeviceError";
  } catch (const DeviceError& e) {
    EXPECT_NE(std::string(e.what()).find("no XRT device present"), std::string::npos) << e.what();
  }
}

class XrtNoop : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string root = DebianXrtRoot();
    if (root.empty()) GTEST_SKIP() << "Debian's XRT shims are not in /usr/lib/x86_64-linux-gnu";
    ::setenv("XILINX_XRT", root.c_str(), 1);
    ::setenv("XCL_EMULATION_MODE", "noop", 1);
  }
};

TEST_F(XrtNoop, BufferObjectsRoundTrip) {
  EXPECT_EQ(boards::XrtUnavailable(), "");
  boards::XrtMemory mem(0, 0);
  const uint64_t a = mem.Alloc(1000, 64);
  EXPECT_EQ(a % 64, 0u);
  std::vector<uint8_t> out(1000), back(1000);
  for (size_t i = 0; i < out.size(); ++i) out[i] = uint8_t(i * 13 + 7);
  mem.Write(a, out);  // write + sync to the device
  mem.Read(a, back);  // sync from the device + read
  EXPECT_EQ(back, out);
  std::vector<uint8_t> part(100);
  mem.Read(a + 900, part);
  EXPECT_TRUE(std::equal(part.begin(), part.end(), out.begin() + 900));
  try {
    mem.Read(a + 950, part);
    FAIL() << "read past the buffer";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("outside every allocated buffer"), std::string::npos) << e.what();
  }
  EXPECT_THROW((void)mem.Alloc(64, 3), UsageError);
  // A second buffer: the no-op shim gives every buffer the same fake address, which a real driver
  // never does; the backend refuses overlapping buffers rather than corrupt one with the other.
  try {
    const uint64_t b = mem.Alloc(256, 64);
    EXPECT_TRUE(b >= a + 1000 || b + 256 <= a);
  } catch (const DeviceError& e) {
    EXPECT_NE(std::string(e.what()).find("overlapping"), std::string::npos) << e.what();
  }
}

TEST_F(XrtNoop, TheBackendNeedsAnXclbin) {
  ::unsetenv("DCOC_XCLBIN");
  const runtime::Registry reg = runtime::BuiltinBackends();
  EXPECT_EQ(reg.Unavailable("xrt"), "");
  try {
    (void)reg.Create("xrt", Default());
    FAIL() << "expected UsageError";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("dcoc board build"), std::string::npos) << e.what();
  }
  runtime::DeviceOptions o;
  o.xclbin = "/nonexistent/vta.xclbin";
  try {
    (void)reg.Create("xrt", Default(), o);
    FAIL() << "expected UsageError";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/vta.xclbin"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace dcoc::test
