#include "armcache/registers/codec.h"

#include <fmt/format.h>

#include "armcache/util/parse.h"

#include <bit>

namespace armcache::reg {
namespace {
// "[63:47]" or "[30]" for the contiguous runs of bits in mask.
std::string bit_ranges(std::uint64_t mask) {
  std::string out;
  for (int bit = 63; bit >= 0;) {
    if (!(mask >> bit & 1)) {
      --bit;
      continue;
    }
    int lsb = bit;
    while (lsb > 0 && (mask >> (lsb - 1) & 1)) --lsb;
    if (!out.empty()) out += ", ";
    out += lsb == bit ? fmt::format("[{}]", bit) : fmt::format("[{}:{}]", bit, lsb);
    bit = lsb - 1;
  }
  return out;
}
}  // namespace

std::vector<DecodedField> decode(const Layout& layout, std::uint64_t raw) {
  std::vector<DecodedField> out;
  out.reserve(layout.fields.size());
  for (const Field& f : layout.fields) {
    if (f.reserved()) continue;
    const std::uint64_t v = f.get(raw);
    out.push_back({&f, v, f.describe ? f.describe(v, raw) : std::string()});
  }
  return out;
}

Status check_reserved(const Layout& layout, std::uint64_t raw) {
  if (const std::uint64_t bad = raw & layout.res0_mask())
    return Error::make(fmt::format("{}: RES0 bits {} are set in 0x{:x}", layout.name, bit_ranges(bad), raw));
  if (const std::uint64_t bad = ~raw & layout.res1_mask())
    return Error::make(fmt::format("{}: RES1 bits {} are clear in 0x{:x}", layout.name, bit_ranges(bad), raw));
  return Ok{};
}

Result<std::uint64_t> encode(const Layout& layout, std::span<const FieldAssignment> fields,
                             std::uint64_t base) {
  std::uint64_t raw = base;
  std::uint64_t assigned = 0;
  for (const FieldAssignment& a : fields) {
    const Field* f = layout.find(a.name);
    if (!f) {
      std::string names;
      for (const Field& g : layout.fields) {
        if (g.reserved()) continue;
        names += names.empty() ? "" : ", ";
        names += g.name;
      }
      return Error::make(fmt::format("{} has no field '{}' (fields: {})", layout.name, a.name, names));
    }
    if (assigned & f->mask()) return Error::make(fmt::format("field {} given twice", f->name));
    if (a.value > f->max())
      return Error::make(fmt::format("{}={} does not fit in {} bit{} (at most {})", f->name, a.value, f->width(),
                                     f->width() == 1 ? "" : "s", f->max()));
    assigned |= f->mask();
    raw = f->with(raw, a.value);
  }
  return raw;
}

Result<FieldAssignment> parse_field_assignment(std::string_view text) {
  const auto eq = text.find('=');
  if (eq == std::string_view::npos || eq == 0)
    return Error::make(fmt::format("{} is not Field=value", quoted(text)));
  auto value = parse_uint(text.substr(eq + 1));
  if (!value) return Error::make(fmt::format("{}: {}", quoted(text.substr(0, eq)), value.error().message));
  return FieldAssignment{std::string(text.substr(0, eq)), *value};
}

}  // namespace armcache::reg
