#include "armcache/profile/firecracker.h"

#include <fmt/format.h>

#include <map>

#include "armcache/cache/geometry.h"
#include "armcache/cache/selectors.h"
#include "armcache/kernel/generation.h"
#include "armcache/registers/id_regs.h"
#include "armcache/registers/kvm_reg_id.h"
#include "armcache/util/parse.h"

namespace armcache::profile::firecracker {

namespace {

constexpr const char* kTool = "armcache 0.1.0";

// Width of a one-reg id from its size field (KVM_REG_SIZE_U32/U64); 0 for
// sizes armcache does not read (a fingerprint also dumps 128-bit registers).
unsigned width_of(std::uint64_t id) {
  switch ((id >> 52) & 0xf) {
    case 2: return 32;
    case 3: return 64;
    default: return 0;
  }
}

bool wanted(std::uint64_t id) {
  if (id == reg::kClidrId || id == reg::kCtrId || id == reg::kMmfr2Id || id == reg::kMidrId) return true;
  return (id & ~std::uint64_t{0xff}) == reg::demux_ccsidr_id(0);
}

struct Fail {
  std::string_view where;
  Error operator()(std::string_view path, std::string_view what) const {
    return Error::make(fmt::format("{}: {}: {}", where, path, what));
  }
};

// The registers armcache uses, by id. Entries for other registers are only
// checked for shape.
Result<std::map<std::uint64_t, Bitmap>> read_modifiers(const Json& parent, std::string_view key,
                                                       const std::string& path, const Fail& fail) {
  auto it = parent.find(key);
  if (it == parent.end()) return fail(path, "missing");
  if (!it->is_array()) return fail(path, "must be an array of {\"addr\", \"bitmap\"}");
  std::map<std::uint64_t, Bitmap> out;
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
    if (!wanted(*id)) continue;
    if ((*id & 0xff) >= reg::kCsselrLevelInDCount && (*id & ~std::uint64_t{0xff}) == reg::demux_ccsidr_id(0))
      return fail(p + ".addr", fmt::format("{:#x} is a DEMUX CCSIDR id with index {}; KVM has 0 to 13", *id, *id & 0xff));
    auto b = parse_bitmap(bm->get_ref<const std::string&>(), width_of(*id));
    if (!b) return fail(p + ".bitmap", b.error().message);
    if (!out.emplace(*id, *b).second) return fail(p + ".addr", fmt::format("register {:#x} is listed twice", *id));
  }
  return out;
}

std::uint64_t full_mask(unsigned bits) { return bits == 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << bits) - 1; }

Json base_provenance(std::string_view command, std::string_view where) {
  return Json{{"tool", kTool}, {"command", command}, {"source", where}};
}

}  // namespace

Result<Bitmap> parse_bitmap(std::string_view text, unsigned bits) {
  if (bits != 32 && bits != 64) return Error::make("the register is neither 32 nor 64 bits wide");
  if (text.starts_with("0b")) text.remove_prefix(2);
  if (text.size() != bits)
    return Error::make(fmt::format("has {} bit characters; this register needs {}", text.size(), bits));
  Bitmap b;
  b.bits = bits;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const std::uint64_t bit = std::uint64_t{1} << (bits - 1 - i);
    switch (text[i]) {
      case '1': b.value |= bit; [[fallthrough]];
      case '0': b.mask |= bit; break;
      case 'x': break;
      default: return Error::make(fmt::format("character {} is '{}', not '0', '1' or 'x'", i, text[i]));
    }
  }
  return b;
}

std::string format_bitmap(std::uint64_t value, unsigned bits) {
  std::string s = "0b";
  for (unsigned i = bits; i-- > 0;) s += ((value >> i) & 1) ? '1' : '0';
  return s;
}

