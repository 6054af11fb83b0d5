#include "armcache/plan/planner.h"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>

#include "armcache/cache/geometry.h"
#include "armcache/cache/selectors.h"
#include "armcache/registers/kvm_reg_id.h"
#include "armcache/vcpu/apply.h"

namespace armcache::plan {

using identity::GuestView;

std::string_view verdict_name(Verdict v) {
  switch (v) {
    case Verdict::kIdentical: return "identical";
    case Verdict::kRestorable: return "restorable";
    case Verdict::kImpossible: return "impossible";
  }
  return "?";
}

namespace {

// Registers of the guest-visible identity that differ, in words, keyed by
// the register a write would target.
struct Difference {
  std::string key;  // the register a write would target: reg::one_reg_name(id)
  std::string text;
};
std::vector<Difference> differences(const GuestView& want, const GuestView& got) {
  std::vector<Difference> out;
  if (want.clidr != got.clidr)
    out.push_back({"CLIDR_EL1", fmt::format("CLIDR_EL1 reads {:#x}, not {:#x}", got.clidr.raw(), want.clidr.raw())});
  if (want.ctr != got.ctr)
    out.push_back({"CTR_EL0", fmt::format("CTR_EL0 reads {:#x}, not {:#x}", got.ctr.raw(), want.ctr.raw())});
  for (std::uint32_t sel : identity::identity_selectors(want)) {
    const reg::Csselr csselr(sel);
    const unsigned i = csselr.level_ind_index();
    const bool tnd = csselr.tnd();
    const std::uint64_t w = want.ccsidr_read(csselr);
    const std::uint64_t g = got.ccsidr_read(csselr);
    // 64-bit values cannot be presented at all; the CCIDX reason says why.
    if (w == g || (w >> 32)) continue;
    out.push_back({reg::ccsidr_name(csselr),
                   fmt::format("{} reads {:#x}, not {:#x}{}", reg::ccsidr_name(csselr), g, w,
                               tnd ? " (KVM has no register for tag caches)"
                               : i >= kernel::kDemuxCount ? " (no DEMUX id sets it)" : "")});
  }
  return out;
}

}  // namespace

std::optional<std::string> reset_warning(const kernel::VcpuModel& model, const kernel::KernelSpec& kernel) {
  // A view that a vCPU reset undoes is a trap for the VMM: say so.
  kernel::VcpuModel reset_model = model;
  reset_model.reset();
  if (reset_model.view().same_guest_identity(model.view())) return std::nullopt;
  return fmt::format(
      "a vCPU reset (second KVM_ARM_VCPU_INIT, PSCI CPU_ON) on a {} kernel re-fabricates CLIDR_EL1: the VMM must "
      "rewrite it after every reset",
      kernel::generation_name(kernel.generation));
}

Plan plan_restore(const Source& source, const kernel::KernelSpec& dest_kernel, const kernel::HostInput& dest,
                  kernel::VmConfig vm) {
  Plan plan;
  const GuestView& want = source.view;
  kernel::VcpuModel model(dest_kernel, dest, vm);
  const GuestView start = model.view();
  if (start.same_guest_identity(want)) return plan;

  // Values the source could only have handed out cut short: restoring them
  // would present a different cache, so say so instead of writing them.
  const bool source_pre63 = source.generation == kernel::Generation::kPre63;
  for (unsigned sel : cache::level_ind_selectors(want.clidr)) {
    if (sel >= kernel::kDemuxCount) continue;
    const std::uint64_t v = want.ccsidr[sel];
    if (v >> 32) {
      if (source_pre63 && want.demux.count(sel))
        plan.reasons.push_back(fmt::format(
            "source values are truncated CCIDX values: the guest read {} as {:#x} but KVM's DEMUX register held "
            "only {:#x}",
            reg::ccsidr_name(reg::Csselr(sel)), v, want.demux.at(sel)));
      continue;  // the CCIDX difference below covers it
    }
    if (want.mmfr2_ccidx == 0 && cache::looks_truncated(v, false))
      plan.reasons.push_back(fmt::format(
          "source values are truncated CCIDX values: {} = {:#x} ({} ways, 1 set) is the low half of a FEAT_CCIDX "
          "value; the real set count is lost",
          reg::ccsidr_name(reg::Csselr(sel)), v, cache::geometry_of(reg::Ccsidr::as_read(v, false)).ways));
  }
  if (want.mmfr2_ccidx != start.mmfr2_ccidx)
    plan.reasons.push_back(fmt::format(
        "the guest saw ID_AA64MMFR2_EL1.CCIDX = {} ({} CCSIDR format); a {} destination shows {} and KVM offers no "
        "way to change it",
        want.mmfr2_ccidx, want.mmfr2_ccidx ? "64-bit" : "32-bit", kernel::generation_name(dest_kernel.generation),
        start.mmfr2_ccidx));

  // The writes are what `kvm apply` does with the saved view: the one
  // transaction of vcpu/apply.h, run on the destination's model. It stops at
  // the first refusal; each refused register is then left as the destination
  // has it and the rest tried again, so every refusal apply would meet is
  // named, each in the kernel's words.
  GuestView target = kernel::one_reg_target(want, dest_kernel);
  std::vector<std::string> refused;
  vcpu::ApplyReport applied;
  for (;;) {
    applied = vcpu::apply_view(target, model);
    if (applied.ok) break;
    const vcpu::ApplyFailure& f = *applied.failure;
    // A DEMUX id the source lists that the destination lacks: a VMM that
    // restores every listed register (QEMU, crosvm) fails on it.
    plan.reasons.push_back(fmt::format("{} ({}){}", f.message, errno_name(f.errnum),
                                       f.before_writes ? "; the saved register list includes it" : ""));
    refused.push_back(f.name);
    auto now = model.get(f.id);
    if (f.id == reg::kClidrId) {
      target.clidr_reg = now ? *now : start.clidr_reg;
    } else if (f.id == reg::kCtrId) {
      target.ctr_reg = now ? *now : start.ctr_reg;
    } else if (auto rid = reg::decode_reg_id(f.id); rid && rid->kind == reg::RegIdKind::kDemuxCcsidr) {
      if (now)
        target.demux[rid->csselr] = std::uint32_t(*now);
      else
        target.demux.erase(rid->csselr);
    } else {
      break;  // not a register of the view: nothing to leave out
    }
  }
  std::vector<Write> writes;
  for (const vcpu::RegWrite& w : applied.written) writes.push_back({w.name, w.id, w.value});
  // What still differs although no write was refused for it.
  const GuestView after = model.view();
  for (const auto& d : differences(want, after))
    if (std::find(refused.begin(), refused.end(), d.key) == refused.end())
      plan.reasons.push_back(d.text + " after the writes");

  if (auto w = reset_warning(model, dest_kernel)) plan.warnings.push_back(*w);

  if (!plan.reasons.empty()) {
    plan.verdict = Verdict::kImpossible;
    return plan;
  }
  plan.verdict = writes.empty() ? Verdict::kIdentical : Verdict::kRestorable;
  plan.writes = std::move(writes);
  return plan;
}

}  // namespace armcache::plan
