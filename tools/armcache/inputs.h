// Inputs several commands share: a host from a profile or a QEMU model, a
// kernel, a saved guest view.
#pragma once

#include <string>

#include "armcache/identity/identity.h"
#include "armcache/kernel/generation.h"
#include "armcache/kernel/vcpu_model.h"
#include "armcache/profile/profile.h"
#include "cli.h"

namespace armcache::cli {

// Exactly one of `file` (a profile holding a host) or `qemu_model`.
identity::Host load_host(const std::string& file, const std::string& qemu_model);
kernel::KernelSpec load_kernel(const std::string& text);
// What the kernel models need of `host`, failing as bad input with a message
// that names where the host came from (a capture made off an arm64 host
// lacks CTR_EL0).
kernel::HostInput host_input_of(const identity::Host& host, const std::string& source, std::size_t cpu_kind);
// A profile that holds a guest view.
profile::Profile load_guest_profile(const std::string& file);
std::string qemu_model_names();

}  // namespace armcache::cli
