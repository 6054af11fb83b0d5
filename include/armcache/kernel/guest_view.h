// What a kernel generation shows a guest: a new vCPU's view, and the facts
// about it a VMM or operator should not miss.
#pragma once

#include <string>
#include <vector>

#include "armcache/identity/identity.h"
#include "armcache/kernel/generation.h"
#include "armcache/kernel/vcpu_model.h"
#include "armcache/util/result.h"

namespace armcache::kernel {

// The view of a vCPU of `kernel` on `host` after its first KVM_ARM_VCPU_INIT;
// on the native generation after the VMM enabled
// KVM_CAP_ARM_NATIVE_CACHE_CONFIG on the CPU the vCPU thread runs on
// (host.current_cpu), which is what that generation is for. Fails with the
// capability's errno and reason when it would refuse that CPU's registers.
Result<identity::GuestView> initial_view(const KernelSpec& kernel, const HostInput& host, VmConfig vm = {});

// One line per fact about `view` (as initial_view gives it) a VMM or
// operator should not miss: truncated CCIDX values, Ttype passed to a VM
// without MTE, heterogeneous hosts, fabricated registers, resets that wipe
// CLIDR_EL1. Empty on the native generation.
std::vector<std::string> view_warnings(const KernelSpec& kernel, const HostInput& host,
                                       const identity::GuestView& view, VmConfig vm = {});

}  // namespace armcache::kernel
