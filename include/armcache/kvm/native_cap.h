// KVM_CAP_ARM_NATIVE_CACHE_CONFIG, the capability of the kernel series in
// linux/patches/. Its number is the next free one of Linux 7.3's
// include/uapi/linux/kvm.h (7.3 uses every number up to 251; 239, the
// number v2 took from 6.12, is KVM_CAP_ARM_WRITABLE_IMP_ID_REGS upstream).
// This is the one place user space keeps it. A number alone proves
// nothing on a kernel without the series: KVM_CHECK_EXTENSION answers for
// whatever capability owns that number there.
#pragma once

namespace armcache::kvm {

inline constexpr unsigned kKvmCapArmNativeCacheConfig = 252;

}  // namespace armcache::kvm
