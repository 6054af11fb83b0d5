// FNV-1a 64, the hash behind profile fingerprints and the node-wide label
// (docs/fleet-labels.md). Those values are published and compared across
// hosts, so the byte order each caller feeds is part of its format.
#pragma once

#include <cstdint>
#include <string_view>

namespace armcache {

class Fnv1a64 {
 public:
  constexpr Fnv1a64& byte(std::uint8_t b) {
    h_ = (h_ ^ b) * 0x100000001b3ull;
    return *this;
  }
  constexpr Fnv1a64& bytes(std::string_view s) {
    for (unsigned char c : s) byte(c);
    return *this;
  }
  // The 8 bytes of x, least significant first.
  constexpr Fnv1a64& u64_le(std::uint64_t x) {
    for (int i = 0; i < 8; ++i) byte(std::uint8_t(x >> (8 * i)));
    return *this;
  }
  constexpr std::uint64_t value() const { return h_; }

 private:
  std::uint64_t h_ = 0xcbf29ce484222325ull;  // the offset basis
};

// The published test vectors (FNV's reference): "" and "a".
static_assert(Fnv1a64().value() == 0xcbf29ce484222325ull);
static_assert(Fnv1a64().bytes("a").value() == 0xaf63dc4c8601ec8cull);

}  // namespace armcache
