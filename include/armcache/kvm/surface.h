// Reading a kernel's default vCPU surface (identity/vcpu_surface.h) the way
// QEMU's `-cpu host` initialises a vCPU.
#pragma once

#include <string>

#include "armcache/identity/vcpu_surface.h"
#include "armcache/kvm/kvm.h"
#include "armcache/util/result.h"

namespace armcache::kvm {

// KVM_CAP_* and KVM_ARM_VCPU_* feature bits of include/uapi/linux/kvm.h and
// arch/arm64/include/uapi/asm/kvm.h.
inline constexpr long kCapArmPsci02 = 102;
inline constexpr long kCapArmPmuV3 = 126;
inline constexpr long kCapArmSve = 170;
inline constexpr long kCapArmPtrauthAddress = 171;
inline constexpr long kCapArmPtrauthGeneric = 172;
inline constexpr unsigned kFeaturePsci02 = 2;
inline constexpr unsigned kFeaturePmuV3 = 3;
inline constexpr unsigned kFeatureSve = 4;
inline constexpr unsigned kFeaturePtrauthAddress = 5;
inline constexpr unsigned kFeaturePtrauthGeneric = 6;

// The register list (sorted) and the values of every listed feature ID
// register and firmware register of one vCPU; `features` is recorded as given.
Result<identity::VcpuSurface> read_surface(vcpu::RegisterFile& regs, std::string features);

// A scratch VM with one vCPU initialised as QEMU 7.2 to 10 do for
// `-cpu host` (target/arm/kvm64.c, kvm_arch_init_vcpu): the preferred
// target, and PSCI 0.2, PMUv3, SVE (finalized with the kernel's default
// vector lengths) and pointer authentication (address and generic, both or
// neither) whenever the kernel offers them.
Result<identity::VcpuSurface> capture_surface(System& sys);

}  // namespace armcache::kvm
