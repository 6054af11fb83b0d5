#include "armcache/cache/selectors.h"

#include <fmt/format.h>

namespace armcache::cache {

std::string_view to_string(CacheKind kind) {
  switch (kind) {
    case CacheKind::kData: return "Data";
    case CacheKind::kInstruction: return "Instruction";
    case CacheKind::kUnified: return "Unified";
    case CacheKind::kTag: return "Tag";
  }
  return "?";
}

std::string_view ctype_name(unsigned ctype) { return ctype < 8 ? reg::kCtypeNames[ctype].name : "Reserved"; }
std::string_view ttype_name(unsigned ttype) { return reg::kTtypeNames[ttype & 3].name; }

ClidrShape clidr_shape(reg::Clidr clidr) {
  ClidrShape shape;
  unsigned level = 1;
  for (; level <= reg::kMaxCacheLevels; ++level) {
    const unsigned ctype = clidr.ctype(level);
    const unsigned ttype = clidr.ttype(level);
    if (ctype == 0) {
      if (ttype != 0)
        shape.problems.push_back(fmt::format("Ttype{} = {} describes a tag cache at level {}, which has no cache "
                                             "(Ctype{} = 0)", level, ttype, level, level));
      break;
    }
    shape.levels.push_back({level, ctype, ttype});
    switch (reg::Ctype(ctype)) {
      case reg::Ctype::kInstruction: shape.selectors.push_back({level, true, false, CacheKind::kInstruction}); break;
      case reg::Ctype::kData: shape.selectors.push_back({level, false, false, CacheKind::kData}); break;
      case reg::Ctype::kSeparate:
        shape.selectors.push_back({level, false, false, CacheKind::kData});
        shape.selectors.push_back({level, true, false, CacheKind::kInstruction});
        break;
      case reg::Ctype::kUnified: shape.selectors.push_back({level, false, false, CacheKind::kUnified}); break;
      default:
        shape.problems.push_back(fmt::format("Ctype{} = {} is a reserved encoding", level, ctype));
        break;
    }
    if (reg::Ttype(ttype) == reg::Ttype::kSeparate) shape.selectors.push_back({level, false, true, CacheKind::kTag});
    if (reg::Ttype(ttype) != reg::Ttype::kNone && reg::Ctype(ctype) == reg::Ctype::kInstruction)
      shape.problems.push_back(fmt::format("Ttype{} = {} at a level with only an instruction cache", level, ttype));
  }
  // Fields above the first Ctype 0 are ignored by the architecture; say so
  // rather than silently dropping them.
  for (unsigned above = level + 1; above <= reg::kMaxCacheLevels; ++above) {
    if (clidr.ctype(above) != 0)
      shape.problems.push_back(fmt::format("Ctype{} = {} is ignored: it lies above the first Ctype 0 (level {})",
                                           above, clidr.ctype(above), level));
    if (clidr.ttype(above) != 0)
      shape.problems.push_back(fmt::format("Ttype{} = {} is ignored: it lies above the first Ctype 0 (level {})",
                                           above, clidr.ttype(above), level));
  }
  return shape;
}

std::vector<unsigned> level_ind_selectors(reg::Clidr clidr) {
  std::vector<unsigned> out;
  for (const Selector& s : clidr_shape(clidr).selectors)
    if (!s.tnd) out.push_back(s.value());
  return out;
}

}  // namespace armcache::cache
