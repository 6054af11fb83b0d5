#include "armcache/registers/kvm_reg_id.h"

#include <fmt/format.h>

#include <array>

#include "armcache/registers/csselr.h"
#include "armcache/registers/sysreg_names.h"

namespace armcache::reg {
namespace {
// Firmware pseudo-registers by number (arch/arm64/include/uapi/asm/kvm.h).
constexpr std::array<std::string_view, 4> kFwNames{"KVM_REG_ARM_PSCI_VERSION", "KVM_REG_ARM_SMCCC_ARCH_WORKAROUND_1",
                                                   "KVM_REG_ARM_SMCCC_ARCH_WORKAROUND_2",
                                                   "KVM_REG_ARM_SMCCC_ARCH_WORKAROUND_3"};
constexpr std::array<std::string_view, 4> kFwBmapNames{"KVM_REG_ARM_STD_BMAP", "KVM_REG_ARM_STD_HYP_BMAP",
                                                       "KVM_REG_ARM_VENDOR_HYP_BMAP", "KVM_REG_ARM_VENDOR_HYP_BMAP_2"};

// struct kvm_regs member at a core id's offset (in 32-bit words).
std::string core_name(unsigned off) {
  // user_pt_regs: x[31], sp, pc, pstate; then sp_el1, elr_el1, spsr[5]
  // (u64 each, 2 words); fp_regs (16-byte aligned, word 84): vregs[32]
  // (u128, 4 words), fpsr, fpcr.
  if (off < 62 && off % 2 == 0) return fmt::format("X{}", off / 2);
  switch (off) {
    case 62: return "SP";
    case 64: return "PC";
    case 66: return "PSTATE";
    case 68: return "SP_EL1";
    case 70: return "ELR_EL1";
    case 212: return "FPSR";
    case 213: return "FPCR";
    default: break;
  }
  if (off >= 72 && off < 82 && off % 2 == 0) return fmt::format("SPSR[{}]", (off - 72) / 2);
  if (off >= 84 && off < 212 && off % 4 == 0) return fmt::format("V{}", (off - 84) / 4);
  return {};
}
}  // namespace

std::string one_reg_name(std::uint64_t raw) {
  if (is_arm64_id(raw)) {
    const auto coproc = std::uint32_t(reg_id::kCoproc.get(raw));
    const unsigned low = unsigned(reg_id::kOther.get(raw));
    switch (coproc) {
      case kCoprocSysreg: {
        const SysRegEncoding e = *sysreg_encoding(raw);
        if (auto n = sysreg_name(e)) return std::string(*n);
        return fmt::format("S{}_{}_C{}_C{}_{}", e.op0, e.op1, e.crn, e.crm, e.op2);
      }
      case kCoprocDemux:
        // The index is the CSSELR Level|InD value: the spelling of ccsidr_name().
        if (reg_id::kDemuxId.get(raw) == kDemuxIdCcsidr) return fmt::format("CCSIDR_EL1[{}]", reg_id::kIndex.get(raw));
        break;
      case kCoprocCore:
        if (auto n = core_name(low); !n.empty()) return n;
        break;
      case kCoprocFw:
        return low < kFwNames.size() ? std::string(kFwNames[low]) : fmt::format("KVM_REG_ARM_FW_REG({})", low);
      case kCoprocFwFeatBitmap:
        return low < kFwBmapNames.size() ? std::string(kFwBmapNames[low])
                                         : fmt::format("KVM_REG_ARM_FW_FEAT_BMAP_REG({})", low);
      default: break;
    }
  }
  return fmt::format("{:#x}", raw);
}

const Layout& reg_id_layout(std::uint64_t raw) {
  switch (reg_id::kCoproc.get(raw)) {
    case kCoprocSysreg: return kSysregIdLayout;
    case kCoprocDemux: return kDemuxIdLayout;
    default: return kOtherIdLayout;
  }
}

Result<RegId> decode_reg_id(std::uint64_t raw) {
  if (!is_arm64_id(raw))
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
      id.sysreg = *sysreg_encoding(raw);
      id.name = sysreg_name(id.sysreg).value_or("");
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
      static_assert(kCsselrLevelInDCount == 14, "the message names the last index");
      if (id.csselr >= kCsselrLevelInDCount) return "DEMUX CCSIDR index beyond 13 gives ENOENT";
      return std::nullopt;
    case RegIdKind::kOther: break;
  }
  return std::nullopt;
}

}  // namespace armcache::reg
