// The native view: what KVM_CAP_ARM_NATIVE_CACHE_CONFIG shows a guest on
// each CPU kind of this host. Measured on a scratch VM pinned to a CPU of
// the kind where the capability is there (confirmed: native_detect.h);
// synthesized from host discovery's registers, as the native kernel model
// presents them, where it is not.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "armcache/identity/identity.h"
#include "armcache/kernel/vcpu_model.h"
#include "armcache/kvm/kvm.h"
#include "armcache/kvm/default_view.h"
#include "armcache/kvm/verify.h"
#include "armcache/util/result.h"

namespace armcache::kvm {

// A CPU kind to take a native view on.
struct NativeSource {
  unsigned cpu = 0;      // its first CPU, the one the scratch VM is pinned to
  std::string cpus;      // the kind's cpulist
  std::size_t kind = 0;  // its index in the host's kinds
};

// The first CPU of every kind of `host` (host discovery's), so a
// heterogeneous host is never described by cpu0 alone; CPU 0 ("0", kind 0)
// when no kind has a CPU list (or discovery found no kinds).
std::vector<NativeSource> native_sources(const identity::Host& host);

// The capability on a scratch VM of `vcpus` vCPUs pinned to `cpu`. It is
// applied per vCPU and must give every vCPU the same view, which survives
// reset: every vCPU is probed at boot, reset, and probed again.
struct NativeProbe {
  Seen first;                           // vCPU 0 at boot: the view
  std::vector<Mismatch> disagreements;  // every later probe that read another view
};
// Fails when pinning, the VM, enabling the capability, a probe or a reset
// fails (their errno); disagreeing vCPUs are a result, not a failure.
Result<NativeProbe> probe_native(System& sys, unsigned cpu, unsigned vcpus);

// The capability on one scratch vCPU, read back through ONE_REG: the view
// vmm-exec --native writes on every vCPU at init. Fails with EOPNOTSUPP
// when the kernel lacks the capability, else with the failing ioctl's errno.
Result<identity::GuestView> read_native_view(System& sys);

// Without the capability: the view it would give on the CPU `in.current_cpu`
// describes, from the registers host discovery found for the kind `cpus`
// (kernel::initial_view on the native generation). Fails with ENODATA when
// discovery found no geometry for a selector the CLIDR describes, or with
// the capability's errno when it would refuse the registers.
Result<identity::GuestView> synthesized_native_view(const kernel::HostInput& in, const std::string& cpus);

}  // namespace armcache::kvm
