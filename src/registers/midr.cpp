#include "armcache/registers/midr.h"

#include <fmt/format.h>

namespace armcache::reg {
namespace {
struct Vendor {
  unsigned implementer;
  std::string_view name;
};
using Part = PartName;
// Regenerate with gen-midr-names.py (it asks lscpu itself).
#include "midr_names.inc"
}  // namespace

std::string_view implementer_name(unsigned implementer) {
  for (const Vendor& v : kVendors)
    if (v.implementer == implementer) return v.name;
  return {};
}

std::span<const PartName> part_names() { return kParts; }

std::string_view part_name(unsigned implementer, unsigned part_num) {
  for (const Part& p : kParts)
    if (p.implementer == implementer && p.part == part_num) return p.name;
  return {};
}

std::string describe_midr(std::uint64_t raw) {
  const Midr m{raw};
  const auto vendor = implementer_name(m.implementer());
  const auto part = part_name(m.implementer(), m.part_num());
  std::string s = vendor.empty() ? fmt::format("implementer {:#x}", m.implementer()) : std::string(vendor);
  s += part.empty() ? fmt::format(" part {:#x}", m.part_num()) : fmt::format(" {}", part);
  return s + fmt::format(" r{}p{}", m.variant(), m.revision());
}

}  // namespace armcache::reg
