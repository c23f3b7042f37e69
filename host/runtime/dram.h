// Simulated device memory: a growable flat byte array with a bump allocator, shared by the simulated
// backends (fsim, verilator, hls-csim, systemc). Every access is bounds-checked. The bytes are its own,
// or a vector a simulator owns (the Verilator harness's DRAM model, the SystemC board's DRAM target).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace dcoc::runtime {

class SimDram {
 public:
  SimDram() : mem_(&own_) {}
  explicit SimDram(std::vector<uint8_t>& storage) : mem_(&storage) {}
  SimDram(const SimDram&) = delete;
  SimDram& operator=(const SimDram&) = delete;

  uint64_t Alloc(uint64_t bytes, uint64_t align);
  void Write(uint64_t addr, std::span<const uint8_t> bytes);
  void Read(uint64_t addr, std::span<uint8_t> bytes) const;
  std::vector<uint8_t>& bytes() { return *mem_; }
  const std::vector<uint8_t>& bytes() const { return *mem_; }

 private:
  std::vector<uint8_t> own_;
  std::vector<uint8_t>* mem_;
};

}  // namespace dcoc::runtime
