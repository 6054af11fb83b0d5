#include "armcache/kvm/compat_end.h"

#include "armcache/kvm/probe.h"
#include "armcache/kvm/surface.h"
#include "armcache/vcpu/apply.h"

namespace armcache::kvm {

Result<plan::CompatEnd> measure_compat_end(System& sys, const kernel::KernelSpec& running) {
  auto vm = probe::ProbeVm::create(sys, 1);
  if (!vm) return vm.error();
  auto base = vcpu::read_view(vm->vcpu(0));
  if (!base) return base.error();
  auto reads = vm->run(0);
  if (!reads) return reads.error();
  auto surface = capture_surface(sys);
  if (!surface) return surface.error();
  return plan::CompatEnd{running, reads->to_view(*base), *surface};
}

}  // namespace armcache::kvm
