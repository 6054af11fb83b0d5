// Where a guest's CLIDR_EL1 came from, told from the registers alone: the
// hardware's (KVM before 6.3 shows the boot CPU's; the native capability
// copies it), KVM's fabrication from CTR_EL0 (6.3+), or a VMM's override of
// the Firecracker kind (Ctype per level and LoC from cpu0's sysfs cacheinfo,
// LoUU, LoUIS, ICB and Ttype as KVM fabricated them). When the registers
// allow several answers, or none, the answer says it cannot tell.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "armcache/identity/identity.h"
#include "armcache/kernel/generation.h"
#include "armcache/registers/clidr.h"
#include "armcache/registers/ctr.h"

namespace armcache::profile {

enum class ClidrOrigin : std::uint8_t {
  kHardware,       // the CPU's own CLIDR_EL1
  kKvmFabricated,  // what KVM 6.3+ makes from CTR_EL0
  kSysfsOverride,  // Firecracker-style: levels and LoC from sysfs, the rest KVM's
  kUserspace,      // 6.3+, neither of the above: some VMM wrote it
  kUnknown,        // the registers do not tell
};
std::string_view to_string(ClidrOrigin o);  // "hardware", "kvm-fabricated", "sysfs-override", "userspace", "unknown"

struct ClidrContext {
  // The kernel generation the view was taken on; empty when unknown (a
  // template, an unparsable kernel_version).
  std::optional<kernel::Generation> generation;
  // The hardware's CLIDR_EL1 when known from elsewhere (the host in the same
  // profile, or a pre-6.3 view of the same MIDR), and where it came from.
  std::optional<reg::Clidr> hardware;
  std::string hardware_source;
};

struct ClidrClass {
  ClidrOrigin origin = ClidrOrigin::kUnknown;
  std::string text;  // one line: "the hardware's: KVM before 6.3 shows ..."
  // What KVM 6.3+ fabricates for the view's CTR_EL0 (without MTE).
  std::optional<reg::Clidr> fabricated;
};

// KVM 6.3+'s CLIDR_EL1 for a host whose sanitised CTR_EL0 is `ctr`, from
// the kernel model (sys_regs.c reset_clidr()); `mte` for a VM with MTE.
reg::Clidr kvm_fabricated_clidr(reg::Ctr ctr, bool mte);

// The CLIDR a Firecracker-style override writes: Ctype1..7 and LoC of
// `sysfs_levels` (the levels cpu0's sysfs lists; LoC = the highest), every
// other field of `kvm` (what KVM fabricated).
reg::Clidr sysfs_override_clidr(reg::Clidr sysfs_levels, reg::Clidr kvm);

// The change from one CLIDR to another in words, level by level and field by
// field: "adds L3 (Unified); LoC 2 -> 3; ICB 2 -> 0". Empty when equal.
std::string clidr_changes(reg::Clidr from, reg::Clidr to);

// Classifies the view's CLIDR_EL1. The CTR_EL0 used is the ONE_REG value
// (the host's sanitised CTR_EL0 on every generation), with Linux's effective
// IDC applied against the hardware CLIDR when that is known.
ClidrClass classify_clidr(const identity::GuestView& v, const ClidrContext& ctx);

}  // namespace armcache::profile
