// Is KVM_CAP_ARM_NATIVE_CACHE_CONFIG really there? KVM_CHECK_EXTENSION alone
// cannot tell: a capability number the series uses may belong to another
// capability on a newer kernel (239 is KVM_CAP_ARM_WRITABLE_IMP_ID_REGS from
// 6.15 on, and answers 1). So the check asks twice, on a scratch VM:
// KVM_CHECK_EXTENSION, then a vCPU KVM_ENABLE_CAP before KVM_ARM_VCPU_INIT.
// Only the series answers that with ENOEXEC (its handler refuses an
// uninitialised vCPU the way ONE_REG does); a stock arm64 kernel has no
// vCPU-level KVM_ENABLE_CAP and answers EINVAL.
#pragma once

#include <string>

#include "armcache/kvm/kvm.h"
#include "armcache/util/result.h"

namespace armcache::kvm {

struct NativeCapCheck {
  bool present = false;
  unsigned cap = 0;    // the number asked about (native_cap.h)
  std::string reason;  // one line: why the capability is (not) taken as present
};

// The verdict from the two answers: `extension` is KVM_CHECK_EXTENSION's
// result on the VM, `enable_errno` the errno of the vCPU KVM_ENABLE_CAP
// before KVM_ARM_VCPU_INIT (0 when it succeeded, which the series never does).
NativeCapCheck judge_native_cap(unsigned cap, int extension, int enable_errno);

// Asks the kernel on a scratch VM with one uninitialised vCPU. Fails only when
// the VM or vCPU cannot be created.
Result<NativeCapCheck> confirm_native_cap(System& sys);

}  // namespace armcache::kvm
