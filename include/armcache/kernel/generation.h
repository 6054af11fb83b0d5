// Kernel generations, as far as the cache ID registers are concerned
// (arch/arm64/kvm/sys_regs.c history; docs/kernel-generations.md).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "armcache/util/parse.h"
#include "armcache/util/result.h"

namespace armcache::kernel {

enum class Generation : std::uint8_t {
  kPre63,     // <= 6.2: host values, invariant
  k63To69,    // 6.3..6.9: fabricated, CLIDR re-fabricated at every vCPU reset
  k610To615,  // 6.10..6.15: fabricated once per vCPU; 6.11+ per-VM writable CTR_EL0
  k616Plus,   // 6.16+: as 6.10, and CTR_EL0.L1Ip writable (VIPT or the host's)
  kNative,    // KVM_CAP_ARM_NATIVE_CACHE_CONFIG v3 (linux/ in this repo) on kNativeBase (7.3)
};

// "pre-6.3", "6.3-6.9", "6.10-6.15", "6.16+", "native".
std::string_view generation_name(Generation g);
// The generation a name stands for; also the names older profiles carry
// ("6.10+", written before 6.16 was a generation, is 6.10-6.15).
std::optional<Generation> generation_from_name(std::string_view name);

// The kernel the native series applies to (linux/): its rules are that
// kernel's, plus the capability.
inline constexpr KernelVersion kNativeBase{7, 3};
// The newest Debian line the models were compared with on real kernels
// (e2e/run-matrix.sh); newer kernels get a warning.
inline constexpr KernelVersion kNewestProvenLine{7, 3};

struct KernelSpec {
  std::string label;  // as given: "6.1.0-50-cloud-arm64", "native"
  Generation generation = Generation::k610To615;
  KernelVersion version;  // "native" is modelled on kNativeBase
  // 6.11 made CTR_EL0 a per-VM writable ID register.
  bool per_vm_ctr() const { return version >= KernelVersion{6, 11}; }
  // sys_regs.c set_ctr_el0() (7.3; measured from 6.16 on, 6.12 refuses):
  // L1Ip joined CTR_EL0's writable fields.
  bool ctr_l1ip_writable() const { return version >= KernelVersion{6, 16}; }
  // Newer than every line the models were compared with on a real kernel.
  bool newer_than_proven() const { return version > kNewestProvenLine; }
};

// One line for a kernel newer than kNewestProvenLine, naming that line;
// nullopt for every other kernel.
std::optional<std::string> unproven_warning(const KernelSpec& k);

// A release string as distributions write it ("6.1.0-50-cloud-arm64",
// "6.12.117+deb12-arm64", "7.3.4+deb13-cloud-arm64", "6.1.172-216.329.amzn2023.aarch64"),
// a version ("6.12.100", "6.5"), or "native".
Result<KernelSpec> parse_kernel(std::string_view text);

}  // namespace armcache::kernel
