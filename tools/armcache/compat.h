// plan --for qemu and vmm-exec --compat: the two ends of a migration and
// how a compatibility plan (plan/compat.h) is printed.
#pragma once

#include <string>

#include "armcache/plan/compat.h"
#include "armcache/profile/profile.h"
#include "cli.h"

namespace armcache::cli {

// An end from a `kvm show --json` profile (guest view, kernel, vcpu_surface);
// bad input naming `where` when it lacks one of them.
plan::CompatEnd compat_end(const profile::Profile& p, const std::string& where);
// This kernel, read from scratch VMs as `kvm show` does.
plan::CompatEnd this_kernel_end();

Json compat_json(const plan::CompatPlan& p);
// A table: layer, register, action, source -> destination, and why.
std::string compat_text(const plan::CompatPlan& p);

}  // namespace armcache::cli
