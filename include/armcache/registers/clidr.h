// CLIDR_EL1, Cache Level ID Register (op0=3 op1=1 CRn=0 CRm=0 op2=1).
// Layout and value names: docs/arm-cache-registers.md#clidr_el1.
#pragma once

#include <cstdint>
#include <string_view>

#include "armcache/registers/describers.h"
#include "armcache/registers/field.h"

namespace armcache::reg {

namespace clidr {
using enum FieldRole;
// Ctype<n> at [3(n-1)+2 : 3(n-1)], n = 1..7.
inline constexpr Field kCtype[7] = {
    {"Ctype1", 2, 0, kValue, describe::ctype},    {"Ctype2", 5, 3, kValue, describe::ctype},
    {"Ctype3", 8, 6, kValue, describe::ctype},    {"Ctype4", 11, 9, kValue, describe::ctype},
    {"Ctype5", 14, 12, kValue, describe::ctype},  {"Ctype6", 17, 15, kValue, describe::ctype},
    {"Ctype7", 20, 18, kValue, describe::ctype},
};
inline constexpr Field kLoUIS{"LoUIS", 23, 21, kValue, describe::level_or_zero};
inline constexpr Field kLoC{"LoC", 26, 24, kValue, describe::level_or_zero};
inline constexpr Field kLoUU{"LoUU", 29, 27, kValue, describe::level_or_zero};
inline constexpr Field kICB{"ICB", 32, 30, kValue, describe::icb};
// Ttype<n> at [2(n-1)+34 : 2(n-1)+33] (FEAT_MTE2).
inline constexpr Field kTtype[7] = {
    {"Ttype1", 34, 33, kValue, describe::ttype}, {"Ttype2", 36, 35, kValue, describe::ttype},
    {"Ttype3", 38, 37, kValue, describe::ttype}, {"Ttype4", 40, 39, kValue, describe::ttype},
    {"Ttype5", 42, 41, kValue, describe::ttype}, {"Ttype6", 44, 43, kValue, describe::ttype},
    {"Ttype7", 46, 45, kValue, describe::ttype},
};
inline constexpr Field kRes0{"RES0", 63, 47, kReserved0};

inline constexpr Field kTable[] = {
    kCtype[0], kCtype[1], kCtype[2], kCtype[3], kCtype[4], kCtype[5], kCtype[6],
    kLoUIS,    kLoC,      kLoUU,     kICB,      kTtype[0], kTtype[1], kTtype[2],
    kTtype[3], kTtype[4], kTtype[5], kTtype[6], kRes0,
};
}  // namespace clidr

inline constexpr Layout kClidrLayout{"CLIDR_EL1", 64, clidr::kTable};

inline constexpr unsigned kMaxCacheLevels = 7;

// Ctype encodings; 5..7 are reserved.
enum class Ctype : std::uint8_t { kNone = 0, kInstruction = 1, kData = 2, kSeparate = 3, kUnified = 4 };
// Ttype encodings (FEAT_MTE2).
enum class Ttype : std::uint8_t { kNone = 0, kSeparate = 1, kUnifiedLines = 2, kUnifiedSeparateLines = 3 };

// The value names, by encoding: `name` is the identifier JSON output uses,
// `words` what a person reads (the field describers, messages).
struct ValueName {
  std::string_view name;
  std::string_view words;
};
inline constexpr ValueName kCtypeNames[8] = {
    {"None", "No cache"},  {"Instruction", "Instruction only"}, {"Data", "Data only"},
    {"Separate", "Separate I+D"}, {"Unified", "Unified"}, {"Reserved", "Reserved"},
    {"Reserved", "Reserved"}, {"Reserved", "Reserved"}};
inline constexpr ValueName kTtypeNames[4] = {{"None", "No tag cache"},
                                             {"Separate", "Separate tag cache"},
                                             {"UnifiedLines", "Unified tag+data, unified lines"},
                                             {"UnifiedSeparateLines", "Unified tag+data, separate lines"}};

class Clidr {
 public:
  constexpr Clidr() = default;
  constexpr explicit Clidr(std::uint64_t raw) : raw_(raw) {}
  constexpr std::uint64_t raw() const { return raw_; }

  // level is 1..7; returns the raw encoding, which may be reserved (5..7).
  constexpr unsigned ctype(unsigned level) const { return unsigned(clidr::kCtype[level - 1].get(raw_)); }
  constexpr unsigned ttype(unsigned level) const { return unsigned(clidr::kTtype[level - 1].get(raw_)); }
  constexpr unsigned louis() const { return unsigned(clidr::kLoUIS.get(raw_)); }
  constexpr unsigned loc() const { return unsigned(clidr::kLoC.get(raw_)); }
  constexpr unsigned louu() const { return unsigned(clidr::kLoUU.get(raw_)); }
  constexpr unsigned icb() const { return unsigned(clidr::kICB.get(raw_)); }

  constexpr Clidr& set_ctype(unsigned level, unsigned v) { return set(clidr::kCtype[level - 1], v); }
  constexpr Clidr& set_ttype(unsigned level, unsigned v) { return set(clidr::kTtype[level - 1], v); }
  constexpr Clidr& set_louis(unsigned v) { return set(clidr::kLoUIS, v); }
  constexpr Clidr& set_loc(unsigned v) { return set(clidr::kLoC, v); }
  constexpr Clidr& set_louu(unsigned v) { return set(clidr::kLoUU, v); }
  constexpr Clidr& set_icb(unsigned v) { return set(clidr::kICB, v); }

  // All Ttype fields cleared: what a VM without MTE must see.
  constexpr Clidr without_ttype() const {
    Clidr c = *this;
    for (unsigned n = 1; n <= kMaxCacheLevels; ++n) c.set_ttype(n, 0);
    return c;
  }
  constexpr bool operator==(const Clidr&) const = default;

 private:
  constexpr Clidr& set(const Field& f, std::uint64_t v) {
    raw_ = f.with(raw_, v);
    return *this;
  }
  std::uint64_t raw_ = 0;
};

}  // namespace armcache::reg
