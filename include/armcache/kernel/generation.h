// Kernel generations, as far as the cache ID registers are concerned
// (arch/arm64/kvm/sys_regs.c history; FACTS.md section 4).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "armcache/util/parse.h"
#include "armcache/util/result.h"

namespace armcache::kernel {

enum class Generation : std::uint8_t {
  kPre63,     // <= 6.2: host values, invariant
  k63To69,    // 6.3..6.9: fabricated, CLIDR re-fabricated at every vCPU reset
  k610Plus,   // 6.10+: fabricated once per vCPU; 6.11+ per-VM writable CTR_EL0
  kNative,    // 6.10+ with KVM_CAP_ARM_NATIVE_CACHE_CONFIG v2 (linux/ in this repo)
};

std::string_view generation_name(Generation g);  // "pre-6.3", "6.3-6.9", "6.10+", "native"

struct KernelSpec {
  std::string label;  // as given: "6.1.0-50-cloud-arm64", "native"
  Generation generation = Generation::k610Plus;
  KernelVersion version;  // "native" is modelled on 6.12
  // 6.11 made CTR_EL0 a per-VM writable ID register.
  bool per_vm_ctr() const { return version >= KernelVersion{6, 11}; }
};

// "6.1.0-50-cloud-arm64", "6.12.100", "6.5", or "native".
Result<KernelSpec> parse_kernel(std::string_view text);

}  // namespace armcache::kernel
