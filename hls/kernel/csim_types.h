// Stand-ins for the parts of Vitis HLS's ap_int.h and hls_stream.h the kernel uses, so that the kernel
// compiles with g++ for C simulation where the vendor headers are absent. They model the arithmetic
// the kernel relies on exactly: an ap_int<W> / ap_uint<W> holds W bits, and assigning any value to it
// keeps the low W bits (two's complement for ap_int). Operations go through 64-bit integers, which is
// exact for the kernel's operands (elements of at most 32 bits; wide ap_uint rows are only containers
// accessed by range()). Under Vitis HLS (__SYNTHESIS__ or DCOC_HLS_VITIS) the real headers are used.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <stdexcept>

namespace csim {

// Bits [lo, lo + n) of a little-endian array of 64-bit words (n <= 64).
template <size_t N>
inline uint64_t GetBits(const std::array<uint64_t, N>& w, int lo, int n) {
  const size_t i = size_t(lo) / 64;
  const int s = lo % 64;
  uint64_t v = w[i] >> s;
  if (s != 0 && s + n > 64 && i + 1 < N) v |= w[i + 1] << (64 - s);
  return n == 64 ? v : v & ((uint64_t(1) << n) - 1);
}
template <size_t N>
inline void SetBits(std::array<uint64_t, N>& w, int lo, int n, uint64_t v) {
  const uint64_t m = n == 64 ? ~uint64_t(0) : (uint64_t(1) << n) - 1;
  v &= m;
  const size_t i = size_t(lo) / 64;
  const int s = lo % 64;
  w[i] = (w[i] & ~(m << s)) | (v << s);
  if (s != 0 && s + n > 64 && i + 1 < N) {
    const int spill = s + n - 64;
    const uint64_t m2 = (uint64_t(1) << spill) - 1;
    w[i + 1] = (w[i + 1] & ~m2) | (v >> (64 - s));
  }
}

}  // namespace csim

// An unsigned W-bit value. Up to 64 bits it converts to and from uint64_t like an integer; wider
// values are containers read and written through range(hi, lo) in slices of at most 64 bits.
template <int W>
class ap_uint {
  static_assert(W >= 1, "ap_uint needs at least one bit");

 public:
  static constexpr size_t kWords = size_t(W + 63) / 64;
  static constexpr int kWidth = W;

  // The slice [lo, hi] of a value: reads convert to uint64_t, writes replace the slice.
  class Range {
   public:
    Range(ap_uint* v, int hi, int lo) : v_(v), hi_(hi), lo_(lo) {}
    uint64_t to_uint64() const { return csim::GetBits(v_->w_, lo_, hi_ - lo_ + 1); }
    operator uint64_t() const { return to_uint64(); }
    Range& operator=(uint64_t x) {
      csim::SetBits(v_->w_, lo_, hi_ - lo_ + 1, x);
      return *this;
    }

   private:
    ap_uint* v_;
    int hi_, lo_;
  };

  ap_uint() = default;
  ap_uint(uint64_t x) {  // NOLINT: implicit, as in ap_int.h
    w_[0] = x;
    Trim();
  }
  uint64_t to_uint64() const { return w_[0]; }
  template <int V = W, typename = std::enable_if_t<(V <= 64)>>
  operator uint64_t() const {
    return w_[0];
  }

  Range range(int hi, int lo) {
    Check(hi, lo);
    return Range(this, hi, lo);
  }
  // A read-only slice (ap_int.h's range() on a const value).
  class ConstRange {
   public:
    explicit ConstRange(uint64_t v) : v_(v) {}
    uint64_t to_uint64() const { return v_; }
    operator uint64_t() const { return v_; }

   private:
    uint64_t v_;
  };
  ConstRange range(int hi, int lo) const {
    Check(hi, lo);
    return ConstRange(csim::GetBits(w_, lo, hi - lo + 1));
  }

  // The value's bytes, little-endian (the layout of the row in DRAM).
  void ToBytes(uint8_t* out) const {
    for (int b = 0; b < W / 8; ++b) out[b] = uint8_t(w_[size_t(b) / 8] >> (8 * (b % 8)));
  }
  void FromBytes(const uint8_t* in) {
    w_.fill(0);
    for (int b = 0; b < W / 8; ++b) w_[size_t(b) / 8] |= uint64_t(in[b]) << (8 * (b % 8));
  }

 private:
  static void Check(int hi, int lo) {
    if (lo < 0 || hi < lo || hi >= W || hi - lo >= 64) throw std::out_of_range("ap_uint range outside the value");
  }
  void Trim() {
    if constexpr (W < 64) w_[0] &= (uint64_t(1) << W) - 1;
  }
  std::array<uint64_t, kWords> w_{};
};

// A signed W-bit value (W <= 64), sign-extended in an int64_t.
template <int W>
class ap_int {
  static_assert(W >= 1 && W <= 64, "the C-simulation ap_int holds at most 64 bits");

 public:
  ap_int() = default;
  ap_int(int64_t x) : v_(Wrap(x)) {}  // NOLINT: implicit, as in ap_int.h
  ap_int(int x) : v_(Wrap(x)) {}      // NOLINT
  ap_int(uint64_t x) : v_(Wrap(int64_t(x))) {}  // NOLINT
  ap_int(uint32_t x) : v_(Wrap(int64_t(x))) {}  // NOLINT
  operator int64_t() const { return v_; }
  int64_t to_int64() const { return v_; }

 private:
  static int64_t Wrap(int64_t x) {
    if constexpr (W == 64) {
      return x;
    } else {
      const uint64_t u = uint64_t(x) << (64 - W);
      return int64_t(u) >> (64 - W);
    }
  }
  int64_t v_ = 0;
};

namespace hls {

// An unbounded FIFO, as hls::stream is in C simulation. Reading an empty stream is a kernel bug
// (hardware would block forever): it throws instead.
template <class T>
class stream {
 public:
  stream() = default;
  explicit stream(const char* /*name*/) {}
  bool empty() const { return q_.empty(); }
  size_t size() const { return q_.size(); }
  void write(const T& v) { q_.push_back(v); }
  T read() {
    if (q_.empty()) throw std::logic_error("hls::stream read while empty");
    T v = q_.front();
    q_.pop_front();
    return v;
  }

 private:
  std::deque<T> q_;
};

}  // namespace hls
