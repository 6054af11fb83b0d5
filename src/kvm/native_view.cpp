#include "armcache/kvm/native_view.h"

#include <fmt/format.h>

#include <cerrno>

#include "armcache/cache/selectors.h"
#include "armcache/kernel/guest_view.h"
#include "armcache/kvm/native_cap.h"
#include "armcache/kvm/probe.h"
#include "armcache/util/affinity.h"
#include "armcache/util/cpulist.h"
#include "armcache/vcpu/apply.h"

namespace armcache::kvm {

std::vector<NativeSource> native_sources(const identity::Host& host) {
  std::vector<NativeSource> out;
  for (std::size_t k = 0; k < host.kinds.size(); ++k) {
    auto cpus = parse_cpulist(host.kinds[k].cpus);
    if (cpus && !cpus->empty()) out.push_back({cpus->front(), host.kinds[k].cpus, k});
  }
  if (out.empty()) out.push_back({0, "0", 0});
  return out;
}

Result<NativeProbe> probe_native(System& sys, unsigned cpu, unsigned vcpus) {
  if (vcpus == 0) return Error::make("a native probe needs at least one vCPU", EINVAL);
  auto pin = CpuPin::pin(cpu);
  if (!pin) return pin.error();
  auto vm = probe::ProbeVm::create(sys, vcpus);
  if (!vm) return vm.error();
  for (unsigned i = 0; i < vcpus; ++i)
    if (auto st = vm->vcpu(i).enable_cap(kKvmCapArmNativeCacheConfig); !st) return st.error();
  auto first = probe_vcpu(*vm, 0);
  if (!first) return first.error();
  NativeProbe out{*first, {}};
  for (const char* phase : {"boot", "after-reset"}) {
    const bool boot = std::string_view(phase) == "boot";
    if (!boot)
      for (unsigned i = 0; i < vcpus; ++i)
        if (auto st = vm->reset(i); !st) return st.error();
    for (unsigned i = boot ? 1 : 0; i < vcpus; ++i) {
      auto s = probe_vcpu(*vm, i);
      if (!s) return s.error();
      for (auto& m : compare(out.first.view, s->view, i, phase)) out.disagreements.push_back(std::move(m));
    }
  }
  return out;
}

Result<identity::GuestView> read_native_view(System& sys) {
  auto ext = sys.check_extension(kKvmCapArmNativeCacheConfig);
  if (!ext) return ext.error();
  if (*ext <= 0) return Error::make("this kernel has no KVM_CAP_ARM_NATIVE_CACHE_CONFIG", EOPNOTSUPP);
  auto vm = probe::ProbeVm::create(sys, 1);
  if (!vm) return vm.error();
  if (auto st = vm->vcpu(0).enable_cap(kKvmCapArmNativeCacheConfig); !st) return st.error();
  return vcpu::read_view(vm->vcpu(0));
}

Result<identity::GuestView> synthesized_native_view(const kernel::HostInput& in, const std::string& cpus) {
  for (unsigned sel : cache::level_ind_selectors(in.current_cpu.clidr))
    if (!in.current_cpu.ccsidr.count(sel))
      return Error::make(fmt::format("no KVM_CAP_ARM_NATIVE_CACHE_CONFIG, and host discovery found no geometry for "
                                     "CSSELR {} of cpus {} (sysfs, device tree and PPTT give no sizes)",
                                     sel, cpus),
                         ENODATA);
  auto native = kernel::parse_kernel("native");
  if (!native) return native.error();
  auto view = kernel::initial_view(*native, in);
  if (!view)
    return Error::make(fmt::format("the registers discovered for cpus {} would be refused by the capability: {} ({})",
                                   cpus, view.error().message, errno_name(view.error().errnum)),
                       view.error().errnum);
  return view;
}

}  // namespace armcache::kvm
