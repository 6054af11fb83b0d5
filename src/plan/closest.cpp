#include "armcache/plan/closest.h"

#include <fmt/format.h>

#include <algorithm>

#include "armcache/cache/geometry.h"
#include "armcache/registers/csselr.h"
#include "armcache/registers/kvm_reg_id.h"
#include "armcache/vcpu/apply.h"

namespace armcache::plan {

using identity::GuestView;

NearestTargets nearest_targets(const GuestView& want, unsigned dest_ccidx) {
  NearestTargets t;
  std::vector<NearestTarget>& out = t.registers;
  std::map<std::string, std::string>& unrepresentable = t.unrepresentable;
  out.push_back({"CLIDR_EL1", reg::kClidrId, want.clidr.raw(), {}});
  for (std::uint32_t sel : identity::identity_selectors(want)) {
    if (sel >= kernel::kDemuxCount) continue;  // TnD and Level 8: no DEMUX id
    const std::string name = reg::ccsidr_name(reg::Csselr(sel));
    const std::uint64_t v = want.ccsidr[sel];
    if (!want.mmfr2_ccidx || dest_ccidx) {
      if (v >> 32)
        unrepresentable[name] = "a 64-bit value, and DEMUX CCSIDR registers hold 32 bits";
      else
        out.push_back({name, reg::demux_ccsidr_id(sel), v, {}});
      continue;
    }
    auto c = cache::convert(reg::Ccsidr(v, reg::CcsidrFormat::kCcidx), reg::CcsidrFormat::k32);
    if (!c) {
      unrepresentable[name] = c.error().message;
      continue;
    }
    const cache::Geometry g = cache::geometry_of(*c);
    out.push_back({name, reg::demux_ccsidr_id(sel), c->raw(),
                   fmt::format("the same {} ways x {} sets x {}-byte lines in the 32-bit format", g.ways, g.sets,
                               g.line_bytes)});
  }
  return t;
}

std::vector<std::string> nearest_differences(const GuestView& want, const GuestView& got,
                                             const std::vector<NearestTarget>& targets,
                                             const std::map<std::string, std::string>& refused) {
  std::vector<std::string> out;
  auto because = [&](const std::string& name) {
    auto it = refused.find(name);
    return it == refused.end() ? std::string() : ": the source's value is refused: " + it->second;
  };
  if (got.clidr != want.clidr)
    out.push_back(fmt::format("CLIDR_EL1: {:#x}, not {:#x}{}", got.clidr.raw(), want.clidr.raw(), because("CLIDR_EL1")));
  if (got.ctr != want.ctr) {
    std::string fields;
    for (const reg::Field& f : reg::ctr::kTable)
      if (f.role == reg::FieldRole::kValue && f.get(got.ctr.raw()) != f.get(want.ctr.raw()))
        fields += fmt::format("{}{} {} (source {})", fields.empty() ? "" : ", ", f.name, f.get(got.ctr.raw()),
                              f.get(want.ctr.raw()));
    out.push_back(
        fmt::format("CTR_EL0: {:#x}, not {:#x}: {}{}", got.ctr.raw(), want.ctr.raw(), fields, because("CTR_EL0")));
  }
  if (got.mmfr2_ccidx != want.mmfr2_ccidx)
    out.push_back(fmt::format("ID_AA64MMFR2_EL1.CCIDX: {}, not {}: KVM offers no way to change it", got.mmfr2_ccidx,
                              want.mmfr2_ccidx));
  for (std::uint32_t sel : identity::identity_selectors(want)) {
    const reg::Csselr csselr(sel);
    const bool tnd = csselr.tnd();
    const unsigned i = csselr.level_ind_index();
    const std::uint64_t w = want.ccsidr_read(csselr);
    const std::uint64_t g = got.ccsidr_read(csselr);
    if (w == g) continue;
    const std::string name = reg::ccsidr_name(csselr);
    std::string why = because(name);
    if (tnd) {
      why = ": KVM has no register for tag caches";
    } else if (i >= kernel::kDemuxCount) {
      why = ": no DEMUX id sets it";
    } else {
      for (const NearestTarget& t : targets)
        if (t.name == name && t.value == g && !t.converted.empty()) why = ": " + t.converted;
    }
    out.push_back(fmt::format("{}: {:#x}, not {:#x}{}", name, g, w, why));
  }
  return out;
}

NearestWrites write_nearest(vcpu::RegisterFile& regs, const NearestTargets& targets, reg::Ctr want_ctr) {
  NearestWrites out;
  out.refused = targets.unrepresentable;
  // Registers are written in apply_view's order, so the accepted writes are
  // in it too; a register written again (CTR_EL0 field by field) keeps its
  // place with the value it holds now.
  auto accepted = [&](const std::string& name, std::uint64_t id, std::uint64_t value) {
    for (Write& w : out.written)
      if (w.id == id) {
        w.value = value;
        return;
      }
    out.written.push_back(Write{name, id, value});
  };
  auto put = [&](const std::string& name, std::uint64_t id, std::uint64_t value) {
    auto cur = regs.get(id);
    if (cur && *cur == value) return true;
    if (auto st = regs.set(id, value); !st) {
      out.refused[name] = fmt::format("{} ({})", st.error().message, errno_name(st.error().errnum));
      return false;
    }
    accepted(name, id, value);
    return true;
  };
  // apply_view's order. KVM checks CCSIDR line sizes and CLIDR's IDC against
  // the host's sanitised CTR_EL0 whatever the VM's holds, so one pass finds
  // everything the kernel takes.
  if (!put("CTR_EL0", reg::kCtrId, want_ctr.raw())) {
    for (const reg::Field& f : reg::ctr::kTable) {
      auto cur = regs.get(reg::kCtrId);
      if (!cur) break;
      if (f.role != reg::FieldRole::kValue || f.get(*cur) == f.get(want_ctr.raw())) continue;
      const std::uint64_t v = f.with(*cur, f.get(want_ctr.raw()));
      if (regs.set(reg::kCtrId, v)) accepted("CTR_EL0", reg::kCtrId, v);
    }
  }
  std::vector<const NearestTarget*> order;
  for (const NearestTarget& t : targets.registers) order.push_back(&t);
  std::stable_sort(order.begin(), order.end(),
                   [](auto* a, auto* b) { return vcpu::apply_rank(a->id) < vcpu::apply_rank(b->id); });
  for (const NearestTarget* t : order) put(t->name, t->id, t->value);
  return out;
}

Closest plan_closest(const Source& source, const kernel::KernelSpec& dest_kernel, const kernel::HostInput& dest,
                     kernel::VmConfig vm) {
  Closest out;
  kernel::VcpuModel model(dest_kernel, dest, vm);
  Plan exact = plan_restore(source, dest_kernel, dest, vm);
  if (exact.verdict != Verdict::kImpossible) {
    // The same transaction plan_restore ran on its model.
    (void)vcpu::apply_view(kernel::one_reg_target(source.view, dest_kernel), model);
    out.view = model.view();
    out.plan = std::move(exact);
    return out;
  }
  const NearestTargets targets = nearest_targets(source.view, model.view().mmfr2_ccidx);
  NearestWrites w = write_nearest(model, targets, source.view.ctr);
  out.plan.writes = std::move(w.written);
  const std::map<std::string, std::string> refused = std::move(w.refused);
  out.plan.verdict = out.plan.writes.empty() ? Verdict::kIdentical : Verdict::kRestorable;
  if (auto w = reset_warning(model, dest_kernel)) out.plan.warnings.push_back(*w);
  out.view = model.view();
  out.differs = nearest_differences(source.view, out.view, targets.registers, refused);
  return out;
}

}  // namespace armcache::plan
