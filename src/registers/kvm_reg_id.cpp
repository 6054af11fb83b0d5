#include "armcache/registers/kvm_reg_id.h"

#include <fmt/format.h>

namespace armcache::reg {
namespace {
struct Named {
  SysRegEncoding enc;
  std::string_view name;
};
constexpr Named kNames[] = {
    {kMidrEl1, "MIDR_EL1"},       {kRevidrEl1, "REVIDR_EL1"},     {kCcsidrEl1, "CCSIDR_EL1"},
    {kClidrEl1, "CLIDR_EL1"},     {kCcsidr2El1, "CCSIDR2_EL1"},   {kCsselrEl1, "CSSELR_EL1"},
    {kCtrEl0, "CTR_EL0"},         {kIdAa64Pfr1El1, "ID_AA64PFR1_EL1"},
    {kIdAa64Mmfr2El1, "ID_AA64MMFR2_EL1"},
};
}  // namespace

std::string_view sysreg_name(SysRegEncoding e) {
  for (const Named& n : kNames)
    if (n.enc == e) return n.name;
  return {};
}

const Layout& reg_id_layout(std::uint64_t raw) {
  switch (reg_id::kCoproc.get(raw)) {
    case kCoprocSysreg: return kSysregIdLayout;
    case kCoprocDemux: return kDemuxIdLayout;
    default: return kOtherIdLayout;
  }
}

Result<RegId> decode_reg_id(std::uint64_t raw) {
  if (reg_id::kArch.get(raw) != (kKvmRegArm64 >> 56))
    return Error::make(fmt::format("0x{:x} is not an arm64 one-reg id (Arch {:#x}, expected 0x60)", raw,
                                   reg_id::kArch.get(raw)));
  const unsigned size_code = unsigned(reg_id::kSize.get(raw));
  if (size_code > 7) return Error::make(fmt::format("0x{:x} has an invalid Size code {}", raw, size_code));
  if (reg_id::kRes0.get(raw) != 0)
    return Error::make(fmt::format("0x{:x} has bits [51:32] set, which arm64 ids leave zero", raw));
  RegId id;
  id.raw = raw;
  id.size_bytes = 1u << size_code;
  switch (reg_id::kCoproc.get(raw)) {
    case kCoprocSysreg:
      id.kind = RegIdKind::kSysreg;
      id.sysreg = {unsigned(reg_id::kOp0.get(raw)), unsigned(reg_id::kOp1.get(raw)),
                   unsigned(reg_id::kCRn.get(raw)), unsigned(reg_id::kCRm.get(raw)),
                   unsigned(reg_id::kOp2.get(raw))};
      id.name = sysreg_name(id.sysreg);
      break;
    case kCoprocDemux:
      if (reg_id::kDemuxId.get(raw) == kDemuxIdCcsidr) {
        id.kind = RegIdKind::kDemuxCcsidr;
        id.csselr = unsigned(reg_id::kIndex.get(raw));
        id.name = "CCSIDR_EL1 (DEMUX)";
      }
      break;
    default: break;
  }
  return id;
}

std::optional<std::string_view> reg_id_problem(const RegId& id) {
  switch (id.kind) {
    case RegIdKind::kSysreg:
      if (id.size_bytes != 8) return "KVM registers system registers as U64: this size gives ENOENT";
      if (id.sysreg == kCcsidrEl1) return "KVM does not list CCSIDR_EL1 as a system register: use DEMUX ids";
      return std::nullopt;
    case RegIdKind::kDemuxCcsidr:
      if (id.size_bytes != 4) return "DEMUX CCSIDR ids are U32: this size gives ENOENT";
      if (id.csselr >= 14) return "DEMUX CCSIDR index beyond 13 gives ENOENT";
      return std::nullopt;
    case RegIdKind::kOther: break;
  }
  return std::nullopt;
}

}  // namespace armcache::reg
