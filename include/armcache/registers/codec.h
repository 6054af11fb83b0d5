// Generic decode, encode and reserved-bit checks driven by a register's
// field table.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "armcache/registers/field.h"
#include "armcache/util/result.h"

namespace armcache::reg {

struct DecodedField {
  const Field* field;
  std::uint64_t value;
  std::string meaning;  // empty when the field has no describer
};

// Every non-reserved field, in table order (least significant first).
std::vector<DecodedField> decode(const Layout& layout, std::uint64_t raw);

// Fails when RES0 bits are set or RES1 bits clear, naming the bits.
Status check_reserved(const Layout& layout, std::uint64_t raw);

struct FieldAssignment {
  std::string name;
  std::uint64_t value;
};

// "Name=value", the value decimal or 0x-prefixed hexadecimal (parse_uint).
Result<FieldAssignment> parse_field_assignment(std::string_view text);

// Builds a value from field assignments on top of `base` (by default all
// fields zero and RES1 bits set). Fails on unknown or repeated fields and
// values too wide.
Result<std::uint64_t> encode(const Layout& layout, std::span<const FieldAssignment> fields,
                             std::uint64_t base);
inline Result<std::uint64_t> encode(const Layout& layout, std::span<const FieldAssignment> fields) {
  return encode(layout, fields, layout.res1_mask());
}

}  // namespace armcache::reg
