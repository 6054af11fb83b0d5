// Names of the system registers KVM lists for a vCPU (KVM_GET_REG_LIST) that
// armcache reasons about: the ID register space, the cache ID registers, and
// the registers whose presence differs between kernel lines (the timer,
// TCR2_EL1, PIRx_EL1). One table (sysreg_names.cpp); reg::one_reg_name() and
// the compatibility planner both read it.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "armcache/registers/kvm_reg_id.h"

namespace armcache::reg {

// The name of a system register id, as the Arm ARM spells it; for the
// timer ids whose KVM encoding differs from the architectural one
// (KVM_REG_ARM_TIMER_CNT and _CVAL, kept swapped for ABI reasons) the
// register KVM means. nullopt for ids not in the table.
std::optional<std::string_view> sysreg_name(std::uint64_t id);
// The same by encoding (KVM's, so the two timer encodings above name the
// registers KVM means).
std::optional<std::string_view> sysreg_name(SysRegEncoding e);

// The encoding of a KVM system-register id (coproc 0x0013); nullopt for
// other ids (core, FP/SIMD, DEMUX, firmware pseudo-registers).
std::optional<SysRegEncoding> sysreg_encoding(std::uint64_t id);

// The feature ID register space, Op0=3 Op1=0 CRn=0 CRm=0..7 (Arm ARM
// D23.3.1, "ID registers"), without MPIDR_EL1 (per vCPU, not a feature
// description). These are the registers whose values describe the CPU a
// guest sees; KVM reports them per VM.
constexpr bool is_feature_id_register(SysRegEncoding e) {
  if (e.op0 != 3 || e.op1 != 0 || e.crn != 0 || e.crm > 7) return false;
  return !(e.crm == 0 && e.op2 == 5);
}
bool is_feature_id_register(std::uint64_t id);

// KVM's firmware pseudo-registers (KVM_REG_ARM_FW: PSCI version, SMCCC
// workarounds) and the hypercall bitmaps (KVM_REG_ARM_FW_FEAT_BMAP): they
// describe the firmware a guest sees.
constexpr std::uint32_t kvm_coproc(std::uint64_t id) { return std::uint32_t(reg_id::kCoproc.get(id)); }
constexpr bool is_firmware_register(std::uint64_t id) {
  return is_arm64_id(id) &&
         (kvm_coproc(id) == kCoprocFw || kvm_coproc(id) == kCoprocFwFeatBitmap);
}
// QEMU keeps every listed register except the core and SVE ones in its
// "cpreg" list (target/arm/kvm64.c, kvm_arm_reg_syncs_via_cpreg_list), and a
// migration stream carries that list: these are the ids a destination must
// also list.
constexpr bool qemu_migrates_via_cpreg_list(std::uint64_t id) {
  const std::uint32_t c = kvm_coproc(id);
  return c != kCoprocCore && c != kCoprocSve;
}

}  // namespace armcache::reg
