// The registers an arm64 host lets EL0 read: CTR_EL0 directly, MIDR_EL1
// through Linux's trap-and-emulate of ID registers (HWCAP_CPUID). Compiled
// out on other architectures.
#pragma once

#include <cstdint>
#include <optional>

namespace armcache::host {

struct LiveRegisters {
  std::uint64_t ctr_el0 = 0;
  std::optional<std::uint64_t> midr_el1;  // of the CPU the thread ran on
};

// nullopt when not built for aarch64.
std::optional<LiveRegisters> read_live_registers();

}  // namespace armcache::host
