// CSSELR_EL1, Cache Size Selection Register (op0=3 op1=2 CRn=0 CRm=0 op2=0).
// Layout: docs/arm-cache-registers.md#csselr_el1.
#pragma once

#include <cstdint>
#include <string>

#include "armcache/registers/describers.h"
#include "armcache/registers/field.h"

namespace armcache::reg {

namespace csselr {
using enum FieldRole;
inline constexpr Field kInD{"InD", 0, 0, kValue, describe::ind};
inline constexpr Field kLevel{"Level", 3, 1, kValue, describe::csselr_level};
inline constexpr Field kTnD{"TnD", 4, 4, kValue, describe::tnd};  // FEAT_MTE2
inline constexpr Field kRes0{"RES0", 63, 5, kReserved0};
inline constexpr Field kTable[] = {kInD, kLevel, kTnD, kRes0};
}  // namespace csselr

inline constexpr Layout kCsselrLayout{"CSSELR_EL1", 64, csselr::kTable};

// Number of Level/InD encodings (Level 1..7 x InD), as KVM's DEMUX space and
// the trap handlers index them; TnD has no slot of its own there.
inline constexpr unsigned kCsselrLevelInDCount = 14;

class Csselr {
 public:
  constexpr Csselr() = default;
  constexpr explicit Csselr(std::uint64_t raw) : raw_(raw) {}
  // level is 1-based, as CLIDR numbers levels.
  static constexpr Csselr select(unsigned level, bool ind, bool tnd = false) {
    Csselr c;
    c.raw_ = csselr::kInD.with(c.raw_, ind);
    c.raw_ = csselr::kLevel.with(c.raw_, level - 1);
    c.raw_ = csselr::kTnD.with(c.raw_, tnd);
    return c;
  }
  constexpr std::uint64_t raw() const { return raw_; }
  constexpr bool ind() const { return csselr::kInD.get(raw_) != 0; }
  constexpr unsigned level() const { return unsigned(csselr::kLevel.get(raw_)) + 1; }
  constexpr bool tnd() const { return csselr::kTnD.get(raw_) != 0; }
  // The same selector for the tag cache (TnD set) or for data/unified.
  constexpr Csselr with_tnd(bool tnd = true) const { return Csselr(csselr::kTnD.with(raw_, tnd)); }
  // The Level|InD index KVM uses for DEMUX ids and its trap handler.
  constexpr unsigned level_ind_index() const {
    return unsigned(raw_ & (csselr::kLevel.mask() | csselr::kInD.mask()));
  }
  constexpr bool operator==(const Csselr&) const = default;

 private:
  std::uint64_t raw_ = 0;
};

// The one spelling of "the CCSIDR_EL1 this CSSELR_EL1 value selects" in
// messages and names: "CCSIDR_EL1[2]" (the Level|InD index, which is also
// KVM's DEMUX index), "CCSIDR_EL1[2,TnD]" for a tag cache.
std::string ccsidr_name(Csselr sel);

}  // namespace armcache::reg
