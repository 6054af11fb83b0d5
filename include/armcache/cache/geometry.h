// Cache geometry (line size, ways, sets) and its CCSIDR_EL1 encodings.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "armcache/registers/ccsidr.h"
#include "armcache/util/result.h"

namespace armcache::cache {

struct Geometry {
  std::uint32_t line_bytes = 0;
  std::uint32_t ways = 0;
  std::uint32_t sets = 0;
  constexpr std::uint64_t size_bytes() const { return std::uint64_t{line_bytes} * ways * sets; }
  constexpr bool operator==(const Geometry&) const = default;
};

constexpr Geometry geometry_of(reg::Ccsidr c) {
  return Geometry{16u << c.line_size(), c.associativity() + 1, c.num_sets() + 1};
}

// The geometry of a CCSIDR_EL1 value as a guest reads it, in the format
// ID_AA64MMFR2_EL1.CCIDX = `ccidx` selects.
constexpr Geometry geometry_of_read(std::uint64_t raw, bool ccidx) {
  return geometry_of(reg::Ccsidr::as_read(raw, ccidx));
}

// "0x...  64-byte lines x 4 ways x 256 sets = 64 KiB" (sizes below 1 KiB in
// bytes); "0" for 0, a selector with no cache.
std::string describe_ccsidr(std::uint64_t raw, bool ccidx);

// Limits of each format.
struct FormatLimits {
  std::uint32_t max_ways;
  std::uint32_t max_sets;
};
constexpr FormatLimits limits(reg::CcsidrFormat f) {
  return f == reg::CcsidrFormat::k32 ? FormatLimits{1u << 10, 1u << 15} : FormatLimits{1u << 21, 1u << 24};
}

// Fails when the line is not a power of two in 16..2048 bytes, or ways or
// sets are 0 or beyond the format's limit. Bits [31:28] of the 32-bit format
// are left zero.
Result<reg::Ccsidr> ccsidr_from_geometry(Geometry g, reg::CcsidrFormat format);

// Re-encodes a value in the other format, with the reason when it does not
// fit. Converting 32 -> 64 drops the UNKNOWN bits [31:28].
Result<reg::Ccsidr> convert(reg::Ccsidr c, reg::CcsidrFormat to);

// How sure we are that a 32-bit DEMUX CCSIDR value is the low half of a
// 64-bit FEAT_CCIDX value, as KVM before 6.3 hands out on CCIDX hosts.
enum class Truncation : std::uint8_t { kNo, kLikely, kYes };

// host_ccidx is ID_AA64MMFR2_EL1.CCIDX != 0 of the source host when known.
// Without it, a value with [31:24] clear (RES0 in the 64-bit format) that
// decodes as more than one way but a single set is "likely": real 32-bit
// caches do not look like that, truncated ones always do.
Truncation check_truncated(std::uint32_t demux_value, std::optional<bool> host_ccidx);

// A CCSIDR_EL1 value read with ID_AA64MMFR2_EL1.CCIDX = `ccidx` that looks
// cut short: in the FEAT_CCIDX format, one without its NumSets half ([63:32]
// zero, so a single set); in the 32-bit format, check_truncated's "likely".
// A fabricated 1-way 1-set value looks the same: callers that tell the two
// apart test for it first.
bool looks_truncated(std::uint64_t raw, bool ccidx);

}  // namespace armcache::cache
