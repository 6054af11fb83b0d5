// The nearest view: when a destination kernel cannot present a saved guest
// view exactly (plan_restore says impossible), the view it can present that
// is closest to it, and every register that still differs, with the reason.
//
// One search, two register files: plan_closest runs it on the destination's
// kernel model (plan --closest); `kvm apply/verify --closest` run it on a
// scratch vCPU of the real kernel, so the kernel itself decides what it takes.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "armcache/identity/identity.h"
#include "armcache/kernel/vcpu_model.h"
#include "armcache/plan/planner.h"
#include "armcache/registers/ctr.h"
#include "armcache/vcpu/register_file.h"

namespace armcache::plan {

// One register of the nearest view, in the order of preference.
struct NearestTarget {
  std::string name;  // "CLIDR_EL1", "CCSIDR_EL1[2]"
  std::uint64_t id;
  std::uint64_t value;
  std::string converted;  // how the value was derived from the source's ("" if it is the source's)
};

// The order of preference:
//   1. the source's CLIDR_EL1 (the real hierarchy);
//   2. its cache geometry as DEMUX CCSIDR values, converted to the 32-bit
//      format when the source guest saw FEAT_CCIDX and the destination shows
//      none (dest_ccidx 0);
//   3. (write_nearest) its CTR_EL0 whole, else field by field.
// Selectors no DEMUX id reaches (TnD, Level 8) are not targets; values that
// cannot be converted go to `unrepresentable` with the reason.
struct NearestTargets {
  std::vector<NearestTarget> registers;                // in the order of preference
  std::map<std::string, std::string> unrepresentable;  // register name -> why it has no target
};
NearestTargets nearest_targets(const identity::GuestView& want, unsigned dest_ccidx);

// Writes CTR_EL0 and the targets on `regs` (a real vCPU or the kernel model;
// a refused write changes nothing, as KVM_SET_ONE_REG guarantees), in
// apply_view's order (vcpu::apply_rank): CTR_EL0 (the source's value, else
// each of its fields the kernel takes, in the field table's order, starting
// from the kernel's own), the CCSIDRs, CLIDR_EL1. This is a search for the
// nearest view, not a transaction: it keeps what is accepted. `refused`
// holds the refusals by register name, each "REASON (ERRNO)", and the
// targets' unrepresentable values; `written` the accepted writes.
struct NearestWrites {
  std::map<std::string, std::string> refused;
  std::vector<Write> written;
};
NearestWrites write_nearest(vcpu::RegisterFile& regs, const NearestTargets& targets, reg::Ctr want_ctr);

// Every guest-visible register in which `got` (the nearest view, as the
// guest reads it) differs from `want`, with the reason: the kernel's
// refusal, the conversion, or why no write reaches it. For example
// "CCSIDR_EL1[0]: 0x1fe01a, not 0xff0000001a: the same 4 ways x
// 256 sets x 64-byte lines in the 32-bit format".
std::vector<std::string> nearest_differences(const identity::GuestView& want, const identity::GuestView& got,
                                             const std::vector<NearestTarget>& targets,
                                             const std::map<std::string, std::string>& refused);

struct Closest {
  // What the guest reads after `plan.writes` (the destination model's view:
  // DEMUX, CLIDR_EL1 and CTR_EL0 as ONE_REG will hold them).
  identity::GuestView view;
  Plan plan;                         // identical or restorable: the writes that give `view`
  std::vector<std::string> differs;  // nearest_differences; empty when the view is exact
  bool exact() const { return differs.empty(); }
};

// On the destination's kernel model. When plan_restore finds the view
// restorable, the result is that plan.
Closest plan_closest(const Source& source, const kernel::KernelSpec& dest_kernel, const kernel::HostInput& dest,
                     kernel::VmConfig vm = {});

}  // namespace armcache::plan
