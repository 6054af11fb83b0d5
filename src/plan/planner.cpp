#include "armcache/plan/planner.h"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>

#include "armcache/cache/geometry.h"
#include "armcache/cache/selectors.h"
#include "armcache/registers/kvm_reg_id.h"

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
  std::string key;  // "CLIDR_EL1", "CTR_EL0", "CCSIDR_EL1[3]", "CCIDX"
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
    out.push_back({fmt::format("CCSIDR_EL1[{}]{}", i, tnd ? "TnD" : ""),
                   fmt::format("CCSIDR_EL1 for CSSELR {:#x} reads {:#x}, not {:#x}{}", sel, g, w,
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
            "source values are truncated CCIDX values: the guest read CCSIDR selector {} as {:#x} but KVM's DEMUX "
            "register held only {:#x}",
            sel, v, want.demux.at(sel)));
      continue;  // the CCIDX difference below covers it
    }
    if (want.mmfr2_ccidx == 0 && cache::check_truncated(std::uint32_t(v), std::nullopt) != cache::Truncation::kNo)
      plan.reasons.push_back(fmt::format(
          "source values are truncated CCIDX values: CCSIDR selector {} = {:#x} ({} ways, 1 set) is the low half of a "
          "FEAT_CCIDX value; the real set count is lost",
          sel, v, cache::geometry_of(reg::Ccsidr(v, reg::CcsidrFormat::k32)).ways));
  }
  if (want.mmfr2_ccidx != start.mmfr2_ccidx)
    plan.reasons.push_back(fmt::format(
        "the guest saw ID_AA64MMFR2_EL1.CCIDX = {} ({} CCSIDR format); a {} destination shows {} and KVM offers no "
        "way to change it",
        want.mmfr2_ccidx, want.mmfr2_ccidx ? "64-bit" : "32-bit", kernel::generation_name(dest_kernel.generation),
        start.mmfr2_ccidx));

  // The writes, in a safe order: CLIDR first (its IDC check must see the
  // CTR_EL0 the guest will read), then CTR_EL0 (its line fields bound the
  // CCSIDR checks), then the DEMUX CCSIDR values.
  std::vector<Write> writes;
  if (want.clidr != start.clidr) writes.push_back({"CLIDR_EL1", reg::kClidrId, want.clidr.raw()});
  if (want.ctr != start.ctr) writes.push_back({"CTR_EL0", reg::kCtrId, want.ctr.raw()});
  for (std::uint32_t sel : identity::identity_selectors(want)) {
    if (sel >= kernel::kDemuxCount || want.ccsidr[sel] == start.ccsidr[sel] || (want.ccsidr[sel] >> 32)) continue;
    writes.push_back({fmt::format("CCSIDR_EL1[{}]", sel), reg::demux_ccsidr_id(sel), want.ccsidr[sel]});
  }
  std::vector<std::string> refused;
  for (const Write& w : writes) {
    std::string why;
    if (int err = model.set_one_reg(w.id, w.value, &why); err != 0) {
      plan.reasons.push_back(fmt::format("{} ({})", why, errno_name(err)));
      refused.push_back(w.register_name);
    }
  }
  // Ids the source lists that the destination lacks: a VMM that restores
  // every listed register (QEMU, crosvm) fails on them.
  for (const auto& [sel, val] : want.demux) {
    const auto ids = model.demux_ids();
    if (std::find(ids.begin(), ids.end(), sel) != ids.end()) continue;
    std::string why;
    if (int err = model.set_one_reg(reg::demux_ccsidr_id(sel), val, &why); err != 0)
      plan.reasons.push_back(fmt::format("{} ({}); the saved register list includes it", why, errno_name(err)));
  }
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
