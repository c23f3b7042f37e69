// C simulation of the kernel's AXI master ports: a port is a view of the device memory as an array of
// rows, and every access is bounds-checked. An access outside the image reads zeros or is dropped, and
// the first one is recorded for the run's error report (hardware would read or write whatever lies
// there; a simulation must not).
#pragma once

#include <cstdint>

namespace csim {

struct Dram {
  uint8_t* data = nullptr;
  uint64_t bytes = 0;
  bool fault = false;  // the first out-of-bounds access, if any
  bool fault_write = false;
  uint64_t fault_addr = 0;

  bool Check(uint64_t addr, uint64_t n, bool write) {
    if (addr <= bytes && n <= bytes - addr) return true;
    if (!fault) {
      fault = true;
      fault_write = write;
      fault_addr = addr;
    }
    return false;
  }
};

template <class Row>
class Port {
 public:
  static constexpr uint64_t kRowBytes = uint64_t(Row::kWidth) / 8;

  class Ref {
   public:
    Ref(Dram* d, uint64_t row) : d_(d), row_(row) {}
    operator Row() const {  // NOLINT: reads like a pointer dereference
      Row r;
      if (Addr() && d_->Check(row_ * kRowBytes, kRowBytes, false)) r.FromBytes(d_->data + row_ * kRowBytes);
      return r;
    }
    Ref& operator=(const Row& r) {
      if (Addr() && d_->Check(row_ * kRowBytes, kRowBytes, true)) r.ToBytes(d_->data + row_ * kRowBytes);
      return *this;
    }

   private:
    // A row index whose byte address does not fit 64 bits is outside any image.
    bool Addr() const { return row_ <= ~uint64_t(0) / kRowBytes || d_->Check(~uint64_t(0), 1, false); }
    Dram* d_;
    uint64_t row_;
  };

  Port() = default;
  explicit Port(Dram* d) : d_(d) {}
  Ref operator[](uint64_t row) const { return Ref(d_, row); }
  const Dram& dram() const { return *d_; }

 private:
  Dram* d_ = nullptr;
};

}  // namespace csim
