// What a VMM sees of a kernel's default vCPU besides the cache registers:
// the register list (KVM_GET_REG_LIST) and the values of the registers that
// describe the CPU and firmware (the feature ID registers, KVM's firmware
// pseudo-registers). A live migration carries both: QEMU refuses a stream
// listing a register the destination does not list, and KVM refuses an ID
// register value it would not have given (docs/migration-compat.md).
#pragma once

#include <algorithm>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace armcache::identity {

struct VcpuSurface {
  // The vCPU features the vCPU was initialised with, as kvm::kSurfaceFeatures
  // names them ("psci-0.2,pmu-v3"): ID values depend on them (PMUVer).
  std::string features;
  std::vector<std::uint64_t> reg_list;  // sorted, as QEMU keeps it
  std::map<std::uint64_t, std::uint64_t> values;  // listed feature ID and firmware registers
  bool lists(std::uint64_t id) const { return std::binary_search(reg_list.begin(), reg_list.end(), id); }
  bool operator==(const VcpuSurface&) const = default;
};

}  // namespace armcache::identity
