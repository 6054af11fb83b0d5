#include "armcache/kvm/nearest.h"

#include <map>

#include "armcache/vcpu/apply.h"
#include "armcache/plan/closest.h"

namespace armcache::kvm {

Result<Seen> probe_vcpu(probe::ProbeVm& vm, unsigned i) {
  auto base = vcpu::read_view(vm.vcpu(i));
  if (!base) return base.error();
  auto reads = vm.run(i);
  if (!reads) return reads.error();
  return Seen{reads->to_view(*base), *reads};
}

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
  std::map<std::string, std::string> unrepresentable;
  const auto targets = plan::nearest_targets(saved, dest_ccidx, unrepresentable);
  auto refused = plan::write_nearest(vm->vcpu(0), targets, saved.ctr).refused;
  refused.insert(unrepresentable.begin(), unrepresentable.end());
  auto s = probe_vcpu(*vm, 0);
  if (!s) return s.error();
  Nearest n{s->view, {}};
  n.differs = plan::nearest_differences(saved, n.view, targets, refused);
  return n;
}

}  // namespace armcache::kvm
