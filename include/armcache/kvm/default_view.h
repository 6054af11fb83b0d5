// What the running kernel shows a VMM that sets nothing: scratch vCPUs run
// the probe, and the default vCPU surface. `kvm show` prints it; one end of
// a migration (compat_end.h) and the nearest view (nearest.h) build on it.
#pragma once

#include <cstdint>
#include <vector>

#include "armcache/identity/identity.h"
#include "armcache/identity/vcpu_surface.h"
#include "armcache/kvm/kvm.h"
#include "armcache/kvm/probe.h"
#include "armcache/util/result.h"

namespace armcache::kvm {

// One probe of vCPU i: the guest's reads on top of what ONE_REG says.
struct Seen {
  identity::GuestView view;
  probe::Reads reads;
};
Result<Seen> probe_vcpu(probe::ProbeVm& vm, unsigned i);

struct DefaultView {
  std::vector<Seen> vcpus;     // vCPU i's probe, in order; never empty
  std::uint32_t target = 0;    // the KVM_ARM_VCPU_INIT target of the scratch VM
  identity::VcpuSurface surface;  // capture_surface: registers besides the caches
  // vCPUs whose guest view differs from vCPU 0's.
  std::vector<unsigned> differing() const;
};

// A scratch VM with `vcpus` vCPUs (at least 1), each probed once, then the
// default surface. Fails with the failing ioctl's errno, or EINVAL for 0 vCPUs.
Result<DefaultView> measure_default_view(System& sys, unsigned vcpus);

}  // namespace armcache::kvm
