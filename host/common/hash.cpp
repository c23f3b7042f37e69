#include "host/common/hash.h"

#include <fmt/format.h>

namespace dcoc {

std::string Fnv1a64::HexDigest() const { return fmt::format("{:016x}", state_); }

std::string HexDigest(std::span<const uint8_t> bytes) {
  Fnv1a64 h;
  h.Update(bytes);
  return h.HexDigest();
}

}  // namespace dcoc
