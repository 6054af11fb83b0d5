#include "armcache/kvm/nearest.h"

#include <map>

#include "armcache/kvm/default_view.h"
#include "armcache/plan/closest.h"
#include "armcache/vcpu/apply.h"

namespace armcache::kvm {

Result<Nearest> nearest_view(System& sys, const identity::GuestView& saved, const identity::GuestView& exact) {
  unsigned dest_ccidx = 0;
  {
    // One scratch VM answers both: does the exact view hold, and which
    // CCSIDR format does this kernel show (a refused apply is rolled back).
    auto vm = probe::ProbeVm::create(sys, 1);
    if (!vm) return vm.error();
    const bool applied = vcpu::apply_view(exact, vm->vcpu(0)).ok;
    auto s = probe_vcpu(*vm, 0);
    if (!s) return s.error();
    if (applied && s->view.same_guest_identity(saved)) return Nearest{exact, {}};
    dest_ccidx = s->view.mmfr2_ccidx;
  }
  auto vm = probe::ProbeVm::create(sys, 1);
  if (!vm) return vm.error();
  const plan::NearestTargets targets = plan::nearest_targets(saved, dest_ccidx);
  const auto refused = plan::write_nearest(vm->vcpu(0), targets, saved.ctr).refused;
  auto s = probe_vcpu(*vm, 0);
  if (!s) return s.error();
  Nearest n{s->view, {}};
  n.differs = plan::nearest_differences(saved, n.view, targets.registers, refused);
  return n;
}

}  // namespace armcache::kvm
