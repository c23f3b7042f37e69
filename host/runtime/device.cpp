#include "host/runtime/device.h"

#include <algorithm>

#include <fmt/format.h>

#include "host/common/error.h"
#include "host/runtime/dram.h"
#include "host/spec/isa.h"

namespace dcoc::runtime {

uint64_t SimDram::Alloc(uint64_t bytes, uint64_t align) {
  if (align == 0 || (align & (align - 1)) != 0)
    throw UsageError(fmt::format("allocation alignment {} is not a power of two", align));
  const uint64_t addr = (mem_->size() + align - 1) & ~(align - 1);
  constexpr uint64_t kMaxBytes = uint64_t(1) << 34;  // 16 GiB: far beyond any simulated board
  if (bytes > kMaxBytes || addr + bytes > kMaxBytes)
    throw UsageError(fmt::format("device allocation of {} bytes at {} exceeds the simulated DRAM limit of {} bytes",
                                 bytes, addr, kMaxBytes));
  mem_->resize(size_t(addr + bytes), 0);
  return addr;
}

void SimDram::Write(uint64_t addr, std::span<const uint8_t> bytes) {
  if (addr > mem_->size() || bytes.size() > mem_->size() - addr)
    throw UsageError(fmt::format("device write of {} bytes at {} is outside the {} allocated bytes", bytes.size(), addr,
                                 mem_->size()));
  std::copy(bytes.begin(), bytes.end(), mem_->begin() + std::ptrdiff_t(addr));
}

void SimDram::Read(uint64_t addr, std::span<uint8_t> bytes) const {
  if (addr > mem_->size() || bytes.size() > mem_->size() - addr)
    throw UsageError(fmt::format("device read of {} bytes at {} is outside the {} allocated bytes", bytes.size(), addr,
                                 mem_->size()));
  std::copy_n(mem_->begin() + std::ptrdiff_t(addr), bytes.size(), bytes.begin());
}


uint64_t ImageAlignment(const spec::Spec& s) {
  uint64_t a = 64;
  for (int t = 0; t < spec::kNumMemTypes; ++t) a = std::max(a, uint64_t(s.RowBytes(spec::MemType(t))));
  return a;
}

std::vector<spec::Instruction> Relocate(const spec::Spec& s, std::span<const spec::Instruction> insns, uint64_t base) {
  std::vector<spec::Instruction> out(insns.begin(), insns.end());
  if (base == 0) return out;
  for (size_t i = 0; i < out.size(); ++i) {
    spec::Instruction& in = out[i];
    if (!in.IsMemory()) continue;
    const uint64_t row = uint64_t(s.RowBytes(in.memory_type));
    if (base % row != 0)
      throw UsageError(fmt::format("cannot place the program at DRAM address {:#x}: instruction {} addresses {} rows of "
                                   "{} bytes, and the address is not a multiple of that",
                                   base, i, spec::Name(in.memory_type), row));
    in.dram_base += base / row;
    try {
      (void)spec::Encode(s.isa, in);
    } catch (const EncodeError& e) {
      throw EncodeError(fmt::format("instruction {} placed at DRAM address {:#x}: {}", i, base, e.what()));
    }
  }
  return out;
}

ProgramRun RunProgram(Device& dev, const spec::Program& p, const RunOptions& opts) {
  if (spec::ConfigTag(p.config) != dev.spec().tag)
    throw UsageError(fmt::format("program was built for configuration {}, the device is {}", spec::ConfigTag(p.config),
                                 dev.spec().tag));
  const uint64_t base = dev.Alloc(p.dram.size(), ImageAlignment(dev.spec()));
  const std::vector<spec::Instruction> insns = Relocate(dev.spec(), p.insns, base);
  dev.Write(base, p.dram);
  ProgramRun r;
  r.stats = dev.Run(insns, opts);
  r.dram.resize(p.dram.size());
  dev.Read(base, r.dram);
  return r;
}

}  // namespace dcoc::runtime
