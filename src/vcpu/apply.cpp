#include "armcache/vcpu/apply.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

#include "armcache/registers/csselr.h"
#include "armcache/registers/kvm_reg_id.h"

namespace armcache::vcpu {

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

unsigned apply_rank(std::uint64_t id) {
  if (id == reg::kCtrId) return 1;
  if (reg::is_demux_ccsidr_id(id)) return 2 + reg::demux_ccsidr_index(id);
  if (id == reg::kClidrId) return 2 + 256;  // after every DEMUX index
  return 0;
}

std::vector<std::pair<std::uint64_t, std::uint64_t>> apply_order(const identity::GuestView& view) {
  std::vector<std::pair<std::uint64_t, std::uint64_t>> out;
  out.emplace_back(reg::kClidrId, view.clidr_reg);
  out.emplace_back(reg::kCtrId, view.ctr_reg);
  for (auto [sel, val] : view.demux) out.emplace_back(reg::demux_ccsidr_id(sel), val);
  std::stable_sort(out.begin(), out.end(), [](auto& a, auto& b) { return apply_rank(a.first) < apply_rank(b.first); });
  return out;
}

std::optional<ApplyFailure> first_difference(const identity::GuestView& view, RegisterFile& regs) {
  for (auto [id, value] : apply_order(view)) {
    auto got = regs.get(id);
    if (!got) return ApplyFailure{id, reg::one_reg_name(id), value, got.error().errnum, got.error().message,
                                  std::nullopt, true};
    if (*got != value)
      return ApplyFailure{id, reg::one_reg_name(id), value, 0,
                          fmt::format("{}: expected {:#x}, read {:#x}", reg::one_reg_name(id), value, *got), *got,
                          true};
  }
  return std::nullopt;
}

ApplyReport apply_view(const identity::GuestView& view, RegisterFile& regs,
                       const std::vector<std::pair<std::uint64_t, std::uint64_t>>& first) {
  ApplyReport rep;
  std::vector<std::pair<std::uint64_t, std::uint64_t>> wanted = first;
  for (auto w : apply_order(view)) wanted.push_back(w);

  std::vector<RegWrite> plan;
  for (auto [id, value] : wanted) {
    auto cur = regs.get(id);
    if (!cur) {
      // Nothing written yet: a register we cannot read we cannot restore either.
      rep.failure = ApplyFailure{id, reg::one_reg_name(id), value, cur.error().errnum, cur.error().message,
                                 std::nullopt, true};
      rep.restored = true;
      return rep;
    }
    RegWrite w{id, reg::one_reg_name(id), value, *cur};
    (*cur == value ? rep.unchanged : plan).push_back(std::move(w));
  }

  for (const RegWrite& w : plan) {
    ApplyFailure f{w.id, w.name, w.value, 0, {}, std::nullopt, false};
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

std::string describe(const ApplyReport& r) {
  if (r.ok) return fmt::format("ok ({} written, {} already equal)", r.written.size(), r.unchanged.size());
  const ApplyFailure& f = *r.failure;
  std::string s = f.name.empty() ? f.message : fmt::format("{} = {:#x} refused: {}", f.name, f.value, f.message);
  s += r.restored ? "; previous values restored" : fmt::format("; restore failed: {}", fmt::join(r.restore_errors, "; "));
  return s;
}

}  // namespace armcache::vcpu
