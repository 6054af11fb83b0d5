#include "armcache/kvm/view.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

#include "armcache/registers/csselr.h"
#include "armcache/registers/kvm_reg_id.h"

namespace armcache::kvm {

Result<identity::GuestView> read_view(RegisterFile& regs) {
  identity::GuestView v;
  auto list = regs.reg_list();
  if (!list) return list.error();
  auto clidr = regs.get(reg::kClidrId);
  if (!clidr) return clidr.error();
  auto ctr = regs.get(reg::kCtrId);
  if (!ctr) return ctr.error();
  v.clidr_reg = *clidr;
  v.ctr_reg = *ctr;
  v.clidr = reg::Clidr(*clidr);
  v.ctr = reg::Ctr(*ctr);
  for (unsigned i = 0; i < reg::kCsselrLevelInDCount; ++i) {
    const std::uint64_t id = reg::demux_ccsidr_id(i);
    if (std::find(list->begin(), list->end(), id) == list->end()) continue;
    auto c = regs.get(id);
    if (!c) return c.error();
    v.demux[i] = std::uint32_t(*c);
    v.ccsidr[i] = std::uint32_t(*c);
    v.ccsidr_tnd[i] = std::uint32_t(*c);
  }
  return v;
}

std::vector<RegWrite> plan_writes(const identity::GuestView& view, RegisterFile& regs, std::vector<RegWrite>& unchanged,
                                  std::optional<ApplyFailure>& read_failure) {
  std::vector<std::pair<std::uint64_t, std::uint64_t>> wanted;
  wanted.emplace_back(reg::kCtrId, view.ctr_reg);
  for (auto [sel, val] : view.demux) wanted.emplace_back(reg::demux_ccsidr_id(sel), val);
  wanted.emplace_back(reg::kClidrId, view.clidr_reg);
  std::vector<RegWrite> out;
  for (auto [id, value] : wanted) {
    auto cur = regs.get(id);
    if (!cur) {
      // Nothing written yet: a register we cannot read we cannot restore either.
      read_failure = ApplyFailure{id, reg_name(id), value, cur.error().errnum, cur.error().message, std::nullopt};
      return {};
    }
    RegWrite w{id, reg_name(id), value, *cur};
    (*cur == value ? unchanged : out).push_back(std::move(w));
  }
  return out;
}

ApplyReport apply_view(const identity::GuestView& view, RegisterFile& regs) { return apply_view(view, regs, {}); }

ApplyReport apply_view(const identity::GuestView& view, RegisterFile& regs,
                       const std::vector<std::pair<std::uint64_t, std::uint64_t>>& first) {
  ApplyReport rep;
  std::optional<ApplyFailure> read_failure;
  std::vector<RegWrite> plan;
  for (auto [id, value] : first) {
    auto before = regs.get(id);
    if (!before) {
      rep.failure = ApplyFailure{id, reg_name(id), value, before.error().errnum, before.error().message, std::nullopt};
      rep.restored = true;
      return rep;
    }
    (*before == value ? rep.unchanged : plan).push_back(RegWrite{id, reg_name(id), value, *before});
  }
  std::vector<RegWrite> cache = plan_writes(view, regs, rep.unchanged, read_failure);
  if (read_failure) {
    rep.failure = std::move(read_failure);
    rep.restored = true;  // nothing was written
    return rep;
  }
  plan.insert(plan.end(), cache.begin(), cache.end());
  for (const RegWrite& w : plan) {
    ApplyFailure f{w.id, w.name, w.value, 0, {}, std::nullopt};
    if (auto st = regs.set(w.id, w.value); !st) {
      f.errnum = st.error().errnum;
      f.message = st.error().message;
    } else if (auto back = regs.get(w.id); !back) {
      f.errnum = back.error().errnum;
      f.message = back.error().message;
    } else if (*back != w.value) {
      f.read_back = *back;
      f.message = fmt::format("{}: wrote {:#x}, read back {:#x}", w.name, w.value, *back);
    } else {
      rep.written.push_back(w);
      continue;
    }
    rep.failure = std::move(f);
    // Undo in reverse order, the failed register too: a write that read back
    // differently may still have changed it.
    std::vector<RegWrite> undo = rep.written;
    undo.push_back(w);
    rep.restored = true;
    for (auto it = undo.rbegin(); it != undo.rend(); ++it) {
      auto now = regs.get(it->id);
      if (now && *now == it->before) continue;
      if (auto st = regs.set(it->id, it->before); !st) {
        rep.restored = false;
        rep.restore_errors.push_back(st.error().message);
      }
    }
    return rep;
  }
  rep.ok = true;
  return rep;
}

identity::GuestView one_reg_target(const identity::GuestView& view, const kernel::KernelSpec& kernel) {
  identity::GuestView v = view;
  if (kernel.per_vm_ctr() && v.ctr.raw() != v.ctr_reg) v.ctr_reg = v.ctr.raw();
  return v;
}

std::string describe(const ApplyReport& r) {
  if (r.ok) return fmt::format("ok ({} written, {} already equal)", r.written.size(), r.unchanged.size());
  const ApplyFailure& f = *r.failure;
  std::string s = f.name.empty() ? f.message : fmt::format("{} = {:#x} refused: {}", f.name, f.value, f.message);
  s += r.restored ? "; previous values restored" : fmt::format("; restore failed: {}", fmt::join(r.restore_errors, "; "));
  return s;
}

}  // namespace armcache::kvm
