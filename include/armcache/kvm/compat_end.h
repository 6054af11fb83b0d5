// This kernel as one end of a migration (plan/compat.h), measured on
// scratch VMs as `kvm show` does (default_view.h).
#pragma once

#include "armcache/kernel/generation.h"
#include "armcache/kvm/kvm.h"
#include "armcache/plan/compat.h"
#include "armcache/util/result.h"

namespace armcache::kvm {

// The guest view a scratch vCPU's guest reads (the probe's reads over its
// ONE_REG view) and the default vCPU surface (capture_surface) of the
// running kernel `running`. Fails with the failing ioctl's errno.
Result<plan::CompatEnd> measure_compat_end(System& sys, const kernel::KernelSpec& running);

}  // namespace armcache::kvm
