// CCSIDR_EL1, Current Cache Size ID Register (op0=3 op1=1 CRn=0 CRm=0 op2=0),
// in the 32-bit format and the FEAT_CCIDX 64-bit format, and CCSIDR2_EL1
// (op2=2), which AArch32 uses for NumSets under FEAT_CCIDX.
// Both layouts: docs/arm-cache-registers.md#ccsidr_el1; how to tell them apart:
// docs/arm-cache-registers.md#which-ccsidr-format-applies.
#pragma once

#include <cstdint>

#include "armcache/registers/describers.h"
#include "armcache/registers/field.h"

namespace armcache::reg {

enum class CcsidrFormat : std::uint8_t { k32, kCcidx };

namespace ccsidr {
using enum FieldRole;
inline constexpr Field kLineSize{"LineSize", 2, 0, kValue, describe::line_size};
inline constexpr Field kAssociativity{"Associativity", 12, 3, kValue, describe::plus_one_ways};
inline constexpr Field kNumSets{"NumSets", 27, 13, kValue, describe::plus_one_sets};
// [31:28] are UNKNOWN in the current Arm ARM; ARMv8.0 parts report the
// write-through, write-back, read- and write-allocate support bits there.
inline constexpr Field kWA{"WA", 28, 28, kUnknown, describe::policy_bit};
inline constexpr Field kRA{"RA", 29, 29, kUnknown, describe::policy_bit};
inline constexpr Field kWB{"WB", 30, 30, kUnknown, describe::policy_bit};
inline constexpr Field kWT{"WT", 31, 31, kUnknown, describe::policy_bit};
inline constexpr Field kRes0Upper{"RES0", 63, 32, kReserved0};
inline constexpr Field kTable[] = {kLineSize, kAssociativity, kNumSets, kWA, kRA, kWB, kWT, kRes0Upper};

// FEAT_CCIDX format.
inline constexpr Field kLineSizeX{"LineSize", 2, 0, kValue, describe::line_size};
inline constexpr Field kAssociativityX{"Associativity", 23, 3, kValue, describe::plus_one_ways};
inline constexpr Field kRes0Mid{"RES0", 31, 24, kReserved0};
inline constexpr Field kNumSetsX{"NumSets", 55, 32, kValue, describe::plus_one_sets};
inline constexpr Field kRes0High{"RES0", 63, 56, kReserved0};
inline constexpr Field kTableCcidx[] = {kLineSizeX, kAssociativityX, kRes0Mid, kNumSetsX, kRes0High};
}  // namespace ccsidr

namespace ccsidr2 {
using enum FieldRole;
inline constexpr Field kNumSets{"NumSets", 23, 0, kValue, describe::plus_one_sets};
inline constexpr Field kRes0{"RES0", 63, 24, kReserved0};
inline constexpr Field kTable[] = {kNumSets, kRes0};
}  // namespace ccsidr2

inline constexpr Layout kCcsidrLayout{"CCSIDR_EL1", 64, ccsidr::kTable};
inline constexpr Layout kCcsidrCcidxLayout{"CCSIDR_EL1 (FEAT_CCIDX)", 64, ccsidr::kTableCcidx};
inline constexpr Layout kCcsidr2Layout{"CCSIDR2_EL1", 64, ccsidr2::kTable};

constexpr const Layout& ccsidr_layout(CcsidrFormat f) {
  return f == CcsidrFormat::k32 ? kCcsidrLayout : kCcsidrCcidxLayout;
}

// A CCSIDR_EL1 value together with the format it is in; the format is not
// recorded in the value itself (it comes from ID_AA64MMFR2_EL1.CCIDX).
class Ccsidr {
 public:
  constexpr Ccsidr() = default;
  constexpr Ccsidr(std::uint64_t raw, CcsidrFormat format) : raw_(raw), format_(format) {}
  // A value read where ID_AA64MMFR2_EL1.CCIDX is `ccidx`. A value with bits
  // [63:32] set is in the FEAT_CCIDX format whatever the flag says: those
  // bits are RES0 in the 32-bit format and hold NumSets in the other.
  static constexpr Ccsidr as_read(std::uint64_t raw, bool ccidx) {
    return Ccsidr(raw, (ccidx || (raw >> 32) != 0) ? CcsidrFormat::kCcidx : CcsidrFormat::k32);
  }
  constexpr std::uint64_t raw() const { return raw_; }
  constexpr CcsidrFormat format() const { return format_; }
  constexpr const Layout& layout() const { return ccsidr_layout(format_); }

  constexpr unsigned line_size() const { return unsigned(ccsidr::kLineSize.get(raw_)); }
  constexpr std::uint32_t associativity() const {
    return std::uint32_t(format_ == CcsidrFormat::k32 ? ccsidr::kAssociativity.get(raw_)
                                                      : ccsidr::kAssociativityX.get(raw_));
  }
  constexpr std::uint32_t num_sets() const {
    return std::uint32_t(format_ == CcsidrFormat::k32 ? ccsidr::kNumSets.get(raw_)
                                                      : ccsidr::kNumSetsX.get(raw_));
  }
  constexpr bool operator==(const Ccsidr&) const = default;

 private:
  std::uint64_t raw_ = 0;
  CcsidrFormat format_ = CcsidrFormat::k32;
};

}  // namespace armcache::reg
