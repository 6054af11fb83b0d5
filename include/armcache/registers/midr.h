// MIDR_EL1, Main ID Register (op0=3 op1=0 CRn=0 CRm=0 op2=0).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "armcache/registers/describers.h"
#include "armcache/registers/field.h"

namespace armcache::reg {

namespace midr {
using enum FieldRole;
inline constexpr Field kRevision{"Revision", 3, 0};
inline constexpr Field kPartNum{"PartNum", 15, 4, kValue, describe::part_num, true};
inline constexpr Field kArchitecture{"Architecture", 19, 16, kValue, describe::architecture, true};
inline constexpr Field kVariant{"Variant", 23, 20};
inline constexpr Field kImplementer{"Implementer", 31, 24, kValue, describe::implementer, true};
inline constexpr Field kRes0{"RES0", 63, 32, kReserved0};
inline constexpr Field kTable[] = {kRevision, kPartNum, kArchitecture, kVariant, kImplementer, kRes0};
}  // namespace midr

inline constexpr Layout kMidrLayout{"MIDR_EL1", 64, midr::kTable};

struct Midr {
  std::uint64_t raw = 0;
  constexpr unsigned implementer() const { return unsigned(midr::kImplementer.get(raw)); }
  constexpr unsigned part_num() const { return unsigned(midr::kPartNum.get(raw)); }
  constexpr unsigned variant() const { return unsigned(midr::kVariant.get(raw)); }
  constexpr unsigned revision() const { return unsigned(midr::kRevision.get(raw)); }
};

// Names of implementers and parts spelled as util-linux's lscpu prints them
// ("ARM", "Neoverse-N1"); empty when lscpu names none.
std::string_view implementer_name(unsigned implementer);
std::string_view part_name(unsigned implementer, unsigned part_num);
struct PartName {
  unsigned implementer;
  unsigned part;
  std::string_view name;
};
// Every part lscpu names, by implementer then part number.
std::span<const PartName> part_names();
// "ARM Neoverse-N1 r3p1"; unknown codes in hex ("implementer 0x99 part 0x1 r0p0").
std::string describe_midr(std::uint64_t midr);

}  // namespace armcache::reg
