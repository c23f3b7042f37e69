// Content digests used to name artifacts and compare results across backends.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace dcoc {

// 64-bit FNV-1a. Not cryptographic: it names caches and compares outputs of trusted runs.
class Fnv1a64 {
 public:
  void Update(std::span<const uint8_t> bytes) {
    for (uint8_t b : bytes) {
      state_ ^= b;
      state_ *= 0x100000001b3ULL;
    }
  }
  void Update(std::string_view s) {
    Update(std::span(reinterpret_cast<const uint8_t*>(s.data()), s.size()));
  }
  uint64_t Digest() const { return state_; }
  std::string HexDigest() const;

 private:
  uint64_t state_ = 0xcbf29ce484222325ULL;
};

std::string HexDigest(std::span<const uint8_t> bytes);

}  // namespace dcoc
