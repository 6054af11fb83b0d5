// What the cache ID registers of a kind most likely hold, synthesized from
// the described geometry: CLIDR_EL1 with a confidence per field, and
// CCSIDR_EL1 per CSSELR selector.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "armcache/host/kinds.h"
#include "armcache/registers/clidr.h"
#include "armcache/registers/ctr.h"

namespace armcache::host {

// kHigh: read from a description; kMedium: a rule that holds for the parts
// we know of; kLow: a guess; kUnknown: these sources cannot say, the value
// is a placeholder.
enum class Confidence : std::uint8_t { kUnknown, kLow, kMedium, kHigh };
std::string_view to_string(Confidence c);

struct FieldConfidence {
  std::string field;  // "Ctype1", "LoC", "Ttype", "ICB", ...
  Confidence confidence;
  std::string why;
};

struct Synthesis {
  reg::Clidr clidr;
  std::vector<FieldConfidence> confidence;  // Ctype<n> per level, LoUIS, LoC, LoUU, ICB, Ttype
  bool ccidx = false;                       // some cache needs the FEAT_CCIDX format
  std::map<std::uint32_t, std::uint64_t> ccsidr;  // CSSELR value -> CCSIDR in the kind's format
  std::vector<std::string> undetermined;    // plain statements of what cannot be known
  std::vector<std::string> warnings;
  // One line saying which geometry these sources lack for which caches, and
  // what that costs ("no cache geometry ... for L1d, L1i, L2: ..."); empty
  // when every cache is fully described.
  std::string missing_geometry;
};

// ctr is the live CTR_EL0 when known: its IDC and DIC bits decide LoUU/LoUIS.
Synthesis synthesize(const CacheKindGroup& kind, std::optional<reg::Ctr> ctr);

}  // namespace armcache::host
