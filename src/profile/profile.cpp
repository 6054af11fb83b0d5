#include "armcache/profile/profile.h"

#include <algorithm>

#include <fmt/format.h>

#include <cerrno>
#include <cstring>

#include "armcache/registers/csselr.h"
#include "armcache/registers/kvm_reg_id.h"
#include "armcache/util/file.h"
#include "armcache/util/fnv1a.h"
#include "armcache/util/parse.h"

namespace armcache::profile {

using identity::GuestView;
using identity::Host;
using identity::HostKind;

namespace {

// Reading helpers: every failure names the JSON path, so the one-line error
// says exactly what is wrong where.
class Reader {
 public:
  explicit Reader(std::string_view where) : where_(where) {}

  [[nodiscard]] Error fail(std::string_view path, std::string_view what) const {
    return Error::make(fmt::format("{}: {}: {}", where_, path, what));
  }

  Result<const Json*> object(const Json& j, std::string_view key, std::string_view path) const {
    auto it = j.find(key);
    if (it == j.end()) return fail(path, "missing");
    if (!it->is_object()) return fail(path, "must be an object");
    return &*it;
  }

  Result<std::uint64_t> hex_value(const Json& v, std::string_view path, unsigned bits = 64) const {
    if (!v.is_string()) return fail(path, "must be a hex string like \"0x1a\"");
    auto r = parse_hex(v.get_ref<const std::string&>(), bits);
    if (!r) return fail(path, r.error().message);
    return *r;
  }

  // An object of one-reg id: value at `path`: `each(id, value, path of the
  // entry)` checks and stores each entry and returns a Status.
  template <typename Each>
  Status id_object(const Json& obj, const std::string& path, Each each) const {
    if (!obj.is_object()) return fail(path, "must be an object of one-reg id: value");
    for (auto e = obj.begin(); e != obj.end(); ++e) {
      const std::string at = path + "." + e.key();
      auto id = parse_hex(e.key());
      if (!id) return fail(at, id.error().message);
      if (auto st = each(*id, e.value(), at); !st) return st;
    }
    return Ok{};
  }

  Result<std::uint64_t> hex_field(const Json& j, std::string_view key, std::string_view path,
                                  unsigned bits = 64) const {
    auto it = j.find(key);
    if (it == j.end()) return fail(path, "missing");
    return hex_value(*it, path, bits);
  }

  Result<std::uint64_t> small_number(const Json& j, std::string_view key, std::string_view path,
                                     std::uint64_t max) const {
    auto it = j.find(key);
    if (it == j.end()) return fail(path, "missing");
    if (!it->is_number_integer() || it->get<std::int64_t>() < 0 || it->get<std::uint64_t>() > max)
      return fail(path, fmt::format("must be a number from 0 to {}", max));
    return it->get<std::uint64_t>();
  }

  // {"<selector>": "0x..."} with selectors < limit.
  Result<std::map<std::uint32_t, std::uint64_t>> selector_map(const Json& j, std::string_view path,
                                                              unsigned limit, unsigned bits) const {
    if (!j.is_object()) return fail(path, "must be an object of selector: value");
    std::map<std::uint32_t, std::uint64_t> out;
    for (auto it = j.begin(); it != j.end(); ++it) {
      const std::string sub = fmt::format("{}.{}", path, it.key());
      auto sel = parse_uint(it.key());
      if (!sel || *sel >= limit) return fail(sub, fmt::format("selector must be a number below {}", limit));
      auto v = hex_value(it.value(), sub, bits);
      if (!v) return v.error();
      out[std::uint32_t(*sel)] = *v;
    }
    return out;
  }

