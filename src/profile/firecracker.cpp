#include "armcache/profile/firecracker.h"

#include <fmt/format.h>

#include <map>
#include <set>
#include <vector>

#include "armcache/cache/geometry.h"
#include "armcache/cache/selectors.h"
#include "armcache/kernel/generation.h"
#include "armcache/profile/clidr_origin.h"
#include "armcache/registers/id_regs.h"
#include "armcache/registers/kvm_reg_id.h"
#include "armcache/util/parse.h"
#include "armcache/version.h"

namespace armcache::profile::firecracker {

namespace {

constexpr const char* kTool = "armcache " ARMCACHE_VERSION_STRING;

constexpr auto is_demux = reg::is_demux_ccsidr_id;
constexpr auto demux_index = reg::demux_ccsidr_index;

bool is_cache_reg(std::uint64_t id) {
  return id == reg::kClidrId || id == reg::kCtrId || id == reg::kMmfr2Id || id == reg::kMidrId || is_demux(id);
}

struct Fail {
  std::string_view where;
  Error operator()(std::string_view path, std::string_view what) const {
    return Error::make(fmt::format("{}: {}: {}", where, path, what));
  }
};

// One reg_modifiers entry.
struct Modifier {
  std::uint64_t id;
  Bitmap bitmap;
  std::string path;  // "guest_cpu_config.reg_modifiers[3]"
};

// Every entry, in file order, checked against the register's width by
// `rules`. Ids that are not arm64 ones of 32, 64 or 128 bits are refused in a
// template (Firecracker does) and skipped with a warning in a fingerprint.
Result<std::vector<Modifier>> read_modifiers(const Json& parent, std::string_view key, const std::string& path,
                                             const Fail& fail, Rules rules, std::vector<std::string>& warnings) {
  auto it = parent.find(key);
  if (it == parent.end()) return fail(path, "missing");
  if (!it->is_array()) return fail(path, "must be an array of {\"addr\", \"bitmap\"}");
  std::vector<Modifier> out;
  std::set<std::uint64_t> seen;
  unsigned skipped = 0;
  for (std::size_t i = 0; i < it->size(); ++i) {
    const Json& m = (*it)[i];
    const std::string p = fmt::format("{}[{}]", path, i);
    if (!m.is_object()) return fail(p, "must be an object with \"addr\" and \"bitmap\"");
    auto addr = m.find("addr");
    if (addr == m.end() || !addr->is_string()) return fail(p + ".addr", "must be a hex string like \"0x603000000013c801\"");
    auto id = parse_hex(addr->get_ref<const std::string&>());
    if (!id) return fail(p + ".addr", id.error().message);
    auto bm = m.find("bitmap");
    if (bm == m.end() || !bm->is_string()) return fail(p + ".bitmap", "must be a string like \"0b0101...\"");
    const unsigned width = reg::value_bits(*id);
    if (width != 32 && width != 64 && width != 128) {
      const std::string why = fmt::format(
          "{:#x} is not a 32-, 64- or 128-bit arm64 register id, the only ones Firecracker takes", *id);
      if (rules == Rules::kTemplate) return fail(p + ".addr", why);
      ++skipped;
      continue;
    }
    if (is_demux(*id) && demux_index(*id) >= reg::kCsselrLevelInDCount)
      return fail(p + ".addr",
                  fmt::format("{:#x} is a DEMUX CCSIDR id with index {}; KVM has 0 to 13", *id, demux_index(*id)));
    auto b = parse_bitmap(bm->get_ref<const std::string&>());
    if (!b) return fail(p + ".bitmap", b.error().message);
    if (auto why = bitmap_problem(*b, width, rules))
      return fail(p + ".bitmap", fmt::format("{} ({:#x}): {}", reg::one_reg_name(*id), *id, *why));
    if (!seen.insert(*id).second) return fail(p + ".addr", fmt::format("register {:#x} is listed twice", *id));
    out.push_back({*id, *b, p});
  }
  if (skipped)
    warnings.push_back(fmt::format("{} register(s) of a size Firecracker does not take were skipped", skipped));
  return out;
}

const Modifier* find(const std::vector<Modifier>& mods, std::uint64_t id) {
  for (const auto& m : mods)
    if (m.id == id) return &m;
  return nullptr;
}

std::uint64_t low_mask(unsigned bits) { return bits >= 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << bits) - 1; }

Json base_provenance(std::string_view command, std::string_view where) {
  return Json{{"tool", kTool}, {"command", command}, {"source", where}};
}

Json origin_json(const ClidrClass& c) { return Json{{"origin", to_string(c.origin)}, {"text", c.text}}; }

}  // namespace

