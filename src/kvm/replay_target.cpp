#include "armcache/kvm/replay_target.h"

#include "armcache/kvm/native_cap.h"

namespace armcache::kvm {

Status ProbeReplayTarget::fresh() {
  vm_.reset();  // close the old VM first
  auto vm = probe::ProbeVm::create(sys_, 1, mte_);
  if (!vm) return vm.error();
  vm_.emplace(std::move(*vm));
  return Ok{};
}

Status ProbeReplayTarget::enable(std::uint32_t flags, const std::array<std::uint64_t, 4>& args) {
  return vm_->vcpu(0).enable_cap(kKvmCapArmNativeCacheConfig, flags, args);
}

Result<identity::GuestView> ProbeReplayTarget::run() {
  auto r = vm_->run(0);
  if (!r) return r.error();
  return r->to_view();
}

}  // namespace armcache::kvm
