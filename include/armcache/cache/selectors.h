// The shape of a cache hierarchy as CLIDR_EL1 describes it: its levels and
// the CSSELR_EL1 selectors that name a real cache.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "armcache/registers/clidr.h"
#include "armcache/registers/csselr.h"

namespace armcache::cache {

enum class CacheKind : std::uint8_t { kData, kInstruction, kUnified, kTag };
std::string_view to_string(CacheKind kind);

struct Selector {
  unsigned level;  // 1..7
  bool ind;
  bool tnd;
  CacheKind kind;
  constexpr reg::Csselr csselr() const { return reg::Csselr::select(level, ind, tnd); }
  constexpr std::uint32_t value() const { return std::uint32_t(csselr().raw()); }
  constexpr bool operator==(const Selector&) const = default;
};

struct Level {
  unsigned level;
  unsigned ctype;  // raw encoding
  unsigned ttype;
};

struct ClidrShape {
  std::vector<Level> levels;        // up to, not including, the first Ctype 0
  std::vector<Selector> selectors;  // in CSSELR order within a level: D/U, I, tag
  std::vector<std::string> problems;  // reserved encodings, fields that are ignored
};

// Ctype 1 -> I; 2 -> D; 3 -> D and I; 4 -> unified; Ttype 1 (a separate tag
// cache) -> a TnD selector. Ttype 2 and 3 share the data lines of a unified
// cache, so they add no selector.
ClidrShape clidr_shape(reg::Clidr clidr);

std::string_view ctype_name(unsigned ctype);  // "Separate", "Reserved"
std::string_view ttype_name(unsigned ttype);

// Level|InD selectors (0..13) that CLIDR describes: the DEMUX ids a pre-6.3
// kernel lists.
std::vector<unsigned> level_ind_selectors(reg::Clidr clidr);

}  // namespace armcache::cache
