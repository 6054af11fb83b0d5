#include "armcache/kvm/compat_end.h"

#include "armcache/kvm/default_view.h"

namespace armcache::kvm {

Result<plan::CompatEnd> measure_compat_end(System& sys, const kernel::KernelSpec& running) {
  auto d = measure_default_view(sys, 1);
  if (!d) return d.error();
  return plan::CompatEnd{running, std::move(d->vcpus[0].view), std::move(d->surface)};
}

}  // namespace armcache::kvm