 private:
  std::string where_;
};

template <typename T>
std::optional<Error> assign(T& out, Result<T> r) {
  if (!r) return r.error();
  out = std::move(*r);
  return std::nullopt;
}

Result<HostKind> read_kind(const Reader& rd, const Json& k, const std::string& path) {
  if (!k.is_object()) return rd.fail(path, "must be an object");
  HostKind kind;
  if (auto it = k.find("cpus"); it != k.end() && !it->is_null()) {
    if (!it->is_string()) return rd.fail(path + ".cpus", "must be a cpulist string like \"0-3\"");
    kind.cpus = it->get<std::string>();
  }
  if (auto it = k.find("midr"); it != k.end() && !it->is_null()) {
    auto v = rd.hex_value(*it, path + ".midr", 32);
    if (!v) return v.error();
    kind.midr = *v;
  }
  auto cl = k.find("clidr");
  if (cl == k.end() || cl->is_null()) return rd.fail(path + ".clidr", "missing");
  // {"value": "0x..", "confidence": {...}} as host discovery writes it, or a plain string.
  auto clv = cl->is_object() ? rd.hex_field(*cl, "value", path + ".clidr.value") : rd.hex_value(*cl, path + ".clidr");
  if (!clv) return clv.error();
  kind.clidr = reg::Clidr(*clv);
  if (auto it = k.find("mmfr2_ccidx"); it != k.end() && !it->is_null()) {
    auto v = rd.small_number(k, "mmfr2_ccidx", path + ".mmfr2_ccidx", 15);
    if (!v) return v.error();
    kind.ccidx = *v != 0;
  }
  if (auto it = k.find("pfr1_mte"); it != k.end() && !it->is_null()) {
    auto v = rd.small_number(k, "pfr1_mte", path + ".pfr1_mte", 15);
    if (!v) return v.error();
    kind.mte = unsigned(*v);
  }
  if (auto it = k.find("mmfr2_evt"); it != k.end() && !it->is_null()) {
    auto v = rd.small_number(k, "mmfr2_evt", path + ".mmfr2_evt", 15);
    if (!v) return v.error();
    kind.evt = unsigned(*v);
  }
  if (auto it = k.find("ctr_el0"); it != k.end() && !it->is_null()) {
    auto v = rd.hex_value(*it, path + ".ctr_el0");
    if (!v) return v.error();
    kind.ctr = reg::Ctr(*v);
  }
  auto cc = k.find("ccsidr");
  if (cc == k.end()) return rd.fail(path + ".ccsidr", "missing");
  auto m = rd.selector_map(*cc, path + ".ccsidr", 0x20, 64);
  if (!m) return m.error();
  kind.ccsidr = std::move(*m);
  return kind;
}

Result<GuestView> read_guest(const Reader& rd, const Json& g) {
  GuestView v;
  auto clidr = rd.hex_field(g, "clidr", "guest.clidr");
  if (!clidr) return clidr.error();
  v.clidr = reg::Clidr(*clidr);
  auto ctr = rd.hex_field(g, "ctr_el0", "guest.ctr_el0");
  if (!ctr) return ctr.error();
  v.ctr = reg::Ctr(*ctr);
  auto ccidx = rd.small_number(g, "mmfr2_ccidx", "guest.mmfr2_ccidx", 15);
  if (!ccidx) return ccidx.error();
  v.mmfr2_ccidx = unsigned(*ccidx);
  auto cc = g.find("ccsidr");
  if (cc == g.end()) return rd.fail("guest.ccsidr", "missing");
  auto m = rd.selector_map(*cc, "guest.ccsidr", identity::kGuestSelectors, 64);
  if (!m) return m.error();
  if (m->size() != identity::kGuestSelectors) return rd.fail("guest.ccsidr", "needs all 16 selectors 0..15");
  for (auto [sel, val] : *m) v.ccsidr[sel] = val;
  // Optional parts: a view from a model or a probe has them; a hand-written one may not.
  if (auto it = g.find("ccsidr_tnd"); it != g.end()) {
    auto t = rd.selector_map(*it, "guest.ccsidr_tnd", identity::kGuestSelectors, 64);
    if (!t) return t.error();
    if (t->size() != identity::kGuestSelectors) return rd.fail("guest.ccsidr_tnd", "needs all 16 selectors 0..15");
    for (auto [sel, val] : *t) v.ccsidr_tnd[sel] = val;
  } else {
    v.ccsidr_tnd = v.ccsidr;  // KVM 6.3+ masks TnD; the safe assumption
  }
  if (auto it = g.find("demux"); it != g.end()) {
    auto d = rd.selector_map(*it, "guest.demux", reg::kCsselrLevelInDCount, 32);
    if (!d) return d.error();
    for (auto [sel, val] : *d) v.demux[sel] = std::uint32_t(val);
  }
  v.clidr_reg = v.clidr.raw();
  if (auto it = g.find("clidr_reg"); it != g.end()) {
    auto r = rd.hex_value(*it, "guest.clidr_reg");
    if (!r) return r.error();
    v.clidr_reg = *r;
  }
  v.ctr_reg = v.ctr.raw();
  if (auto it = g.find("ctr_reg"); it != g.end()) {
    auto r = rd.hex_value(*it, "guest.ctr_reg");
    if (!r) return r.error();
    v.ctr_reg = *r;
  }
  return v;
}

}  // namespace

std::optional<kernel::Generation> generation_of(const GuestRecord& g) {
  if (auto gen = kernel::generation_from_name(g.generation)) return gen;
  if (auto k = kernel::parse_kernel(g.kernel)) return k->generation;
  return std::nullopt;
}

std::string to_hex(const RegValue& v) {
  if (v.hi == 0) return hex(v.lo);
  return fmt::format("{:#x}{:016x}", v.hi, v.lo);
}

Result<RegValue> parse_reg_value(std::string_view text, unsigned bits) {
  std::string_view digits = text;
  if (digits.starts_with("0x") || digits.starts_with("0X")) digits.remove_prefix(2);
  while (digits.size() > 1 && digits.front() == '0') digits.remove_prefix(1);
  RegValue v;
  if (digits.size() <= 16) {
    auto lo = parse_hex(text, bits < 64 ? bits : 64);
    if (!lo) return lo.error();
    v.lo = *lo;
    return v;
  }
  if (bits <= 64 || digits.size() > 32)
    return Error::make(fmt::format("'{}' has more than {} significant bits", text, bits));
  auto hi = parse_hex(digits.substr(0, digits.size() - 16), bits - 64);
  if (!hi) return Error::make(fmt::format("'{}': {}", text, hi.error().message));
  auto lo = parse_hex(digits.substr(digits.size() - 16));
  if (!lo) return Error::make(fmt::format("'{}': {}", text, lo.error().message));
  return RegValue{*lo, *hi};
}

Json host_kind_to_json(const HostKind& k) {
  Json j;
  j["cpus"] = k.cpus.empty() ? Json(nullptr) : Json(k.cpus);
  j["midr"] = k.midr ? Json(hex(*k.midr)) : Json(nullptr);
  j["clidr"] = Json{{"value", hex(k.clidr.raw())}};
  Json cc = Json::object();
  for (auto [sel, val] : k.ccsidr) cc[std::to_string(sel)] = hex(val);
  j["ccsidr"] = cc;
  j["ctr_el0"] = k.ctr ? Json(hex(k.ctr->raw())) : Json(nullptr);
  j["mmfr2_ccidx"] = k.ccidx ? 1 : 0;
  j["pfr1_mte"] = k.mte;
  j["mmfr2_evt"] = k.evt;
  return j;
}

Json guest_view_to_json(const GuestView& v) {
  Json j;
  j["clidr"] = hex(v.clidr.raw());
  j["ctr_el0"] = hex(v.ctr.raw());
  j["mmfr2_ccidx"] = v.mmfr2_ccidx;
  Json cc = Json::object(), tnd = Json::object(), demux = Json::object();
  for (unsigned i = 0; i < identity::kGuestSelectors; ++i) {
    cc[std::to_string(i)] = hex(v.ccsidr[i]);
    tnd[std::to_string(i)] = hex(v.ccsidr_tnd[i]);
  }
  for (auto [sel, val] : v.demux) demux[std::to_string(sel)] = hex(val);
  j["ccsidr"] = cc;
  j["ccsidr_tnd"] = tnd;
  j["demux"] = demux;
  j["clidr_reg"] = hex(v.clidr_reg);
  j["ctr_reg"] = hex(v.ctr_reg);
  return j;
}

namespace {

Result<identity::VcpuSurface> read_surface(const Reader& rd, const Json& j) {
  if (!j.is_object()) return rd.fail("vcpu_surface", "must be an object");
  identity::VcpuSurface s;
  if (auto f = j.find("features"); f != j.end()) {
    if (!f->is_string()) return rd.fail("vcpu_surface.features", "must be a string");
    s.features = f->get<std::string>();
  }
  auto list = j.find("reg_list");
  if (list == j.end() || !list->is_array()) return rd.fail("vcpu_surface.reg_list", "must be an array of one-reg ids");
  for (std::size_t i = 0; i < list->size(); ++i) {
    const std::string path = fmt::format("vcpu_surface.reg_list[{}]", i);
    const Json& e = (*list)[i];
    if (!e.is_string()) return rd.fail(path, "must be a hex string like \"0x603000000013c801\"");
    auto id = parse_hex(e.get_ref<const std::string&>());
    if (!id) return rd.fail(path, id.error().message);
    if (reg::value_bits(*id) == 0 || reg::value_bits(*id) > 2048)
      return rd.fail(path, "is not an arm64 one-reg id (0x60...)");
    s.reg_list.push_back(*id);
  }
  std::sort(s.reg_list.begin(), s.reg_list.end());
  if (std::adjacent_find(s.reg_list.begin(), s.reg_list.end()) != s.reg_list.end())
    return rd.fail("vcpu_surface.reg_list", "lists an id twice");
  if (auto v = j.find("values"); v != j.end()) {
    auto st = rd.id_object(*v, "vcpu_surface.values",
                           [&](std::uint64_t id, const Json& e, const std::string& path) -> Status {
                             if (!s.lists(id)) return rd.fail(path, "is not in vcpu_surface.reg_list");
                             auto val = rd.hex_value(e, path);
                             if (!val) return val.error();
                             s.values[id] = *val;
                             return Ok{};
                           });
    if (!st) return st.error();
  }
  return s;
}

}  // namespace

Json to_json(const Profile& p) {
  Json j;
  j["format"] = kFormatName;
  j["version"] = kFormatVersion;
  if (p.guest) {
    j["fingerprint"] = fingerprint(p.guest->view);
    j["kernel"] = p.guest->kernel;
    j["generation"] = p.guest->generation;
    j["guest"] = guest_view_to_json(p.guest->view);
    Json ids = Json::array();
    for (const auto& [sel, val] : p.guest->view.demux) ids.push_back(sel);
    j["demux_ids"] = ids;
    if (!p.guest->registers.empty()) {
      Json regs = Json::object();
      for (const auto& [id, v] : p.guest->registers) regs[hex(id)] = to_hex(v);
      j["kvm_registers"] = regs;
    }
  }
  if (p.host) {
    Json h;
    h["name"] = p.host->name;
    h["kernel"] = p.host->kernel ? Json(*p.host->kernel) : Json(nullptr);
    Json kinds = Json::array();
    for (const auto& k : p.host->kinds) kinds.push_back(host_kind_to_json(k));
    h["kinds"] = kinds;
    j["host"] = h;
  }
  if (p.surface) {
    Json list = Json::array();
    for (std::uint64_t id : p.surface->reg_list) list.push_back(hex(id));
    Json values = Json::object();
    for (auto [id, v] : p.surface->values) values[hex(id)] = hex(v);
    j["vcpu_surface"] = {{"features", p.surface->features}, {"reg_list", list}, {"values", values}};
  }
  j["provenance"] = p.provenance;
  j["warnings"] = p.warnings;
  return j;
}

Result<Profile> from_json(const Json& j, std::string_view where) {
  const Reader rd(where);
  if (!j.is_object()) return rd.fail("top level", "must be a JSON object");
  if (auto it = j.find("format"); it != j.end() && *it != kFormatName)
    return rd.fail("format", fmt::format("is not \"{}\"", kFormatName));
  if (auto it = j.find("version");
      it != j.end() && (!it->is_number_integer() || it->get<std::int64_t>() != kFormatVersion))
    return rd.fail("version", fmt::format("armcache reads version {}", kFormatVersion));
  Profile p;
  if (auto it = j.find("vcpu_surface"); it != j.end()) {
    auto s = read_surface(rd, *it);
    if (!s) return s.error();
    p.surface = std::move(*s);
  }
  if (auto it = j.find("guest"); it != j.end()) {
    if (!it->is_object()) return rd.fail("guest", "must be an object");
    auto v = read_guest(rd, *it);
    if (!v) return v.error();
    GuestRecord g{std::move(*v), {}, {}};
    if (auto k = j.find("kernel"); k != j.end()) {
      if (!k->is_string()) return rd.fail("kernel", "must be a string");
      g.kernel = k->get<std::string>();
    }
    if (auto k = j.find("generation"); k != j.end() && k->is_string()) g.generation = k->get<std::string>();
    // demux_ids, when given, must agree with the demux values.
    if (auto d = j.find("demux_ids"); d != j.end() && it->contains("demux")) {
      if (!d->is_array()) return rd.fail("demux_ids", "must be an array");
      std::vector<unsigned> ids;
      for (const auto& e : *d) {
        if (!e.is_number_unsigned()) return rd.fail("demux_ids", "must hold numbers");
        ids.push_back(e.get<unsigned>());
      }
      std::vector<unsigned> have;
      for (auto [sel, val] : g.view.demux) have.push_back(sel);
      if (ids != have) return rd.fail("demux_ids", "does not list exactly the ids in guest.demux");
    }
    if (auto r = j.find("kvm_registers"); r != j.end()) {
      auto st =
          rd.id_object(*r, "kvm_registers", [&](std::uint64_t id, const Json& e, const std::string& path) -> Status {
            const unsigned width = reg::value_bits(id);
            if (width == 0 || width > 128)
              return rd.fail(path, "is not an arm64 one-reg id of 8 to 128 bits (0x60..., size U8 to U128)");
            if (!e.is_string()) return rd.fail(path, "must be a hex string like \"0x1a\"");
            auto v = parse_reg_value(e.get_ref<const std::string&>(), width);
            if (!v) return rd.fail(path, v.error().message);
            g.registers[id] = *v;
            return Ok{};
          });
      if (!st) return st.error();
    }
    // A stored fingerprint that the view does not produce means the file was
    // changed after it was written: identity comparisons would silently lie.
    if (auto f = j.find("fingerprint"); f != j.end()) {
      if (!f->is_string()) return rd.fail("fingerprint", "must be a string");
      const std::string want = fingerprint(g.view);
      if (f->get<std::string>() != want)
        return rd.fail("fingerprint", fmt::format("{} does not match the guest view ({}): the file was changed "
                                                  "after it was written (remove \"fingerprint\" to accept it)",
                                                  f->get<std::string>(), want));
    }
    p.guest = std::move(g);
  }
  if (auto it = j.find("host"); it != j.end()) {
    if (!it->is_object()) return rd.fail("host", "must be an object");
    Host h;
    if (auto n = it->find("name"); n != it->end() && n->is_string()) h.name = n->get<std::string>();
    if (auto k = it->find("kernel"); k != it->end() && !k->is_null()) {
      if (!k->is_string()) return rd.fail("host.kernel", "must be a string or null");
      h.kernel = k->get<std::string>();
    }
    auto kinds = it->find("kinds");
    if (kinds == it->end() || !kinds->is_array() || kinds->empty())
      return rd.fail("host.kinds", "must be a non-empty array");
    for (std::size_t i = 0; i < kinds->size(); ++i) {
      auto k = read_kind(rd, (*kinds)[i], fmt::format("host.kinds[{}]", i));
      if (!k) return k.error();
      h.kinds.push_back(std::move(*k));
    }
    p.host = std::move(h);
  }
  if (!p.host && !p.guest) return rd.fail("top level", "holds neither \"host\" nor \"guest\"");
  if (auto it = j.find("provenance"); it != j.end() && it->is_object()) p.provenance = *it;
  if (auto it = j.find("warnings"); it != j.end() && it->is_array())
    for (const auto& w : *it)
      if (w.is_string()) p.warnings.push_back(w.get<std::string>());
  return p;
}

Result<Profile> parse(std::string_view text, std::string_view where) {
  Json j = Json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Error::make(fmt::format("{}: not valid JSON", where));
  return from_json(j, where);
}

Result<Profile> load(const std::string& path) {
  auto text = read_file(path);
  if (!text) return text.error();
  return parse(*text, path);
}

std::string fingerprint(const GuestView& v) {
  // FNV-1a over a canonical byte string of the identity (the selectors the
  // CLIDR describes, not the UNKNOWN reads of others); stable as long as
  // the field list below does not change.
  Fnv1a64 h;
  h.u64_le(v.clidr.raw());
  for (std::uint32_t sel : identity::identity_selectors(v)) h.u64_le(sel).u64_le(v.ccsidr_read(sel));
  h.u64_le(v.ctr.raw()).u64_le(v.mmfr2_ccidx);
  return fmt::format("fnv1a64:{:016x}", h.value());
}

}  // namespace armcache::profile
