// Linux's effective IDC rule (arch/arm64/include/asm/cache.h,
// read_cpuid_effective_cachetype()).
// The rule in words: docs/arm-cache-registers.md#clidr-implies-idc.
#pragma once

#include "armcache/registers/clidr.h"
#include "armcache/registers/ctr.h"

namespace armcache::cache {

// Data-to-unification cleaning is not needed for instruction coherence when
// CTR_EL0.IDC is set, or when CLIDR says there is no level to clean to:
// LoC == 0, or LoUIS == 0 and LoUU == 0.
constexpr bool clidr_implies_idc(reg::Clidr clidr) {
  return clidr.loc() == 0 || (clidr.louis() == 0 && clidr.louu() == 0);
}
constexpr bool effective_idc(reg::Ctr ctr, reg::Clidr clidr) { return ctr.idc() || clidr_implies_idc(clidr); }

// The CTR_EL0 Linux reports (and KVM's fabrication starts from): IDC set
// when it is effectively set.
constexpr reg::Ctr sanitised_ctr(reg::Ctr ctr, reg::Clidr clidr) {
  return ctr.with_idc(effective_idc(ctr, clidr));
}

}  // namespace armcache::cache
