// Comparing what vCPUs read with the view they should read. Portable: the
// inputs are GuestViews, however they were measured.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "armcache/identity/identity.h"

namespace armcache::kvm {

struct Mismatch {
  unsigned vcpu = 0;
  std::string phase;     // "boot", "after-reset"
  std::string reg;       // "CLIDR_EL1", "CCSIDR_EL1[2]" (guest read), "ONE_REG CCSIDR_EL1[2]", ...
  std::uint64_t expected = 0;
  std::uint64_t seen = 0;
  std::string text() const;  // "vCPU 1 after-reset: CLIDR_EL1 expected 0x.. seen 0x.."
};

struct CompareOptions {
  // Compare CCSIDR reads for every CSSELR value, not only the Level|InD
  // selectors the expected CLIDR describes (the others are UNKNOWN to a
  // guest, and kernels differ there: 6.1 reads the hardware's 0, 6.3+ a
  // fabricated LineSize-only value).
  bool all_selectors = false;
  bool one_reg = true;  // also compare clidr_reg, ctr_reg and the view's DEMUX values
};

// Selectors (CSSELR values 0..31) compared for an expected view.
std::vector<unsigned> compared_selectors(const identity::GuestView& expected, const CompareOptions& opt);

std::vector<Mismatch> compare(const identity::GuestView& expected, const identity::GuestView& seen, unsigned vcpu,
                              const std::string& phase, const CompareOptions& opt = {});

}  // namespace armcache::kvm
