// The planners' test inputs: a QEMU CPU model as a destination host, and a
// view saved on it under a kernel version (the kernel model's view).
#pragma once

#include <string_view>

#include "armcache/identity/qemu_models.h"
#include "armcache/kernel/vcpu_model.h"
#include "armcache/plan/planner.h"

namespace armcache::testing {

inline kernel::HostInput input(std::string_view model) {
  return *kernel::host_input(*identity::qemu_model_host(model));
}

inline plan::Source saved(std::string_view kernel_version, std::string_view model) {
  const auto k = *kernel::parse_kernel(kernel_version);
  return {kernel::VcpuModel(k, input(model)).view(), k.generation};
}

}  // namespace armcache::testing