Result<Profile> import_fingerprint(std::string_view text, std::string_view where) {
  const Fail fail{where};
  const Json j = Json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Error::make(fmt::format("{}: not valid JSON", where));
  if (!j.is_object()) return fail("top level", "must be a JSON object (a Firecracker fingerprint)");
  auto gcc = j.find("guest_cpu_config");
  if (gcc == j.end() || !gcc->is_object()) return fail("guest_cpu_config", "missing or not an object");
  auto regs = read_modifiers(*gcc, "reg_modifiers", "guest_cpu_config.reg_modifiers", fail);
  if (!regs) return regs.error();
  // A fingerprint holds values: every bit of a register it lists is fixed.
  for (const auto& [id, b] : *regs)
    if (b.mask != full_mask(b.bits))
      return fail("guest_cpu_config.reg_modifiers",
                  fmt::format("register {:#x} has 'x' bits; a fingerprint must give every bit", id));
  auto need = [&](std::uint64_t id, std::string_view name) -> Result<std::uint64_t> {
    auto it = regs->find(id);
    if (it == regs->end())
      return fail("guest_cpu_config.reg_modifiers", fmt::format("has no {} (addr {:#x})", name, id));
    return it->second.value;
  };
  auto clidr = need(reg::kClidrId, "CLIDR_EL1");
  if (!clidr) return clidr.error();
  auto ctr = need(reg::kCtrId, "CTR_EL0");
  if (!ctr) return ctr.error();

  Profile p;
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
  if (auto it = regs->find(reg::kMmfr2Id); it != regs->end()) {
    v.mmfr2_ccidx = unsigned((it->second.value >> 20) & 0xf);
    // Before 6.3 KVM passes CCIDX through; from 6.3 it hides it, so only a
    // pre-6.3 value says what the host has.
    if (gen == kernel::Generation::kPre63) host_ccidx = v.mmfr2_ccidx != 0;
  }
  if (auto it = regs->find(reg::kMidrId); it != regs->end()) prov["midr"] = fmt::format("{:#x}", it->second.value);
  for (const auto& [id, b] : *regs) {
    if ((id & ~std::uint64_t{0xff}) != reg::demux_ccsidr_id(0)) continue;
    const unsigned sel = unsigned(id & 0xff);
    v.demux[sel] = std::uint32_t(b.value);
    v.ccsidr[sel] = b.value;
  }
  v.ccsidr_tnd = v.ccsidr;  // KVM has no tag-cache register; 6.3+ masks TnD
  Json truncated = Json::array();
  for (unsigned sel : cache::level_ind_selectors(v.clidr)) {
    auto it = v.demux.find(sel);
    if (it == v.demux.end()) {
      p.warnings.push_back(fmt::format(
          "CLIDR_EL1 describes CCSIDR selector {} but the fingerprint has no DEMUX value for it (read as 0 here)", sel));
      continue;
    }
    const auto t = cache::check_truncated(it->second, host_ccidx);
    if (t == cache::Truncation::kNo) continue;
    truncated.push_back(sel);
    const auto g32 = cache::geometry_of(reg::Ccsidr(it->second, reg::CcsidrFormat::k32));
    p.warnings.push_back(fmt::format(
        "CCSIDR selector {} = {:#x} is {}a truncated FEAT_CCIDX value: KVM's 32-bit DEMUX register holds only the low "
        "half ({} ways, 1 set as read); the real set count is lost",
        sel, it->second, t == cache::Truncation::kYes ? "" : "likely ", g32.ways));
  }
  prov["truncated_ccidx"] = truncated;
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
  auto add = [&](std::uint64_t id, std::uint64_t value, unsigned bits) {
    mods.push_back(Json{{"addr", fmt::format("{:#x}", id)}, {"bitmap", format_bitmap(value, bits)}});
  };
  add(reg::kClidrId, v.clidr.raw(), 64);
  add(reg::kCtrId, v.ctr.raw(), 64);
  for (std::uint32_t sel : identity::identity_selectors(v)) {
    const unsigned i = sel & 0xf;
    if (sel & 0x10) {
      if (v.ccsidr_tnd[i] != v.ccsidr[i])
        return Error::make(fmt::format(
            "{}: the L{} tag cache reads {:#x}, not the data cache's {:#x}; KVM has no register for tag caches", where,
            i / 2 + 1, v.ccsidr_tnd[i], v.ccsidr[i]));
      continue;
    }
    if (v.ccsidr[i] >> 32)
      return Error::make(fmt::format("{}: CCSIDR selector {} = {:#x} does not fit a 32-bit DEMUX register", where, i,
                                     v.ccsidr[i]));
    add(reg::demux_ccsidr_id(i), v.ccsidr[i], 32);
  }
  return Json{{"kvm_capabilities", Json::array()}, {"vcpu_features", Json::array()}, {"reg_modifiers", mods}};
}

