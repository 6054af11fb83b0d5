// KVM_CAP_ARM_NATIVE_CACHE_CONFIG, the capability of the v2 kernel series
// in linux/patches/. Its number is the next free one of Linux 6.12's
// include/uapi/linux/kvm.h; this is the one place user space keeps it.
#pragma once

namespace armcache::kvm {

inline constexpr unsigned kKvmCapArmNativeCacheConfig = 239;

}  // namespace armcache::kvm