Result<Bitmap> parse_bitmap(std::string_view text) {
  if (text.starts_with("0b")) text.remove_prefix(2);
  if (text.empty()) return Error::make("has no bit characters after \"0b\"");
  if (text.size() > kMaxBitmapDigits)
    return Error::make(fmt::format("has {} bit characters; Firecracker's bitmaps have at most {}", text.size(),
                                   kMaxBitmapDigits));
  Bitmap b;
  b.digits = unsigned(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const unsigned pos = unsigned(text.size() - 1 - i);  // bit number
    std::uint64_t& v = pos < 64 ? b.value.lo : b.value.hi;
    std::uint64_t& m = pos < 64 ? b.mask.lo : b.mask.hi;
    const std::uint64_t bit = std::uint64_t{1} << (pos % 64);
    switch (text[i]) {
      case '1': v |= bit; [[fallthrough]];
      case '0': m |= bit; break;
      case 'x': break;
      default: return Error::make(fmt::format("character {} is {}, not '0', '1' or 'x'", i, quoted(text.substr(i, 1))));
    }
  }
  return b;
}

std::string format_bitmap(std::uint64_t value, unsigned bits) {
  std::string s = "0b";
  for (unsigned i = bits; i-- > 0;) s += ((value >> i) & 1) ? '1' : '0';
  return s;
}

std::optional<std::string> bitmap_problem(const Bitmap& b, unsigned width, Rules rules) {
  // The highest bit in `r` beyond `width`, or -1.
  auto beyond = [&](const RegValue& r) {
    for (int pos = 127; pos >= int(width); --pos)
      if (((pos < 64 ? r.lo : r.hi) >> (pos % 64)) & 1) return pos;
    return -1;
  };
  if (rules == Rules::kFingerprint) {
    if (b.digits < width)
      return fmt::format("gives {} of the register's {} bits; a fingerprint gives every bit", b.digits, width);
    const RegValue all{low_mask(std::min(b.digits, 64u)), b.digits > 64 ? low_mask(b.digits - 64) : 0};
    if (!(b.mask == all)) return std::string("has 'x' bits; a fingerprint must give every bit");
    if (int pos = beyond(b.value); pos >= 0) return fmt::format("is {} bits wide, but bit {} is set", width, pos);
    return std::nullopt;
  }
  if (int pos = beyond(b.value); pos >= 0)
    return fmt::format("is {} bits wide, but bit {} is set (Firecracker refuses a value beyond the width)", width, pos);
  if (int pos = beyond(b.mask); pos >= 0)
    return fmt::format("is {} bits wide, but the bitmap fixes bit {} (Firecracker refuses a filter beyond the width: "
                       "give at most {} characters)",
                       width, pos, width);
  return std::nullopt;
}

