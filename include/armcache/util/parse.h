// Parsers for values given on command lines and in files. Every one of them
// returns a one-line error instead of throwing or guessing.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "armcache/util/result.h"

namespace armcache {

// Hexadecimal, with or without 0x, at most `bits` significant bits.
Result<std::uint64_t> parse_hex(std::string_view text, unsigned bits = 64);

// Decimal, or hexadecimal with a 0x prefix.
Result<std::uint64_t> parse_uint(std::string_view text);

// Kernel version "6.1.0-50-cloud-arm64", "6.12.100", "6.5" -> {major, minor}.
struct KernelVersion {
  unsigned major = 0;
  unsigned minor = 0;
  constexpr auto operator<=>(const KernelVersion&) const = default;
};
Result<KernelVersion> parse_kernel_version(std::string_view text);

// Input text for an error message: printable, at most 40 characters, in
// single quotes, so that a message stays one line whatever the input held.
std::string quoted(std::string_view text);

// "0x..." lowercase hex, no padding.
std::string hex(std::uint64_t v);

}  // namespace armcache
