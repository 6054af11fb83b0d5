// kvm verify: apply a view to every vCPU of a scratch VM, probe them all,
// reset them all, probe again, and compare every read with the view.
#pragma once

#include <string>
#include <vector>

#include "armcache/identity/identity.h"
#include "armcache/kvm/kvm.h"
#include "armcache/kvm/default_view.h"
#include "armcache/kvm/verify.h"
#include "armcache/util/result.h"
#include "armcache/vcpu/apply.h"

namespace armcache::kvm {

struct VerifyOptions {
  unsigned vcpus = 2;
  CompareOptions compare;
  // Fault injection, to test the verifier itself: each makes a kernel that
  // keeps the view look like one that does not.
  bool only_vcpu0 = false;     // apply the view to vCPU 0 only
  bool lose_on_reset = false;  // write the default CLIDR back after each reset, as 6.3-6.9 do
  bool no_complete = false;    // reset without first completing the probe's pending MMIO store
};

// One probe of one vCPU in one phase ("boot", "after-reset").
struct VerifyRead {
  unsigned vcpu = 0;
  std::string phase;
  Seen seen;
};

struct VerifyReport {
  std::vector<vcpu::ApplyReport> applies;  // by vCPU; the last one is the failure when an apply failed
  std::vector<VerifyRead> reads;           // none when an apply failed
  std::vector<Mismatch> mismatches;        // including a probe that did not start at its first instruction
  std::vector<unsigned> compared;          // compared_selectors() of the view
  // One line per problem: the failed apply ("vCPU 1 apply: ..."), else
  // every mismatch's text().
  std::vector<std::string> problems() const;
  bool ok() const { return problems().empty(); }
};

// Fails only when the system does (the VM, a read, a reset, a probe: their
// errno); a refused apply or a mismatch is in the report.
Result<VerifyReport> verify_view(System& sys, const identity::GuestView& want, const VerifyOptions& opt = {});

}  // namespace armcache::kvm