Result<Profile> import_fingerprint(std::string_view text, std::string_view where) {
  const Fail fail{where};
  const Json j = Json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Error::make(fmt::format("{}: not valid JSON", where));
  if (!j.is_object()) return fail("top level", "must be a JSON object (a Firecracker fingerprint)");
  auto gcc = j.find("guest_cpu_config");
  if (gcc == j.end() || !gcc->is_object()) return fail("guest_cpu_config", "missing or not an object");
  Profile p;
  auto mods = read_modifiers(*gcc, "reg_modifiers", "guest_cpu_config.reg_modifiers", fail, Rules::kFingerprint,
                             p.warnings);
  if (!mods) return mods.error();
  auto need = [&](std::uint64_t id, std::string_view name) -> Result<std::uint64_t> {
    const Modifier* m = find(*mods, id);
    if (!m) return fail("guest_cpu_config.reg_modifiers", fmt::format("has no {} (addr {:#x})", name, id));
    return m->bitmap.value.lo;
  };
  auto clidr = need(reg::kClidrId, "CLIDR_EL1");
  if (!clidr) return clidr.error();
  auto ctr = need(reg::kCtrId, "CTR_EL0");
  if (!ctr) return ctr.error();

  GuestRecord g;
  Json prov = base_provenance("import firecracker-fingerprint", where);
  for (const char* k : {"firecracker_version", "microcode_version", "bios_version", "bios_revision"})
    if (auto it = j.find(k); it != j.end() && it->is_string()) prov[k] = *it;
  std::optional<kernel::Generation> gen;
  if (auto it = j.find("kernel_version"); it != j.end()) {
    if (!it->is_string()) return fail("kernel_version", "must be a string");
    g.kernel = it->get<std::string>();
    if (auto k = kernel::parse_kernel(g.kernel)) {
      gen = k->generation;
      g.generation = std::string(kernel::generation_name(k->generation));
    } else {
      p.warnings.push_back(fmt::format("kernel_version '{}' is not a Linux version armcache knows: {}", g.kernel,
                                       k.error().message));
    }
  } else {
    p.warnings.push_back("no kernel_version: the kernel generation of this view is unknown");
  }
  identity::GuestView& v = g.view;
  v.clidr = reg::Clidr(*clidr);
  v.ctr = reg::Ctr(*ctr);
  v.clidr_reg = *clidr;
  v.ctr_reg = *ctr;
  std::optional<bool> host_ccidx;
  if (const Modifier* m = find(*mods, reg::kMmfr2Id)) {
    v.mmfr2_ccidx = reg::Mmfr2{m->bitmap.value.lo}.ccidx();
    // Before 6.3 KVM passes CCIDX through; from 6.3 it hides it, so only a
    // pre-6.3 value says what the host has.
    if (gen == kernel::Generation::kPre63) host_ccidx = v.mmfr2_ccidx != 0;
  }
  if (const Modifier* m = find(*mods, reg::kMidrId)) prov["midr"] = fmt::format("{:#x}", m->bitmap.value.lo);
  for (const auto& m : *mods) {
    g.registers[m.id] = m.bitmap.value;
    if (!is_demux(m.id)) continue;
    const unsigned sel = demux_index(m.id);
    v.demux[sel] = std::uint32_t(m.bitmap.value.lo);
    v.ccsidr[sel] = std::uint32_t(m.bitmap.value.lo);
  }
  v.ccsidr_tnd = v.ccsidr;  // KVM has no tag-cache register; 6.3+ masks TnD
  Json truncated = Json::array();
  for (unsigned sel : cache::level_ind_selectors(v.clidr)) {
    auto it = v.demux.find(sel);
    if (it == v.demux.end()) {
      p.warnings.push_back(fmt::format(
          "CLIDR_EL1 describes {} but the fingerprint has no DEMUX value for it (read as 0 here)",
          reg::ccsidr_name(reg::Csselr(sel))));
      continue;
    }
    const auto t = cache::check_truncated(it->second, host_ccidx);
    if (t == cache::Truncation::kNo) continue;
    truncated.push_back(sel);
    const auto g32 = cache::geometry_of(reg::Ccsidr::as_read(it->second, false));
    p.warnings.push_back(fmt::format(
        "{} = {:#x} is {}a truncated FEAT_CCIDX value: KVM's 32-bit DEMUX register holds only the low "
        "half ({} ways, 1 set as read); the real set count is lost",
        reg::ccsidr_name(reg::Csselr(sel)), it->second, t == cache::Truncation::kYes ? "" : "likely ", g32.ways));
  }
  prov["truncated_ccidx"] = truncated;
  prov["registers"] = mods->size();
  prov["clidr_origin"] = origin_json(classify_clidr(v, ClidrContext{gen, std::nullopt, {}}));
  p.provenance = std::move(prov);
  p.guest = std::move(g);
  return p;
}

Result<Json> export_template(const Profile& p, std::string_view where) {
  if (!p.guest) return Error::make(fmt::format("{}: holds no \"guest\" view to export", where));
  const identity::GuestView& v = p.guest->view;
  if (v.mmfr2_ccidx != 0)
    return Error::make(fmt::format(
        "{}: the guest sees FEAT_CCIDX (64-bit CCSIDR values), which KVM's 32-bit DEMUX registers and so a Firecracker "
        "template cannot carry",
        where));
  Json mods = Json::array();
  // As wide as each register: Firecracker refuses fixed bits beyond it.
  auto add = [&](std::uint64_t id, std::uint64_t value) {
    mods.push_back(Json{{"addr", fmt::format("{:#x}", id)}, {"bitmap", format_bitmap(value, reg::value_bits(id))}});
  };
  add(reg::kClidrId, v.clidr.raw());
  add(reg::kCtrId, v.ctr.raw());
  for (std::uint32_t sel : identity::identity_selectors(v)) {
    const reg::Csselr csselr(sel);
    const unsigned i = csselr.level_ind_index();
    if (csselr.tnd()) {
      if (v.ccsidr_tnd[i] != v.ccsidr[i])
        return Error::make(fmt::format(
            "{}: the L{} tag cache reads {:#x}, not the data cache's {:#x}; KVM has no register for tag caches", where,
            i / 2 + 1, v.ccsidr_tnd[i], v.ccsidr[i]));
      continue;
    }
    if (v.ccsidr[i] >> 32)
      return Error::make(fmt::format("{}: {} = {:#x} does not fit a 32-bit DEMUX register", where,
                                     reg::ccsidr_name(csselr), v.ccsidr[i]));
    add(reg::demux_ccsidr_id(i), v.ccsidr[i]);
  }
  return Json{{"kvm_capabilities", Json::array()}, {"vcpu_features", Json::array()}, {"reg_modifiers", mods}};
}

