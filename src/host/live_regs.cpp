#include "armcache/host/live_regs.h"

#if defined(__aarch64__)
#include <sys/auxv.h>
#ifndef HWCAP_CPUID
#define HWCAP_CPUID (1 << 11)
#endif
#endif

namespace armcache::host {

std::optional<LiveRegisters> read_live_registers() {
#if defined(__aarch64__)
  LiveRegisters r;
  std::uint64_t v;
  // CTR_EL0 is readable at EL0 (Linux may trap it to report the sanitised value).
  asm volatile("mrs %0, ctr_el0" : "=r"(v));
  r.ctr_el0 = v;
  // MIDR_EL1 traps to the kernel, which emulates it only with HWCAP_CPUID.
  if (getauxval(AT_HWCAP) & HWCAP_CPUID) {
    asm volatile("mrs %0, midr_el1" : "=r"(v));
    r.midr_el1 = v;
  }
  return r;
#else
  return std::nullopt;
#endif
}

}  // namespace armcache::host
