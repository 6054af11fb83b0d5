// The nearest view the running kernel can show of a saved one. It runs on
// scratch vCPUs, so the kernel's own refusals and reads decide; `kvm
// verify/apply --closest` and `vmm-exec --closest` share it.
// docs/closest-view.md has the rules.
#pragma once

#include <string>
#include <vector>

#include "armcache/identity/identity.h"
#include "armcache/kvm/kvm.h"
#include "armcache/util/result.h"

namespace armcache::kvm {

// The nearest view this kernel can present of `saved`, as the guest reads it
// (its ONE_REG fields are what was written, so apply_view can replay it), and
// every register that still differs from `saved`, with the reason. `exact` is
// `saved` as this kernel's ONE_REG takes it (kernel::one_reg_target); when a
// scratch vCPU takes it and reads `saved`, it comes back with no differences.
struct Nearest {
  identity::GuestView view;
  std::vector<std::string> differs;
  bool exact() const { return differs.empty(); }
};
Result<Nearest> nearest_view(System& sys, const identity::GuestView& saved, const identity::GuestView& exact);

}  // namespace armcache::kvm
