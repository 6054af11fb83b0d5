// CTR_EL0, Cache Type Register (op0=3 op1=3 CRn=0 CRm=0 op2=1).
// Layout: docs/arm-cache-registers.md#ctr_el0.
#pragma once

#include <cstdint>

#include "armcache/registers/describers.h"
#include "armcache/registers/field.h"

namespace armcache::reg {

namespace ctr {
using enum FieldRole;
inline constexpr Field kIminLine{"IminLine", 3, 0, kValue, describe::log2_words};
inline constexpr Field kRes0Low{"RES0", 13, 4, kReserved0};
inline constexpr Field kL1Ip{"L1Ip", 15, 14, kValue, describe::l1ip};
inline constexpr Field kDminLine{"DminLine", 19, 16, kValue, describe::log2_words};
inline constexpr Field kERG{"ERG", 23, 20, kValue, describe::granule_words};
inline constexpr Field kCWG{"CWG", 27, 24, kValue, describe::granule_words};
inline constexpr Field kIDC{"IDC", 28, 28, kValue, describe::idc};
inline constexpr Field kDIC{"DIC", 29, 29, kValue, describe::dic};
inline constexpr Field kRes0Bit30{"RES0", 30, 30, kReserved0};
inline constexpr Field kRes1{"RES1", 31, 31, kReserved1};
inline constexpr Field kTminLine{"TminLine", 37, 32, kValue, describe::tmin_line};
inline constexpr Field kRes0High{"RES0", 63, 38, kReserved0};
inline constexpr Field kTable[] = {kIminLine, kRes0Low, kL1Ip, kDminLine, kERG,     kCWG,
                                   kIDC,      kDIC,     kRes0Bit30, kRes1, kTminLine, kRes0High};
}  // namespace ctr

inline constexpr Layout kCtrLayout{"CTR_EL0", 64, ctr::kTable};

class Ctr {
 public:
  constexpr Ctr() = default;
  constexpr explicit Ctr(std::uint64_t raw) : raw_(raw) {}
  constexpr std::uint64_t raw() const { return raw_; }
  constexpr unsigned imin_line() const { return unsigned(ctr::kIminLine.get(raw_)); }
  constexpr unsigned dmin_line() const { return unsigned(ctr::kDminLine.get(raw_)); }
  constexpr unsigned l1ip() const { return unsigned(ctr::kL1Ip.get(raw_)); }
  constexpr unsigned erg() const { return unsigned(ctr::kERG.get(raw_)); }
  constexpr unsigned cwg() const { return unsigned(ctr::kCWG.get(raw_)); }
  constexpr bool idc() const { return ctr::kIDC.get(raw_) != 0; }
  constexpr bool dic() const { return ctr::kDIC.get(raw_) != 0; }
  constexpr unsigned tmin_line() const { return unsigned(ctr::kTminLine.get(raw_)); }
  // Smallest line of any instruction / data-or-unified cache, in bytes.
  constexpr std::uint32_t imin_line_bytes() const { return 4u << imin_line(); }
  constexpr std::uint32_t dmin_line_bytes() const { return 4u << dmin_line(); }

  constexpr Ctr with_idc(bool v) const { return Ctr(ctr::kIDC.with(raw_, v)); }
  constexpr Ctr with_dic(bool v) const { return Ctr(ctr::kDIC.with(raw_, v)); }
  constexpr bool operator==(const Ctr&) const = default;

 private:
  std::uint64_t raw_ = 0;
};

}  // namespace armcache::reg
