#include "armcache/registers/sysreg_names.h"

#include <array>

namespace armcache::reg {

namespace {

struct Named {
  SysRegEncoding enc;
  std::string_view name;
};

// Arm ARM (DDI 0487) encodings. The feature ID space first, then the rest.
constexpr std::array kNames{
    Named{{3, 0, 0, 0, 0}, "MIDR_EL1"},
    Named{{3, 0, 0, 0, 5}, "MPIDR_EL1"},
    Named{{3, 0, 0, 0, 6}, "REVIDR_EL1"},
    Named{{3, 0, 0, 1, 0}, "ID_PFR0_EL1"},
    Named{{3, 0, 0, 1, 1}, "ID_PFR1_EL1"},
    Named{{3, 0, 0, 1, 2}, "ID_DFR0_EL1"},
    Named{{3, 0, 0, 1, 3}, "ID_AFR0_EL1"},
    Named{{3, 0, 0, 1, 4}, "ID_MMFR0_EL1"},
    Named{{3, 0, 0, 1, 5}, "ID_MMFR1_EL1"},
    Named{{3, 0, 0, 1, 6}, "ID_MMFR2_EL1"},
    Named{{3, 0, 0, 1, 7}, "ID_MMFR3_EL1"},
    Named{{3, 0, 0, 2, 0}, "ID_ISAR0_EL1"},
    Named{{3, 0, 0, 2, 1}, "ID_ISAR1_EL1"},
    Named{{3, 0, 0, 2, 2}, "ID_ISAR2_EL1"},
    Named{{3, 0, 0, 2, 3}, "ID_ISAR3_EL1"},
    Named{{3, 0, 0, 2, 4}, "ID_ISAR4_EL1"},
    Named{{3, 0, 0, 2, 5}, "ID_ISAR5_EL1"},
    Named{{3, 0, 0, 2, 6}, "ID_MMFR4_EL1"},
    Named{{3, 0, 0, 2, 7}, "ID_ISAR6_EL1"},
    Named{{3, 0, 0, 3, 0}, "MVFR0_EL1"},
    Named{{3, 0, 0, 3, 1}, "MVFR1_EL1"},
    Named{{3, 0, 0, 3, 2}, "MVFR2_EL1"},
    Named{{3, 0, 0, 3, 4}, "ID_PFR2_EL1"},
    Named{{3, 0, 0, 3, 5}, "ID_DFR1_EL1"},
    Named{{3, 0, 0, 3, 6}, "ID_MMFR5_EL1"},
    Named{{3, 0, 0, 4, 0}, "ID_AA64PFR0_EL1"},
    Named{{3, 0, 0, 4, 1}, "ID_AA64PFR1_EL1"},
    Named{{3, 0, 0, 4, 2}, "ID_AA64PFR2_EL1"},
    Named{{3, 0, 0, 4, 4}, "ID_AA64ZFR0_EL1"},
    Named{{3, 0, 0, 4, 5}, "ID_AA64SMFR0_EL1"},
    Named{{3, 0, 0, 4, 7}, "ID_AA64FPFR0_EL1"},
    Named{{3, 0, 0, 5, 0}, "ID_AA64DFR0_EL1"},
    Named{{3, 0, 0, 5, 1}, "ID_AA64DFR1_EL1"},
    Named{{3, 0, 0, 5, 2}, "ID_AA64DFR2_EL1"},
    Named{{3, 0, 0, 5, 4}, "ID_AA64AFR0_EL1"},
    Named{{3, 0, 0, 5, 5}, "ID_AA64AFR1_EL1"},
    Named{{3, 0, 0, 6, 0}, "ID_AA64ISAR0_EL1"},
    Named{{3, 0, 0, 6, 1}, "ID_AA64ISAR1_EL1"},
    Named{{3, 0, 0, 6, 2}, "ID_AA64ISAR2_EL1"},
    Named{{3, 0, 0, 6, 3}, "ID_AA64ISAR3_EL1"},
    Named{{3, 0, 0, 7, 0}, "ID_AA64MMFR0_EL1"},
    Named{{3, 0, 0, 7, 1}, "ID_AA64MMFR1_EL1"},
    Named{{3, 0, 0, 7, 2}, "ID_AA64MMFR2_EL1"},
    Named{{3, 0, 0, 7, 3}, "ID_AA64MMFR3_EL1"},
    Named{{3, 0, 0, 7, 4}, "ID_AA64MMFR4_EL1"},
    Named{kCcsidrEl1, "CCSIDR_EL1"},
    Named{kClidrEl1, "CLIDR_EL1"},
    Named{kCcsidr2El1, "CCSIDR2_EL1"},
    Named{{3, 1, 0, 0, 7}, "AIDR_EL1"},
    Named{kCsselrEl1, "CSSELR_EL1"},
    Named{kCtrEl0, "CTR_EL0"},
    Named{{3, 0, 1, 0, 0}, "SCTLR_EL1"},
    Named{{3, 0, 2, 0, 3}, "TCR2_EL1"},
    Named{{3, 0, 10, 2, 2}, "PIRE0_EL1"},
    Named{{3, 0, 10, 2, 3}, "PIR_EL1"},
    Named{{3, 3, 14, 0, 1}, "CNTPCT_EL0"},
    Named{{3, 3, 14, 2, 1}, "CNTP_CTL_EL0"},
    Named{{3, 3, 14, 2, 2}, "CNTP_CVAL_EL0"},
    Named{{3, 3, 14, 3, 1}, "CNTV_CTL_EL0"},
    // KVM_REG_ARM_TIMER_CVAL and _CNT: the encodings of CNTV_CVAL_EL0 and
    // CNTVCT_EL0 swapped, an accident of the uapi kept for compatibility.
    Named{{3, 3, 14, 0, 2}, "CNTV_CVAL_EL0"},
    Named{{3, 3, 14, 3, 2}, "CNTVCT_EL0"},
};

}  // namespace

std::optional<SysRegEncoding> sysreg_encoding(std::uint64_t id) {
  if (!is_arm64_id(id) || kvm_coproc(id) != kCoprocSysreg) return std::nullopt;
  return SysRegEncoding{unsigned(reg_id::kOp0.get(id)), unsigned(reg_id::kOp1.get(id)), unsigned(reg_id::kCRn.get(id)),
                        unsigned(reg_id::kCRm.get(id)), unsigned(reg_id::kOp2.get(id))};
}

std::optional<std::string_view> sysreg_name(SysRegEncoding e) {
  for (const Named& n : kNames)
    if (n.enc == e) return n.name;
  return std::nullopt;
}

std::optional<std::string_view> sysreg_name(std::uint64_t id) {
  const auto e = sysreg_encoding(id);
  return e ? sysreg_name(*e) : std::nullopt;
}

bool is_feature_id_register(std::uint64_t id) {
  const auto e = sysreg_encoding(id);
  return e && is_feature_id_register(*e);
}

}  // namespace armcache::reg