Result<Profile> import_template(std::string_view text, std::string_view where) {
  const Fail fail{where};
  const Json j = Json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Error::make(fmt::format("{}: not valid JSON", where));
  if (!j.is_object()) return fail("top level", "must be a JSON object (a Firecracker custom CPU template)");
  Profile p;
  auto mods = read_modifiers(j, "reg_modifiers", "reg_modifiers", fail, Rules::kTemplate, p.warnings);
  if (!mods) return mods.error();
  const Modifier* clidr_m = find(*mods, reg::kClidrId);
  if (!clidr_m) return fail("reg_modifiers", fmt::format("has no CLIDR_EL1 (addr {:#x})", reg::kClidrId));
  const Modifier* ctr_m = find(*mods, reg::kCtrId);
  if (!ctr_m) return fail("reg_modifiers", fmt::format("has no CTR_EL0 (addr {:#x}); the guest view needs it", reg::kCtrId));
  // 'x' keeps KVM's value. CTR_EL0's is the host's, which a template cannot
  // tell: those bits read as 0. CLIDR's and CCSIDR's are what KVM 6.3+
  // fabricates for that CTR_EL0 (a template is applied on such hosts).
  const std::uint64_t ctr = ctr_m->bitmap.value.lo;
  if (ctr_m->bitmap.mask.lo != low_mask(64))
    p.warnings.push_back("CTR_EL0 keeps some bits from KVM ('x'); the host's value is unknown, they read as 0 here");
  const reg::Clidr kvm = kvm_fabricated_clidr(reg::Ctr(ctr), false);
  auto merge = [](const Bitmap& b, std::uint64_t kvm_value) {
    return (b.value.lo & b.mask.lo) | (kvm_value & ~b.mask.lo);
  };
  const std::uint64_t clidr = merge(clidr_m->bitmap, kvm.raw());
  if (clidr_m->bitmap.mask.lo != low_mask(64))
    p.warnings.push_back(fmt::format(
        "CLIDR_EL1 keeps some bits from KVM ('x'): they are taken from what KVM 6.3+ fabricates for CTR_EL0 {:#x} "
        "({:#x}), giving {:#x}",
        ctr, kvm.raw(), clidr));
  GuestRecord g;
  identity::GuestView& v = g.view;
  v.clidr = reg::Clidr(clidr);
  v.ctr = reg::Ctr(ctr);
  v.clidr_reg = clidr;
  v.ctr_reg = ctr;
  v.mmfr2_ccidx = 0;  // a template targets 6.3+ KVM, which hides FEAT_CCIDX
  // What 6.3+ KVM reads for a selector nobody wrote: LineSize only, the
  // smallest line of that side from CTR_EL0.
  auto fabricated_ccsidr = [&](unsigned sel) -> std::uint64_t {
    const unsigned line_log2 = (reg::Csselr(sel).ind() ? v.ctr.imin_line() : v.ctr.dmin_line()) + 2;
    return line_log2 >= 4 ? reg::ccsidr::kLineSize.with(0, line_log2 - 4) : 0;
  };
  unsigned others = 0;
  for (const auto& m : *mods) {
    if (!is_demux(m.id)) {
      others += !is_cache_reg(m.id);
      continue;
    }
    const unsigned sel = demux_index(m.id);
    const std::uint64_t val = merge(m.bitmap, fabricated_ccsidr(sel)) & low_mask(32);
    if ((m.bitmap.mask.lo & low_mask(32)) != low_mask(32))
      p.warnings.push_back(fmt::format(
          "{} keeps some bits from KVM ('x'): taken from KVM 6.3+'s LineSize-only value, giving {:#x}",
          reg::ccsidr_name(reg::Csselr(sel)), val));
    v.ccsidr[sel] = val;
    v.demux[sel] = std::uint32_t(val);
  }
  for (unsigned sel : cache::level_ind_selectors(v.clidr)) {
    if (v.demux.count(sel)) continue;
    v.ccsidr[sel] = fabricated_ccsidr(sel);
    p.warnings.push_back(fmt::format(
        "the template does not set {}; it reads as KVM fabricates it ({:#x})", reg::ccsidr_name(reg::Csselr(sel)),
        v.ccsidr[sel]));
  }
  v.ccsidr_tnd = v.ccsidr;
  p.provenance = base_provenance("import firecracker-template", where);
  p.provenance["other_registers"] = others;
  p.provenance["clidr_origin"] = origin_json(classify_clidr(v, ClidrContext{}));
  p.guest = std::move(g);
  return p;
}

}  // namespace armcache::profile::firecracker
