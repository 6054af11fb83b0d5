#include "armcache/profile/diff.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "armcache/cache/geometry.h"
#include "armcache/cache/selectors.h"
#include "armcache/kernel/generation.h"
#include "armcache/registers/codec.h"
#include "armcache/registers/ctr.h"
#include "armcache/registers/id_regs.h"
#include "armcache/registers/kvm_reg_id.h"
#include "armcache/registers/midr.h"
#include "armcache/registers/sysreg_names.h"
#include "armcache/util/parse.h"
#include "armcache/util/words.h"

namespace armcache::profile {

using identity::GuestView;
using identity::HostKind;

std::string_view to_string(DiffScope s) {
  switch (s) {
    case DiffScope::kGuest: return "guest";
    case DiffScope::kKvm: return "kvm";
    case DiffScope::kHost: return "host";
  }
  return "?";
}

namespace {

// MIDR_EL1 without Variant and Revision: the part, whatever its revision.
constexpr std::uint64_t kMidrPart =
    reg::midr::kImplementer.mask() | reg::midr::kArchitecture.mask() | reg::midr::kPartNum.mask();

cache::Geometry geometry(std::uint64_t v, bool ccidx) {
  return cache::geometry_of_read(v, ccidx);
}

// What a reader should know about one side's value beyond its geometry.
std::string tag(std::uint64_t v, bool ccidx) {
  const cache::Geometry g = geometry(v, ccidx);
  if (g.ways == 1 && g.sets == 1) return " (fabricated)";
  if (cache::looks_truncated(v, ccidx)) return " (truncated CCIDX value)";
  return "";
}

// "CCSIDR a -> b" in words: geometry, with line sizes only when they differ.
std::string cache_change(std::uint64_t a, bool ccidx_a, std::uint64_t b, bool ccidx_b) {
  const cache::Geometry ga = geometry(a, ccidx_a), gb = geometry(b, ccidx_b);
  if (ga == gb) return fmt::format("{:#x} -> {:#x} (same geometry, other bits differ)", a, b);
  auto side = [&](const cache::Geometry& g, std::uint64_t v, bool ccidx) {
    std::string s = fmt::format("{} x {}", plural(g.ways, "way", "ways"), plural(g.sets, "set", "sets"));
    if (ga.line_bytes != gb.line_bytes) s += fmt::format(", {}-byte lines", g.line_bytes);
    return s + tag(v, ccidx);
  };
  return side(ga, a, ccidx_a) + " -> " + side(gb, b, ccidx_b);
}

// Changed fields of a register, by its field table.
std::string field_changes(const reg::Layout& layout, std::uint64_t a, std::uint64_t b) {
  const auto fa = reg::decode(layout, a), fb = reg::decode(layout, b);
  std::string out;
  for (std::size_t i = 0; i < fa.size() && i < fb.size(); ++i) {
    if (fa[i].value == fb[i].value) continue;
    auto one = [](const reg::DecodedField& f) {
      return f.meaning.empty() ? fmt::format("{}", f.value) : fmt::format("{} ({})", f.value, f.meaning);
    };
    out += fmt::format("{}{} {} -> {}", out.empty() ? "" : "; ", fa[i].field->name, one(fa[i]), one(fb[i]));
  }
  return out.empty() ? std::string("reserved bits differ") : out;
}

void reg_item(std::vector<DiffItem>& out, DiffScope scope, std::string prefix, std::string_view name,
              const reg::Layout& layout, std::uint64_t a, std::uint64_t b) {
  if (a == b) return;
  out.push_back({scope, prefix + std::string(name), hex(a), hex(b),
                 fmt::format("{}{}: {:#x} -> {:#x}: {}", prefix, name, a, b, field_changes(layout, a, b))});
}

// Caches described by either side, compared selector by selector.
template <typename Lookup>
void cache_items(std::vector<DiffItem>& out, DiffScope scope, const std::string& prefix, reg::Clidr clidr_a,
                 reg::Clidr clidr_b, const std::set<std::uint32_t>& sels, Lookup&& value) {
  for (std::uint32_t sel : sels) {
    const auto a = value(true, sel), b = value(false, sel);  // optional<pair<value, ccidx>>
    if (!a && !b) continue;
    if (a && b && a->first == b->first && a->second == b->second) continue;
    const std::string name = prefix + cache_name(a ? clidr_a : clidr_b, sel);
    std::string text;
    if (a && b)
      text = cache_change(a->first, a->second, b->first, b->second);
    else if (a)
      text = describe_geometry(a->first, a->second) + tag(a->first, a->second) + " -> absent";
    else
      text = "absent -> " + describe_geometry(b->first, b->second) + tag(b->first, b->second);
    out.push_back({scope, name, a ? hex(a->first) : "absent", b ? hex(b->first) : "absent", name + ": " + text});
  }
}

std::string id_list(const std::map<unsigned, std::uint32_t>& m) {
  std::string s;
  for (const auto& [k, v] : m) s += fmt::format("{}{}", s.empty() ? "" : ",", k);
  return s.empty() ? "none" : s;
}

}  // namespace

std::string describe_geometry(std::uint64_t ccsidr, bool ccidx) {
  const cache::Geometry g = geometry(ccsidr, ccidx);
  return fmt::format("{} x {}, {}-byte lines ({})", plural(g.ways, "way", "ways"), plural(g.sets, "set", "sets"),
                     g.line_bytes, size_words(g.size_bytes()));
}

std::string cache_name(reg::Clidr clidr, std::uint32_t raw) {
  const reg::Csselr csselr(raw);
  const unsigned level = csselr.level();
  if (csselr.tnd()) return fmt::format("L{} tag", level);
  const unsigned ctype = level <= reg::kMaxCacheLevels ? clidr.ctype(level) : 0;
  if (ctype == unsigned(reg::Ctype::kUnified) && !csselr.ind()) return fmt::format("L{}", level);
  return fmt::format("L{}{}", level, csselr.ind() ? "I" : "D");
}

std::vector<DiffItem> diff_views(const GuestView& a, const GuestView& b) {
  std::vector<DiffItem> out;
  if (a.clidr != b.clidr)
    out.push_back({DiffScope::kGuest, "CLIDR_EL1", hex(a.clidr.raw()), hex(b.clidr.raw()),
                   fmt::format("CLIDR_EL1: {:#x} -> {:#x}: {}", a.clidr.raw(), b.clidr.raw(),
                               clidr_changes(a.clidr, b.clidr))});
  reg_item(out, DiffScope::kGuest, "", "CTR_EL0", reg::kCtrLayout, a.ctr.raw(), b.ctr.raw());
  if (a.mmfr2_ccidx != b.mmfr2_ccidx)
    out.push_back({DiffScope::kGuest, "ID_AA64MMFR2_EL1.CCIDX", std::to_string(a.mmfr2_ccidx),
                   std::to_string(b.mmfr2_ccidx),
                   fmt::format("ID_AA64MMFR2_EL1.CCIDX: {} -> {} ({} -> {} CCSIDR format)", a.mmfr2_ccidx,
                               b.mmfr2_ccidx, a.mmfr2_ccidx ? "64-bit" : "32-bit", b.mmfr2_ccidx ? "64-bit" : "32-bit")});
  std::set<std::uint32_t> sels;
  const auto sa = identity::identity_selectors(a), sb = identity::identity_selectors(b);
  sels.insert(sa.begin(), sa.end());
  sels.insert(sb.begin(), sb.end());
  using Val = std::optional<std::pair<std::uint64_t, bool>>;
  cache_items(out, DiffScope::kGuest, "", a.clidr, b.clidr, sels, [&](bool left, std::uint32_t sel) -> Val {
    const GuestView& v = left ? a : b;
    const auto& s = left ? sa : sb;
    if (std::find(s.begin(), s.end(), sel) == s.end()) return std::nullopt;
    return std::pair{v.ccsidr_read(sel), v.mmfr2_ccidx != 0};
  });
  // ONE_REG state: not guest-visible, but a VMM that restores the register
  // list (QEMU, crosvm) depends on it. A view without DEMUX values (written
  // by hand) has nothing to compare.
  if (a.clidr_reg != b.clidr_reg)
    out.push_back({DiffScope::kKvm, "ONE_REG CLIDR_EL1", hex(a.clidr_reg), hex(b.clidr_reg),
                   fmt::format("ONE_REG CLIDR_EL1: {:#x} -> {:#x}: {}", a.clidr_reg, b.clidr_reg,
                               clidr_changes(reg::Clidr(a.clidr_reg), reg::Clidr(b.clidr_reg)))});
  reg_item(out, DiffScope::kKvm, "ONE_REG ", "CTR_EL0", reg::kCtrLayout, a.ctr_reg, b.ctr_reg);
  if (!a.demux.empty() && !b.demux.empty()) {
    const std::string ia = id_list(a.demux), ib = id_list(b.demux);
    if (ia != ib)
      out.push_back({DiffScope::kKvm, "DEMUX ids", ia, ib, fmt::format("DEMUX CCSIDR ids KVM lists: {} -> {}", ia, ib)});
    for (const auto& [sel, va] : a.demux) {
      auto it = b.demux.find(sel);
      if (it == b.demux.end() || it->second == va) continue;
      out.push_back({DiffScope::kKvm, fmt::format("DEMUX CCSIDR[{}]", sel), hex(va), hex(it->second),
                     fmt::format("DEMUX CCSIDR[{}] ({}): {}", sel, cache_name(a.clidr, sel),
                                 cache_change(va, false, it->second, false))});
    }
  }
  return out;
}

std::vector<DiffItem> diff_hosts(const identity::Host& a, const identity::Host& b) {
  std::vector<DiffItem> out;
  if (a.kinds.size() != b.kinds.size())
    out.push_back({DiffScope::kHost, "kinds", std::to_string(a.kinds.size()), std::to_string(b.kinds.size()),
                   fmt::format("CPU kinds: {} -> {}", a.kinds.size(), b.kinds.size())});
  for (std::size_t i = 0; i < std::min(a.kinds.size(), b.kinds.size()); ++i) {
    const HostKind& ka = a.kinds[i];
    const HostKind& kb = b.kinds[i];
    const std::string p = fmt::format("kind {} ", i);
    if (ka.cpus != kb.cpus)
      out.push_back({DiffScope::kHost, p + "cpus", ka.cpus, kb.cpus, fmt::format("{}CPUs: {} -> {}", p, ka.cpus, kb.cpus)});
    if (ka.midr != kb.midr) {
      const std::string ma = ka.midr ? hex(*ka.midr) : "unknown", mb = kb.midr ? hex(*kb.midr) : "unknown";
      out.push_back({DiffScope::kHost, p + "MIDR_EL1", ma, mb, fmt::format("{}MIDR_EL1: {} -> {}", p, ma, mb)});
    }
    reg_item(out, DiffScope::kHost, p, "CLIDR_EL1", reg::kClidrLayout, ka.clidr.raw(), kb.clidr.raw());
    if (ka.ctr != kb.ctr) {
      if (ka.ctr && kb.ctr) {
        reg_item(out, DiffScope::kHost, p, "CTR_EL0", reg::kCtrLayout, ka.ctr->raw(), kb.ctr->raw());
      } else {
        const std::string ca = ka.ctr ? hex(ka.ctr->raw()) : "unknown", cb = kb.ctr ? hex(kb.ctr->raw()) : "unknown";
        out.push_back({DiffScope::kHost, p + "CTR_EL0", ca, cb, fmt::format("{}CTR_EL0: {} -> {}", p, ca, cb)});
      }
    }
    auto num = [&](std::string_view name, unsigned x, unsigned y) {
      if (x != y)
        out.push_back({DiffScope::kHost, p + std::string(name), std::to_string(x), std::to_string(y),
                       fmt::format("{}{}: {} -> {}", p, name, x, y)});
    };
    num("ID_AA64MMFR2_EL1.CCIDX", ka.ccidx, kb.ccidx);
    num("ID_AA64PFR1_EL1.MTE", ka.mte, kb.mte);
    num("ID_AA64MMFR2_EL1.EVT", ka.evt, kb.evt);
    std::set<std::uint32_t> sels;
    for (const auto& [s, v] : ka.ccsidr) sels.insert(s);
    for (const auto& [s, v] : kb.ccsidr) sels.insert(s);
    using Val = std::optional<std::pair<std::uint64_t, bool>>;
    cache_items(out, DiffScope::kHost, p, ka.clidr, kb.clidr, sels, [&](bool left, std::uint32_t sel) -> Val {
      const HostKind& k = left ? ka : kb;
      auto it = k.ccsidr.find(sel);
      if (it == k.ccsidr.end()) return std::nullopt;
      return std::pair{it->second, k.ccidx};
    });
  }
  return out;
}

std::vector<DiffItem> diff_registers(const GuestRecord& a, const GuestRecord& b) {
  std::vector<DiffItem> out;
  if (a.registers.empty() || b.registers.empty()) return out;
  std::vector<std::uint64_t> only_a, only_b;
  for (const auto& [id, v] : a.registers)
    if (!b.registers.count(id)) only_a.push_back(id);
  for (const auto& [id, v] : b.registers)
    if (!a.registers.count(id)) only_b.push_back(id);
  auto names = [](const std::vector<std::uint64_t>& ids) {
    std::string s;
    for (std::size_t i = 0; i < ids.size(); ++i) {
      if (i == 24) return s + fmt::format(", and {} more", ids.size() - i);
      s += (s.empty() ? "" : ", ") + reg::one_reg_name(ids[i]);
    }
    return s;
  };
  auto list_item = [&](const std::vector<std::uint64_t>& ids, bool in_a) {
    if (ids.empty()) return;
    out.push_back({DiffScope::kKvm, in_a ? "register list: only in A" : "register list: only in B",
                   in_a ? std::to_string(ids.size()) : "absent", in_a ? "absent" : std::to_string(ids.size()),
                   fmt::format("KVM register list: {} listed only by {} ({}); restoring the whole list (as QEMU does) "
                               "fails on a host whose kernel does not list them",
                               plural(ids.size(), "id", "ids"), in_a ? "A" : "B", names(ids))});
  };
  list_item(only_a, true);
  list_item(only_b, false);
  // The feature ID registers are the CPU model the guest reads; the cache
  // ones are compared above, MMFR2 without CCIDX.
  for (const auto& [id, va] : a.registers) {
    auto it = b.registers.find(id);
    if (it == b.registers.end() || !reg::is_feature_id_register(id)) continue;
    RegValue x = va, y = it->second;
    if (id == reg::kMmfr2Id) {
      x.lo &= ~reg::mmfr2::kCCIDX.mask();
      y.lo &= ~reg::mmfr2::kCCIDX.mask();
    }
    if (x == y) continue;
    const std::string name = reg::one_reg_name(id);
    out.push_back({DiffScope::kGuest, name, to_hex(x), to_hex(y), fmt::format("{}: {} -> {}", name, to_hex(x), to_hex(y))});
  }
  return out;
}

namespace {

std::optional<std::uint64_t> midr_of(const Profile& p) {
  if (p.guest) {
    if (auto it = p.guest->registers.find(reg::kMidrId); it != p.guest->registers.end()) return it->second.lo;
  }
  if (auto it = p.provenance.find("midr"); it != p.provenance.end() && it->is_string())
    if (auto v = parse_hex(it->get<std::string>())) return *v;
  if (p.host)
    for (const auto& k : p.host->kinds)
      if (k.midr) return *k.midr;
  return std::nullopt;
}

}  // namespace

ClidrContext clidr_context(const Profile& p, const Profile* other, std::string_view other_name) {
  ClidrContext c;
  if (p.guest) c.generation = generation_of(*p.guest);
  if (p.host && !p.host->kinds.empty()) {
    c.hardware = identity::boot_kind(*p.host).clidr;
    c.hardware_source = "the host in the same file";
    return c;
  }
  // A pre-6.3 or native view of the same CPU shows its hardware CLIDR.
  if (other && other->guest) {
    const auto gen = generation_of(*other->guest);
    const auto m = midr_of(p), mo = midr_of(*other);
    if ((gen == kernel::Generation::kPre63 || gen == kernel::Generation::kNative) && m && mo &&
        (*m & kMidrPart) == (*mo & kMidrPart)) {
      c.hardware = other->guest->view.clidr;
      c.hardware_source = fmt::format("{}, a {} view of the same MIDR part", other_name,
                                      kernel::generation_name(*gen));
    }
  }
  return c;
}

Result<DiffResult> diff(const Profile& a, const Profile& b, std::string_view name_a, std::string_view name_b) {
  DiffResult r;
  if (a.guest && b.guest) {
    r.compared_guest = true;
    r.items = diff_views(a.guest->view, b.guest->view);
    auto regs = diff_registers(*a.guest, *b.guest);
    r.items.insert(r.items.end(), regs.begin(), regs.end());
    r.clidr_origin_a = classify_clidr(a.guest->view, clidr_context(a, &b, name_b));
    r.clidr_origin_b = classify_clidr(b.guest->view, clidr_context(b, &a, name_a));
  } else if (a.guest || b.guest) {
    r.notes.push_back(fmt::format("guest views not compared: only {} holds one", a.guest ? name_a : name_b));
  }
  if (a.host && b.host) {
    r.compared_host = true;
    auto h = diff_hosts(*a.host, *b.host);
    r.items.insert(r.items.end(), h.begin(), h.end());
  } else if (a.host || b.host) {
    r.notes.push_back(fmt::format("hosts not compared: only {} holds one", a.host ? name_a : name_b));
  }
  if (!r.compared_guest && !r.compared_host)
    return Error::make(fmt::format("{} and {} have nothing to compare: one holds only a guest view, the other only a host",
                                   name_a, name_b));
  return r;
}

}  // namespace armcache::profile
