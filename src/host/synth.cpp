#include "armcache/host/synth.h"

#include <fmt/format.h>

#include "armcache/cache/geometry.h"
#include "armcache/cache/selectors.h"
#include "armcache/registers/csselr.h"

namespace armcache::host {

std::string_view to_string(Confidence c) {
  switch (c) {
    case Confidence::kHigh: return "high";
    case Confidence::kMedium: return "medium";
    case Confidence::kLow: return "low";
    case Confidence::kUnknown: break;
  }
  return "unknown";
}

namespace {

// lscpu's cache names: L1d, L1i, L2.
std::string lscpu_name(const CacheInfo& c) {
  return fmt::format("L{}{}", c.level, c.type == cache::CacheKind::kData ? "d" : c.type == cache::CacheKind::kInstruction ? "i" : "");
}

// Geometry of a described cache; ways from size / (sets x line) when only
// they are known. nullopt when the cache cannot be encoded.
std::optional<cache::Geometry> geometry(const CacheInfo& c) {
  if (!c.line.known() || !c.sets.known()) return std::nullopt;
  std::uint32_t ways = c.ways.value.value_or(0);
  if (!ways && c.size.known()) {
    const std::uint64_t per_way = std::uint64_t(*c.line.value) * *c.sets.value;
    if (per_way && *c.size.value % per_way == 0 && *c.size.value / per_way <= 0xffffffffu)
      ways = std::uint32_t(*c.size.value / per_way);
  }
  if (!ways) return std::nullopt;
  return cache::Geometry{*c.line.value, ways, *c.sets.value};
}

}  // namespace

Synthesis synthesize(const CacheKindGroup& kind, std::optional<reg::Ctr> ctr) {
  Synthesis s;
  const auto conf = [&](std::string f, Confidence c, std::string why) {
    s.confidence.push_back({std::move(f), c, std::move(why)});
  };
  // Ctype per level from the described types.
  bool d[8] = {}, i[8] = {}, u[8] = {};
  for (const auto& c : kind.caches) {
    if (c.level < 1 || c.level > 7) continue;
    (c.type == cache::CacheKind::kData ? d : c.type == cache::CacheKind::kInstruction ? i : u)[c.level] = true;
  }
  unsigned levels = 0;
  for (unsigned l = 1; l <= reg::kMaxCacheLevels; ++l) {
    using reg::Ctype;
    const Ctype t = u[l]             ? Ctype::kUnified
                    : (d[l] && i[l]) ? Ctype::kSeparate
                    : d[l]           ? Ctype::kData
                    : i[l]           ? Ctype::kInstruction
                                     : Ctype::kNone;
    const unsigned ctype = unsigned(t);
    if (u[l] && (d[l] || i[l]))
      s.warnings.push_back(fmt::format("L{} is described both as unified and as split; taken as unified", l));
    if (ctype == 0) {
      for (unsigned m = l + 1; m <= reg::kMaxCacheLevels; ++m)
        if (d[m] || i[m] || u[m]) {
          s.warnings.push_back(fmt::format("no L{} but an L{}: CLIDR ends at the first missing level, so L{} and above "
                                           "cannot be described", l, m, m));
          break;
        }
      break;
    }
    s.clidr.set_ctype(l, ctype);
    conf(fmt::format("Ctype{}", l), Confidence::kHigh, "level and type are described");
    levels = l;
  }
  // Levels of unification: no source describes them. IDC=1 parts (Cortex-A76,
  // Neoverse N1 and later) report LoUU = LoUIS = 0; parts without IDC need
  // cleaning through the levels below the first unified cache.
  unsigned first_unified = 0;
  for (unsigned l = 1; l <= levels; ++l)
    if (u[l]) {
      first_unified = l;
      break;
    }
  const unsigned lou = first_unified ? first_unified - 1 : levels;
  if (ctr && ctr->idc()) {
    s.clidr.set_louu(0).set_louis(0);
    conf("LoUU", Confidence::kMedium, "CTR_EL0.IDC=1: cores with IDC report 0");
    conf("LoUIS", Confidence::kMedium, "CTR_EL0.IDC=1: cores with IDC report 0");
  } else {
    s.clidr.set_louu(lou).set_louis(lou);
    const char* why = ctr ? "CTR_EL0.IDC=0: the levels below the first unified cache"
                          : "the levels below the first unified cache; 0 on cores with CTR_EL0.IDC=1, "
                            "which is unknown without the live register";
    conf("LoUU", ctr ? Confidence::kMedium : Confidence::kLow, why);
    conf("LoUIS", ctr ? Confidence::kMedium : Confidence::kLow, why);
  }
  // LoC: every described level is taken to be inside the point of coherency.
  s.clidr.set_loc(levels);
  conf("LoC", levels ? Confidence::kMedium : Confidence::kLow,
       "the highest described level; an outer cache that is transparent to maintenance would make it lower");
  conf("ICB", Confidence::kUnknown, "no firmware table gives the inner cache boundary; 0 means not disclosed");
  conf("Ttype", Confidence::kUnknown, "tag caches (FEAT_MTE2) appear in no source; Ttype left 0");
  s.undetermined = {
      "ICB: no source gives the inner cache boundary (left 0, not disclosed)",
      "Ttype1-7: no source describes tag caches (left 0)",
      "LoUIS, LoUU: levels of unification are in no source (rule-based)",
      "CCSIDR bits [31:28]: UNKNOWN; ARMv8.0 parts report write policy bits there (left 0)",
      "FEAT_CCIDX: a part may use the 64-bit format even when its caches fit the 32-bit one",
  };
  if (!ctr) s.undetermined.push_back("CTR_EL0: needs a live arm64 host");

  // CCSIDR per Level|InD selector, 64-bit format only when some cache does
  // not fit the 32-bit fields.
  std::vector<std::pair<const CacheInfo*, cache::Geometry>> geo;
  std::vector<std::string> without_ccsidr;
  for (const auto& c : kind.caches) {
    if (c.level < 1 || c.level > levels) continue;
    auto g = geometry(c);
    if (!g) {
      without_ccsidr.push_back(lscpu_name(c));
      continue;
    }
    geo.push_back({&c, *g});
    const auto lim = cache::limits(reg::CcsidrFormat::k32);
    if (g->ways > lim.max_ways || g->sets > lim.max_sets) s.ccidx = true;
  }
  const auto fmt_ = s.ccidx ? reg::CcsidrFormat::kCcidx : reg::CcsidrFormat::k32;
  for (const auto& [c, g] : geo) {
    if (u[c->level] && c->type != cache::CacheKind::kUnified) continue;
    auto v = cache::ccsidr_from_geometry(g, fmt_);
    if (!v) {
      s.warnings.push_back(fmt::format("L{} {}: no CCSIDR: {}", c->level, to_string(c->type), v.error().message));
      continue;
    }
    const auto sel = reg::Csselr::select(c->level, c->type == cache::CacheKind::kInstruction);
    s.ccsidr[std::uint32_t(sel.raw())] = v->raw();
  }
  // Which geometry is missing, for which caches, in one line per kind.
  const auto join = [](const std::vector<std::string>& v) {
    std::string out;
    for (const auto& x : v) out += (out.empty() ? "" : ", ") + x;
    return out;
  };
  std::vector<std::string> none, partly;
  for (const auto& c : kind.caches) {
    std::vector<std::string> unknown;
    if (!c.size.known()) unknown.push_back("size");
    if (!c.ways.known()) unknown.push_back("ways");
    if (!c.sets.known()) unknown.push_back("sets");
    if (!c.line.known()) unknown.push_back("line size");
    if (unknown.size() == 4) none.push_back(lscpu_name(c));
    else if (!unknown.empty()) partly.push_back(lscpu_name(c) + " " + join(unknown));
  }
  if (!none.empty() && partly.empty() && none.size() == kind.caches.size()) {
    s.missing_geometry = fmt::format(
        "no cache geometry in these sources for {} (size, ways, sets and line size unknown: only level, type and "
        "sharing): CLIDR_EL1 from levels and types alone, no CCSIDR_EL1",
        join(none));
  } else if (!none.empty() || !partly.empty()) {
    std::vector<std::string> parts = partly;
    if (!none.empty()) parts.insert(parts.begin(), join(none) + " size, ways, sets, line size");
    s.missing_geometry = "geometry unknown: " + join(parts);
    if (!without_ccsidr.empty()) s.missing_geometry += "; no CCSIDR_EL1 for " + join(without_ccsidr);
  }
  return s;
}

}  // namespace armcache::host
