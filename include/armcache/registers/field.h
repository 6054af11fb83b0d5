// Typed register fields in the manner of Fuchsia's hwreg and Linux's
// arch/arm64/tools/sysreg: every register is one constexpr table of Fields,
// and the typed accessors, the decoder, the encoder and the RES0 checks are
// all derived from that table.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace armcache::reg {

enum class FieldRole : std::uint8_t {
  kValue,    // an architected field
  kReserved0,  // RES0: must read as zero
  kReserved1,  // RES1: must read as one
  kUnknown,  // architecturally UNKNOWN, kept verbatim (e.g. CCSIDR[31:28])
};

// Turns a field's value into words for people ("Unified", "256 sets").
// Gets the whole register too, because some meanings depend on another
// field (MIDR PartNum needs the Implementer).
using Describer = std::string (*)(std::uint64_t field_value, std::uint64_t raw);

struct Field {
  std::string_view name;
  std::uint8_t msb;
  std::uint8_t lsb;
  FieldRole role = FieldRole::kValue;
  Describer describe = nullptr;
  bool hex = false;  // shown in hex (part numbers, implementer codes)

  constexpr unsigned width() const { return msb - lsb + 1u; }
  constexpr std::uint64_t max() const {
    return width() >= 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << width()) - 1;
  }
  constexpr std::uint64_t mask() const { return max() << lsb; }
  constexpr std::uint64_t get(std::uint64_t raw) const { return (raw >> lsb) & max(); }
  constexpr std::uint64_t with(std::uint64_t raw, std::uint64_t v) const {
    return (raw & ~mask()) | ((v & max()) << lsb);
  }
  constexpr bool reserved() const { return role == FieldRole::kReserved0 || role == FieldRole::kReserved1; }
};

struct Layout {
  std::string_view name;  // Arm ARM name, e.g. "CLIDR_EL1"
  unsigned width;         // bits KVM transfers: 32 or 64
  std::span<const Field> fields;

  constexpr std::uint64_t width_mask() const {
    return width >= 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << width) - 1;
  }
  constexpr std::uint64_t res0_mask() const {
    std::uint64_t m = ~width_mask();
    for (const Field& f : fields)
      if (f.role == FieldRole::kReserved0) m |= f.mask();
    return m;
  }
  constexpr std::uint64_t res1_mask() const {
    std::uint64_t m = 0;
    for (const Field& f : fields)
      if (f.role == FieldRole::kReserved1) m |= f.mask();
    return m;
  }
  constexpr const Field* find(std::string_view field_name) const {
    for (const Field& f : fields)
      if (!f.reserved() && f.name == field_name) return &f;
    return nullptr;
  }
};

// True when the fields of a layout cover every bit exactly once; checked at
// compile time for every table (see catalog.cpp).
constexpr bool covers_all_bits(const Layout& layout) {
  std::uint64_t seen = 0;
  for (const Field& f : layout.fields) {
    if (f.msb < f.lsb || f.msb > 63) return false;
    if (seen & f.mask()) return false;
    seen |= f.mask();
  }
  return seen == ~std::uint64_t{0};
}

}  // namespace armcache::reg
