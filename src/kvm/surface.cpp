#include "armcache/kvm/surface.h"

#include <algorithm>

#include "armcache/registers/sysreg_names.h"

namespace armcache::kvm {

Result<identity::VcpuSurface> read_surface(vcpu::RegisterFile& regs, std::string features) {
  identity::VcpuSurface s;
  s.features = std::move(features);
  auto list = regs.reg_list();
  if (!list) return list.error();
  s.reg_list = std::move(*list);
  std::sort(s.reg_list.begin(), s.reg_list.end());
  for (std::uint64_t id : s.reg_list) {
    if (!reg::is_feature_id_register(id) && !reg::is_firmware_register(id)) continue;
    auto v = regs.get(id);
    if (!v) return v.error();
    s.values.emplace(id, *v);
  }
  return s;
}

Result<identity::VcpuSurface> capture_surface(System& sys) {
  auto vm = sys.create_vm();
  if (!vm) return vm.error();
  auto init = vm->preferred_target();
  if (!init) return init.error();
  std::string features;
  auto offered = [&](long cap) -> Result<bool> {
    auto has = sys.check_extension(cap);
    if (!has) return has.error();
    return *has > 0;
  };
  auto add = [&](unsigned bit, const char* name) {
    init->features[0] |= 1u << bit;
    features += (features.empty() ? "" : ",") + std::string(name);
  };
  for (auto [cap, bit, name] : {std::tuple{kCapArmPsci02, kFeaturePsci02, "psci-0.2"},
                                std::tuple{kCapArmPmuV3, kFeaturePmuV3, "pmu-v3"},
                                std::tuple{kCapArmSve, kFeatureSve, "sve"}}) {
    auto has = offered(cap);
    if (!has) return has.error();
    if (*has) add(bit, name);
  }
  // QEMU asks for pointer authentication only when both kinds are offered.
  auto addr = offered(kCapArmPtrauthAddress), gen = offered(kCapArmPtrauthGeneric);
  if (!addr) return addr.error();
  if (!gen) return gen.error();
  if (*addr && *gen) {
    add(kFeaturePtrauthAddress, "ptrauth");
    init->features[0] |= 1u << kFeaturePtrauthGeneric;
  }
  auto vcpu = vm->create_vcpu(0);
  if (!vcpu) return vcpu.error();
  if (auto st = vcpu->init(*init); !st) return st.error();
  if (init->features[0] & (1u << kFeatureSve))
    if (auto st = vcpu->finalize(int(kFeatureSve)); !st) return st.error();
  return read_surface(*vcpu, features);
}

}  // namespace armcache::kvm
