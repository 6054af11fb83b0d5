#include "armcache/kvm/default_view.h"

#include <fmt/format.h>

#include <cerrno>

#include "armcache/kvm/surface.h"
#include "armcache/vcpu/apply.h"

namespace armcache::kvm {

Result<Seen> probe_vcpu(probe::ProbeVm& vm, unsigned i) {
  if (i >= vm.size()) return Error::make(fmt::format("vCPU {}: the probe VM has {} vCPUs", i, vm.size()), EINVAL);
  auto base = vcpu::read_view(vm.vcpu(i));
  if (!base) return base.error();
  auto reads = vm.run(i);
  if (!reads) return reads.error();
  return Seen{reads->to_view(*base), *reads};
}

std::vector<unsigned> DefaultView::differing() const {
  std::vector<unsigned> out;
  for (unsigned i = 1; i < vcpus.size(); ++i)
    if (!(vcpus[i].view == vcpus[0].view)) out.push_back(i);
  return out;
}

Result<DefaultView> measure_default_view(System& sys, unsigned vcpus) {
  if (vcpus == 0) return Error::make("a default view needs at least one vCPU", EINVAL);
  auto vm = probe::ProbeVm::create(sys, vcpus);
  if (!vm) return vm.error();
  DefaultView out;
  out.target = vm->init().target;
  for (unsigned i = 0; i < vcpus; ++i) {
    auto s = probe_vcpu(*vm, i);
    if (!s) return s.error();
    out.vcpus.push_back(std::move(*s));
  }
  auto surface = capture_surface(sys);
  if (!surface) return surface.error();
  out.surface = std::move(*surface);
  return out;
}

}  // namespace armcache::kvm
