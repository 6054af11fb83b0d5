#include "armcache/registers/describers.h"

#include <fmt/format.h>

#include "armcache/registers/clidr.h"
#include "armcache/registers/csselr.h"
#include "armcache/registers/kvm_reg_id.h"
#include "armcache/registers/midr.h"
#include "armcache/util/words.h"

namespace armcache::reg::describe {

std::string ctype(std::uint64_t v, std::uint64_t) { return std::string(kCtypeNames[v & 7].words); }
std::string ttype(std::uint64_t v, std::uint64_t) { return std::string(kTtypeNames[v & 3].words); }

std::string level_or_zero(std::uint64_t v, std::uint64_t) {
  return v == 0 ? std::string("level 0: no maintenance needed") : fmt::format("level {}", v);
}

std::string icb(std::uint64_t v, std::uint64_t) {
  if (v == 0) return "not disclosed";
  return fmt::format("L{} is the highest inner cache", v);
}

std::string line_size(std::uint64_t v, std::uint64_t) { return fmt::format("{}-byte lines", 16u << v); }
std::string plus_one_ways(std::uint64_t v, std::uint64_t) { return plural(v + 1, "way", "ways"); }
std::string plus_one_sets(std::uint64_t v, std::uint64_t) { return plural(v + 1, "set", "sets"); }
std::string sets(std::uint64_t v, std::uint64_t) { return plural(v + 1, "set", "sets"); }
std::string policy_bit(std::uint64_t v, std::uint64_t) {
  return v ? "set; an ARMv8.0 policy bit, UNKNOWN since" : "clear; an ARMv8.0 policy bit, UNKNOWN since";
}
std::string ind(std::uint64_t v, std::uint64_t) { return v ? "Instruction" : "Data or unified"; }
std::string csselr_level(std::uint64_t v, std::uint64_t) {
  return v == 7 ? std::string("reserved") : fmt::format("L{}", v + 1);
}
std::string tnd(std::uint64_t v, std::uint64_t) { return v ? "Tag cache" : "Not tag"; }
std::string log2_words(std::uint64_t v, std::uint64_t) {
  return fmt::format("{}-byte smallest line", 4u << v);
}
std::string l1ip(std::uint64_t v, std::uint64_t) {
  static constexpr const char* kNames[] = {"VPIPT (reserved since)", "AIVIVT (reserved)", "VIPT", "PIPT"};
  return kNames[v & 3];
}
std::string granule_words(std::uint64_t v, std::uint64_t) {
  return v == 0 ? std::string("not reported") : fmt::format("{} bytes", 4u << v);
}
std::string idc(std::uint64_t v, std::uint64_t) {
  return v ? "D-cache clean to PoU not required for I/D coherence"
           : "D-cache clean to PoU required for I/D coherence";
}
std::string dic(std::uint64_t v, std::uint64_t) {
  return v ? "I-cache invalidation to PoU not required" : "I-cache invalidation to PoU required";
}
std::string tmin_line(std::uint64_t v, std::uint64_t) {
  return fmt::format("{}-byte smallest tag-cache line", 4ull << v);
}
std::string ccidx(std::uint64_t v, std::uint64_t) {
  return v == 0 ? "32-bit CCSIDR format" : v == 1 ? "64-bit CCSIDR format (FEAT_CCIDX)" : "reserved";
}
std::string mte(std::uint64_t v, std::uint64_t) {
  switch (v) {
    case 0: return "MTE not implemented";
    case 1: return "FEAT_MTE (instructions only)";
    case 2: return "FEAT_MTE2";
    case 3: return "FEAT_MTE3";
    default: return "reserved";
  }
}
std::string implementer(std::uint64_t v, std::uint64_t) {
  auto name = implementer_name(unsigned(v));
  return name.empty() ? std::string("unknown implementer") : std::string(name);
}
std::string part_num(std::uint64_t v, std::uint64_t raw) {
  auto name = part_name(Midr{raw}.implementer(), unsigned(v));
  return name.empty() ? std::string("unknown part") : std::string(name);
}
std::string architecture(std::uint64_t v, std::uint64_t) {
  return v == 0xf ? std::string("by ID registers") : fmt::format("legacy code {}", v);
}
std::string reg_arch(std::uint64_t v, std::uint64_t) { return v == 0x60 ? "arm64" : "not arm64"; }
std::string reg_size(std::uint64_t v, std::uint64_t) {
  return v <= 7 ? fmt::format("U{}", 8u << v) : std::string("invalid");
}
std::string reg_coproc(std::uint64_t v, std::uint64_t) {
  switch (v) {
    case kCoprocCore: return "core";
    case kCoprocDemux: return "DEMUX";
    case kCoprocSysreg: return "system register";
    case kCoprocFw: return "firmware";
    case kCoprocSve: return "SVE";
    case kCoprocFwFeatBitmap: return "firmware features";
    default: return "unknown";
  }
}
std::string demux_id(std::uint64_t v, std::uint64_t) { return v == 0 ? "CCSIDR" : "unknown"; }
std::string demux_index(std::uint64_t v, std::uint64_t) {
  if (v >= kCsselrLevelInDCount) return fmt::format("out of range (KVM has {})", kCsselrLevelInDCount);
  const Csselr sel(v);  // the index is the CSSELR Level|InD value
  return fmt::format("L{} {}", sel.level(), sel.ind() ? "instruction" : "data/unified");
}

}  // namespace armcache::reg::describe