Result<Profile> import_template(std::string_view text, std::string_view where) {
  const Fail fail{where};
  const Json j = Json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Error::make(fmt::format("{}: not valid JSON", where));
  if (!j.is_object()) return fail("top level", "must be a JSON object (a Firecracker custom CPU template)");
  auto regs = read_modifiers(j, "reg_modifiers", "reg_modifiers", fail);
  if (!regs) return regs.error();
  Profile p;
  // 'x' bits keep KVM's value, which a file cannot tell: read them as 0 and say so.
  auto value = [&](std::uint64_t id, std::string_view name) -> std::optional<std::uint64_t> {
    auto it = regs->find(id);
    if (it == regs->end()) return std::nullopt;
    if (it->second.mask != full_mask(it->second.bits))
      p.warnings.push_back(fmt::format("{} keeps some bits from KVM ('x'); they read as 0 here", name));
    return it->second.value;
  };
  auto clidr = value(reg::kClidrId, "CLIDR_EL1");
  if (!clidr) return fail("reg_modifiers", fmt::format("has no CLIDR_EL1 (addr {:#x})", reg::kClidrId));
  auto ctr = value(reg::kCtrId, "CTR_EL0");
  if (!ctr) return fail("reg_modifiers", fmt::format("has no CTR_EL0 (addr {:#x}); the guest view needs it", reg::kCtrId));
  GuestRecord g;
  identity::GuestView& v = g.view;
  v.clidr = reg::Clidr(*clidr);
  v.ctr = reg::Ctr(*ctr);
  v.clidr_reg = *clidr;
  v.ctr_reg = *ctr;
  v.mmfr2_ccidx = 0;  // a template targets 6.3+ KVM, which hides FEAT_CCIDX
  for (const auto& [id, b] : *regs) {
    if ((id & ~std::uint64_t{0xff}) != reg::demux_ccsidr_id(0)) continue;
    const unsigned sel = unsigned(id & 0xff);
    auto val = value(id, fmt::format("CCSIDR_EL1[{}]", sel));
    v.ccsidr[sel] = *val;
    v.demux[sel] = std::uint32_t(*val);
  }
  for (unsigned sel : cache::level_ind_selectors(v.clidr)) {
    if (v.demux.count(sel)) continue;
    // What 6.3+ KVM reads for a selector nobody wrote: LineSize only, the
    // smallest line of that side from CTR_EL0.
    const unsigned line_log2 = ((sel & 1) ? v.ctr.imin_line() : v.ctr.dmin_line()) + 2;
    v.ccsidr[sel] = line_log2 >= 4 ? reg::ccsidr::kLineSize.with(0, line_log2 - 4) : 0;
    p.warnings.push_back(fmt::format(
        "the template does not set CCSIDR selector {}; it reads as KVM fabricates it ({:#x})", sel, v.ccsidr[sel]));
  }
  v.ccsidr_tnd = v.ccsidr;
  p.provenance = base_provenance("import firecracker-template", where);
  p.guest = std::move(g);
  return p;
}

}  // namespace armcache::profile::firecracker
