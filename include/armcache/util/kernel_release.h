// The running kernel's release (uname -r): what the kernel models are asked
// about when armcache talks to this kernel's KVM.
#pragma once

#include <optional>
#include <string>

namespace armcache {

// "6.12.117+deb12-arm64"; nullopt when uname fails.
std::optional<std::string> kernel_release();

}  // namespace armcache
