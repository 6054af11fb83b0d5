// The nearest view: when a destination kernel cannot present a saved guest
// view exactly (plan_restore says impossible), the view it can present that
// is closest to it, and every register that still differs, with the reason.
//
// One search, two register files: plan_closest runs it on the destination's
// kernel model (plan --closest); `kvm apply/verify --closest` run it on a
// scratch vCPU of the real kernel, so the kernel itself decides what it takes.
#pragma once

#include <fmt/format.h>

#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "armcache/identity/identity.h"
#include "armcache/kernel/vcpu_model.h"
#include "armcache/plan/planner.h"
#include "armcache/registers/ctr.h"
#include "armcache/registers/kvm_reg_id.h"

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
std::vector<NearestTarget> nearest_targets(const identity::GuestView& want, unsigned dest_ccidx,
                                           std::map<std::string, std::string>& unrepresentable);

// Writes the targets and CTR_EL0 on `regs` (anything with kvm::RegisterFile's
// get(id) -> Result<u64> and set(id, value) -> Status, where a refused write
// changes nothing, as KVM_SET_ONE_REG guarantees): CLIDR_EL1, then CTR_EL0
// (the source's value, else each of its fields the kernel takes, in the
// field table's order, starting from the kernel's own), then the CCSIDRs;
// everything refused is tried once more after the rest (a CLIDR_EL1 checked
// against CTR_EL0.IDC may fit once CTR_EL0 is set). Returns the refusals by
// register name, each "REASON (ERRNO)"; `written` gets the accepted writes.
template <class Regs>
std::map<std::string, std::string> write_nearest(Regs& regs, const std::vector<NearestTarget>& targets,
                                                 reg::Ctr want_ctr, std::vector<Write>& written) {
  std::map<std::string, std::string> refused;
  std::map<std::uint64_t, Write> last;  // by id: the value it holds now
  auto put = [&](const std::string& name, std::uint64_t id, std::uint64_t value) {
    auto cur = regs.get(id);
    if (cur && *cur == value) {
      refused.erase(name);
      return true;
    }
    if (auto st = regs.set(id, value); !st) {
      refused[name] = fmt::format("{} ({})", st.error().message, errno_name(st.error().errnum));
      return false;
    }
    refused.erase(name);
    last[id] = Write{name, id, value};
    return true;
  };
  auto put_ctr = [&] {
    if (put("CTR_EL0", reg::kCtrId, want_ctr.raw())) return;
    const std::string whole = refused["CTR_EL0"];
    for (const reg::Field& f : reg::ctr::kTable) {
      auto cur = regs.get(reg::kCtrId);
      if (!cur) break;
      if (f.role != reg::FieldRole::kValue || f.get(*cur) == f.get(want_ctr.raw())) continue;
      if (regs.set(reg::kCtrId, f.with(*cur, f.get(want_ctr.raw()))))
        last[reg::kCtrId] = Write{"CTR_EL0", reg::kCtrId, f.with(*cur, f.get(want_ctr.raw()))};
    }
    refused["CTR_EL0"] = whole;
  };
  for (int pass = 0; pass < 2; ++pass) {
    if (pass == 0 || refused.count(targets.front().name)) put(targets.front().name, targets.front().id, targets.front().value);
    if (pass == 0 || refused.count("CTR_EL0")) put_ctr();
    for (std::size_t i = 1; i < targets.size(); ++i)
      if (pass == 0 || refused.count(targets[i].name)) put(targets[i].name, targets[i].id, targets[i].value);
  }
  // In plan_restore's order: CLIDR_EL1, CTR_EL0, the DEMUX values.
  for (std::uint64_t id : {reg::kClidrId, reg::kCtrId})
    if (auto it = last.find(id); it != last.end()) written.push_back(it->second);
  for (const auto& [id, w] : last)
    if (id != reg::kClidrId && id != reg::kCtrId) written.push_back(w);
  return refused;
}

// Every guest-visible register in which `got` (the nearest view, as the
// guest reads it) differs from `want`, with the reason: the kernel's
// refusal, the conversion, or why no write reaches it. For example
// "CCSIDR_EL1 for CSSELR 0x0: 0x1fe01a, not 0xff0000001a: the same 4 ways x
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
