#include "armcache/firmware/firmware.h"

#include <fmt/format.h>
#include <libfdt.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <variant>

#include "armcache/cache/pptt_layout.h"
#include "armcache/cache/selectors.h"
#include "armcache/util/fdt_error.h"

namespace armcache::firmware {

using identity::GuestView;

namespace {

constexpr unsigned kMaxVcpus = 4096;  // KVM's default MPIDR: Aff0 4 bits, Aff1 8 bits

std::string_view type_word(cache::CacheKind t) {
  switch (t) {
    case cache::CacheKind::kData: return "D";
    case cache::CacheKind::kInstruction: return "I";
    case cache::CacheKind::kUnified:
    case cache::CacheKind::kTag: return "";
  }
  return "";
}

// One tree feeds both the DTS text and the blob, so they cannot disagree.
struct Prop {
  std::string name;
  std::variant<std::monostate, std::string, std::vector<std::uint32_t>> value;  // empty, string, cells
  std::string ref_label;  // cells holding one phandle: written as <&label> in DTS
};
struct DtNode {
  std::string name;
  std::string label;
  std::vector<Prop> props;
  std::vector<DtNode> children;
};

Prop cells(std::string name, std::vector<std::uint32_t> v) { return {std::move(name), std::move(v), {}}; }
Prop cell(std::string name, std::uint32_t v) { return cells(std::move(name), {v}); }
Prop str(std::string name, std::string v) { return {std::move(name), std::move(v), {}}; }
Prop flag(std::string name) { return {std::move(name), std::monostate{}, {}}; }
Prop ref(std::string name, std::uint32_t phandle, std::string label) {
  return {std::move(name), std::vector<std::uint32_t>{phandle}, std::move(label)};
}

void cache_props(DtNode& n, const CacheLevelDesc& c, bool split_prefix) {
  const std::string p = !split_prefix ? "" : c.type == cache::CacheKind::kInstruction ? "i-" : "d-";
  n.props.push_back(cell(p + "cache-size", std::uint32_t(c.geometry.size_bytes())));
  n.props.push_back(cell(p + "cache-sets", c.geometry.sets));
  n.props.push_back(cell(p + "cache-line-size", c.geometry.line_bytes));
}

// Phandles: CPUs 1..N, then cache nodes in creation order from
// `cache_phandle` (0: N + 1).
Result<DtNode> build_tree(const GuestView& v, Topology t, std::uint32_t cache_phandle = 0) {
  auto d = describe(v, t);
  if (!d) return d.error();
  const auto& caches = d->caches;
  const unsigned top = caches.back().level;
  const unsigned per_cluster = t.vcpus / t.clusters;
  std::uint32_t next_phandle = cache_phandle ? cache_phandle : t.vcpus + 1;
  auto level_caches = [&](unsigned level) {
    std::vector<const CacheLevelDesc*> out;
    for (const auto& c : caches)
      if (c.level == level) out.push_back(&c);
    return out;
  };
  auto add_level_props = [&](DtNode& n, unsigned level) {
    const auto lc = level_caches(level);
    const bool unified = lc.size() == 1 && lc[0]->type == cache::CacheKind::kUnified;
    for (const auto* c : lc) cache_props(n, *c, !unified);
    if (unified) n.props.push_back(flag("cache-unified"));
  };

  // A cache node of `level`, named l<level>-cache-<owner>, with the next phandle.
  auto cache_node = [&](unsigned level, const std::string& owner) {
    DtNode n{fmt::format("l{}-cache-{}", level, owner), fmt::format("l{}_{}", level, owner), {}, {}};
    n.props.push_back(str("compatible", "cache"));
    n.props.push_back(cell("cache-level", level));
    add_level_props(n, level);
    n.props.push_back(cell("phandle", next_phandle++));
    return n;
  };

  DtNode cpus{"cpus", "", {cell("#address-cells", 1), cell("#size-cells", 0)}, {}};
  std::vector<DtNode> cache_nodes;
  // Shared top-level nodes, one per cluster.
  std::vector<std::pair<std::uint32_t, std::string>> cluster_cache;  // phandle, label
  if (top > 1 && caches.back().cluster_shared) {
    for (unsigned c = 0; c < t.clusters; ++c) {
      DtNode n = cache_node(top, fmt::format("cluster{}", c));
      cluster_cache.emplace_back(next_phandle - 1, n.label);
      cache_nodes.push_back(std::move(n));
    }
  }
  for (unsigned i = 0; i < t.vcpus; ++i) {
    const std::uint32_t mpidr = vcpu_mpidr(i);
    DtNode cpu{fmt::format("cpu@{:x}", mpidr), fmt::format("cpu{}", i), {}, {}};
    cpu.props.push_back(str("device_type", "cpu"));
    cpu.props.push_back(str("compatible", "arm,armv8"));
    cpu.props.push_back(cell("reg", mpidr));
    cpu.props.push_back(str("enable-method", "psci"));
    add_level_props(cpu, 1);
    cpu.props.push_back(cell("phandle", i + 1));
    // Private levels 2.. below the shared one, chained from the CPU node.
    DtNode* prev = &cpu;
    std::vector<DtNode> mine;
    mine.reserve(top);
    for (unsigned l = 2; l <= top; ++l) {
      const auto lc = level_caches(l);
      if (lc.empty()) continue;
      if (lc[0]->cluster_shared) {
        const auto& [ph, label] = cluster_cache[i / per_cluster];
        prev->props.push_back(ref("next-level-cache", ph, label));
        break;
      }
      DtNode n = cache_node(l, fmt::format("cpu{}", i));
      prev->props.push_back(ref("next-level-cache", next_phandle - 1, n.label));
      mine.push_back(std::move(n));
      prev = &mine.back();
    }
    cpus.children.push_back(std::move(cpu));
    for (auto& n : mine) cache_nodes.push_back(std::move(n));
  }
  for (auto& n : cache_nodes) cpus.children.push_back(std::move(n));
  DtNode map{"cpu-map", "", {}, {}};
  for (unsigned c = 0; c < t.clusters; ++c) {
    DtNode cl{fmt::format("cluster{}", c), "", {}, {}};
    for (unsigned k = 0; k < per_cluster; ++k) {
      const unsigned i = c * per_cluster + k;
      cl.children.push_back(DtNode{fmt::format("core{}", k), "", {ref("cpu", i + 1, fmt::format("cpu{}", i))}, {}});
    }
    map.children.push_back(std::move(cl));
  }
  cpus.children.push_back(std::move(map));
  DtNode root{"", "", {cell("#address-cells", 2), cell("#size-cells", 2)}, {}};
  root.children.push_back(std::move(cpus));
  return root;
}

void render(std::string& out, const DtNode& n, int depth) {
  const std::string ind(std::size_t(depth), '\t');
  out += ind;
  if (!n.label.empty()) out += n.label + ": ";
  out += (n.name.empty() ? "/" : n.name) + " {\n";
  for (const Prop& p : n.props) {
    out += ind + '\t' + p.name;
    if (auto* s = std::get_if<std::string>(&p.value)) {
      out += fmt::format(" = \"{}\"", *s);
    } else if (auto* c = std::get_if<std::vector<std::uint32_t>>(&p.value)) {
      if (!p.ref_label.empty()) {
        out += fmt::format(" = <&{}>", p.ref_label);
      } else {
        out += " = <";
        for (std::size_t i = 0; i < c->size(); ++i) out += fmt::format("{}{:#x}", i ? " " : "", (*c)[i]);
        out += ">";
      }
    }
    out += ";\n";
  }
  for (const DtNode& c : n.children) {
    out += '\n';
    render(out, c, depth + 1);
  }
  out += ind + "};\n";
}

std::vector<fdt32_t> big_endian(const std::vector<std::uint32_t>& c) {
  std::vector<fdt32_t> be;
  for (std::uint32_t x : c) be.push_back(cpu_to_fdt32(x));
  return be;
}

// Sets p on the node at offset `node`; `where` is its path, for the message.
Status set_prop(void* fdt, int node, std::string_view where, const Prop& p) {
  int e;
  if (auto* s = std::get_if<std::string>(&p.value)) {
    e = fdt_setprop_string(fdt, node, p.name.c_str(), s->c_str());
  } else if (auto* c = std::get_if<std::vector<std::uint32_t>>(&p.value)) {
    const auto be = big_endian(*c);
    e = fdt_setprop(fdt, node, p.name.c_str(), be.data(), int(be.size() * sizeof(fdt32_t)));
  } else {
    e = fdt_setprop(fdt, node, p.name.c_str(), nullptr, 0);
  }
  if (e) return fdt_error(fmt::format("adding {} {}", where, p.name), e);
  return Ok{};
}

// n and its subtree, through libfdt's sequential-write calls.
Status emit(void* fdt, const DtNode& n) {
  const auto failed = [](int e) { return fdt_error("building the device tree blob", e); };
  if (int e = fdt_begin_node(fdt, n.name.c_str())) return failed(e);
  for (const Prop& p : n.props) {
    int e = 0;
    if (auto* s = std::get_if<std::string>(&p.value)) {
      e = fdt_property_string(fdt, p.name.c_str(), s->c_str());
    } else if (auto* c = std::get_if<std::vector<std::uint32_t>>(&p.value)) {
      const auto be = big_endian(*c);
      e = fdt_property(fdt, p.name.c_str(), be.data(), int(be.size() * sizeof(fdt32_t)));
    } else {
      e = fdt_property(fdt, p.name.c_str(), nullptr, 0);
    }
    if (e) return failed(e);
  }
  for (const DtNode& c : n.children)
    if (auto st = emit(fdt, c); !st) return st;
  if (int e = fdt_end_node(fdt)) return failed(e);
  return Ok{};
}

}  // namespace

Result<Description> describe(const GuestView& v, Topology t) {
  if (t.vcpus == 0 || t.vcpus > kMaxVcpus) return Error::make(fmt::format("--vcpus must be 1 to {}", kMaxVcpus));
  if (t.clusters == 0 || t.clusters > t.vcpus || t.vcpus % t.clusters != 0)
    return Error::make(fmt::format("{} vCPUs do not split into {} equal clusters", t.vcpus, t.clusters));
  const auto shape = cache::clidr_shape(v.clidr);
  if (shape.levels.empty()) return Error::make(fmt::format("CLIDR_EL1 {:#x} describes no cache", v.clidr.raw()));
  Description d;
  const unsigned top = shape.levels.back().level;
  for (const auto& l : shape.levels) {
    if (l.ctype > unsigned(reg::Ctype::kUnified))
      return Error::make(
          fmt::format("CLIDR_EL1 {:#x}: L{} has the reserved Ctype {}", v.clidr.raw(), l.level, l.ctype));
    for (const cache::Selector& s : shape.selectors) {
      // Tag caches (TnD) have no node or structure in either table.
      if (s.level != l.level || s.kind == cache::CacheKind::kTag) continue;
      const cache::CacheKind ty = s.kind;
      const std::uint64_t raw = v.ccsidr_read(s.csselr());
      const std::string name = fmt::format("L{}{}", l.level, type_word(ty));
      if (raw == 0)
        return Error::make(fmt::format("{} ({}) reads 0: no geometry", reg::ccsidr_name(s.csselr()), name));
      const cache::Geometry g = cache::geometry_of_read(raw, v.mmfr2_ccidx != 0);
      if (g.size_bytes() > 0xffffffffu)
        return Error::make(fmt::format("{} is {} bytes, more than the 32-bit size fields hold", name, g.size_bytes()));
      if (g.ways == 1 && g.sets == 1)
        d.warnings.push_back(fmt::format("{} is 1 way x 1 set: a fabricated value, the tables describe a {}-byte cache",
                                         name, g.line_bytes));
      else if (cache::looks_truncated(raw, v.mmfr2_ccidx != 0))
        d.warnings.push_back(fmt::format("{} = {:#x} looks like a truncated FEAT_CCIDX value: its set count is lost", name, raw));
      d.caches.push_back({l.level, ty, g, l.level == top && top > 1});
    }
  }
  return d;
}

Result<std::string> device_tree_source(const GuestView& v, Topology t) {
  auto root = build_tree(v, t);
  if (!root) return root.error();
  std::string out = fmt::format(
      "// Generated by armcache firmware: CPUs and caches for CLIDR_EL1 {:#x}.\n"
      "// Merge the /cpus node into the VMM's device tree.\n/dts-v1/;\n\n",
      v.clidr.raw());
  render(out, *root, 0);
  return out;
}

Result<std::vector<std::uint8_t>> device_tree_blob(const GuestView& v, Topology t) {
  auto root = build_tree(v, t);
  if (!root) return root.error();
  std::vector<std::uint8_t> buf(4096 + std::size_t(t.vcpus) * 1024);
  int e = fdt_create(buf.data(), int(buf.size()));
  if (!e) e = fdt_finish_reservemap(buf.data());
  if (!e) {
    if (auto st = emit(buf.data(), *root); !st) return st.error();
    e = fdt_finish(buf.data());
  }
  if (e) return fdt_error("building the device tree blob", e);
  buf.resize(fdt_totalsize(buf.data()));
  return buf;
}

Result<MergedDtb> merge_into_dtb(const GuestView& v, unsigned clusters, std::span<const std::uint8_t> dtb) {
  // libfdt reads the header's sizes: check them against the bytes first.
  int bad = dtb.size() < 40 ? -FDT_ERR_TRUNCATED : fdt_check_header(dtb.data());
  if (!bad && fdt_totalsize(dtb.data()) > dtb.size()) bad = -FDT_ERR_TRUNCATED;
  if (bad) return fdt_error("not a flattened device tree (bad header or size)", bad);
  const auto* in = dtb.data();
  if (int e = fdt_check_full(in, dtb.size())) return fdt_error("device tree", e);
  const int cpus = fdt_path_offset(in, "/cpus");
  if (cpus == -FDT_ERR_NOTFOUND) return Error::make("device tree has no /cpus node", EINVAL);
  if (cpus < 0) return fdt_error("device tree: /cpus", cpus);
  const int ac = fdt_address_cells(in, cpus);
  if (ac < 0) return fdt_error("device tree: /cpus #address-cells", ac);
  if (ac < 1 || ac > 2) return Error::make(fmt::format("/cpus has #address-cells {}", ac), EINVAL);
  struct CpuNode {
    std::uint64_t reg;
    std::string name;
  };
  std::vector<CpuNode> found;
  int node;
  fdt_for_each_subnode(node, in, cpus) {
    int len = 0;
    const char* type = static_cast<const char*>(fdt_getprop(in, node, "device_type", &len));
    if (!type || len < 1 || std::string_view(type, strnlen(type, std::size_t(len))) != "cpu") {
      const char* compat = static_cast<const char*>(fdt_getprop(in, node, "compatible", &len));
      if (compat && len > 0 && std::string_view(compat, strnlen(compat, std::size_t(len))) == "cache")
        return Error::make(
            fmt::format("device tree already describes caches (/cpus/{} is a cache node)", fdt_get_name(in, node, nullptr)));
      continue;
    }
    const char* name = fdt_get_name(in, node, nullptr);
    for (const char* p : {"next-level-cache", "cache-size", "d-cache-size", "i-cache-size"})
      if (fdt_getprop(in, node, p, nullptr))
        return Error::make(fmt::format("device tree already describes caches (/cpus/{} has {})", name, p));
    const auto* r = static_cast<const fdt32_t*>(fdt_getprop(in, node, "reg", &len));
    if (!r || len != ac * 4) return Error::make(fmt::format("/cpus/{} has no {}-cell reg", name, ac));
    std::uint64_t reg = fdt32_to_cpu(r[0]);
    if (ac == 2) reg = reg << 32 | fdt32_to_cpu(r[1]);
    found.push_back({reg, name});
  }
  if (found.empty()) return Error::make("device tree has no cpu nodes under /cpus");
  std::sort(found.begin(), found.end(), [](const CpuNode& a, const CpuNode& b) { return a.reg < b.reg; });
  const Topology t{unsigned(found.size()), clusters};
  std::uint32_t max_phandle = 0;
  if (int e = fdt_find_max_phandle(in, &max_phandle)) return fdt_error("device tree", e);
  if (max_phandle >= 0xfffffff0u - 1024 * t.vcpus) return Error::make("device tree phandles leave no room");
  auto desc = describe(v, t);
  if (!desc) return desc.error();
  auto root = build_tree(v, t, max_phandle + 1);
  if (!root) return root.error();
  const DtNode& ours = root->children.front();  // /cpus

  std::vector<std::uint8_t> out(fdt_totalsize(in) + 8192 + std::size_t(t.vcpus) * 2048);
  if (int e = fdt_open_into(in, out.data(), int(out.size()))) return fdt_error("device tree", e);
  void* fdt = out.data();
  unsigned i = 0;
  for (const DtNode& n : ours.children) {
    if (n.name == "cpu-map") continue;  // the VMM's own topology stays
    const bool is_cpu = n.name.starts_with("cpu@");
    const std::string where = "/cpus/" + n.name;
    // Offsets move with every edit: look each node up again.
    int at;
    if (is_cpu) {
      at = fdt_subnode_offset(fdt, fdt_path_offset(fdt, "/cpus"), found[i++].name.c_str());
    } else {
      at = fdt_add_subnode(fdt, fdt_path_offset(fdt, "/cpus"), n.name.c_str());
    }
    if (at < 0) return fdt_error("adding " + where, at);
    for (const Prop& p : n.props) {
      if (is_cpu && (p.name == "device_type" || p.name == "compatible" || p.name == "reg" ||
                     p.name == "enable-method" || p.name == "phandle"))
        continue;
      if (auto st = set_prop(fdt, at, where, p); !st) return st.error();
    }
  }
  if (int e = fdt_pack(fdt)) return fdt_error("device tree", e);
  out.resize(fdt_totalsize(fdt));
  return MergedDtb{std::move(out), t, std::move(*desc)};
}

Result<std::vector<std::uint8_t>> pptt(const GuestView& v, Topology t) {
  auto d = describe(v, t);
  if (!d) return d.error();
  for (const auto& c : d->caches)
    if (c.geometry.ways > 255 || c.geometry.line_bytes > 0xffff)
      return Error::make(fmt::format("L{}{}: {} ways do not fit PPTT's 8-bit associativity field", c.level,
                                     type_word(c.type), c.geometry.ways));
  namespace layout = cache::pptt;
  namespace proc = cache::pptt::processor;
  namespace ct = cache::pptt::cache_type;
  const unsigned per_cluster = t.vcpus / t.clusters;
  struct Inst {
    const CacheLevelDesc* desc;
    unsigned owner;  // CPU or cluster
    std::uint32_t offset = 0;
    std::uint32_t next = 0;
    bool referenced = false;
  };
  std::vector<Inst> inst;
  for (unsigned i = 0; i < t.vcpus; ++i)
    for (const auto& c : d->caches)
      if (!c.cluster_shared) inst.push_back({&c, i});
  const std::size_t first_shared = inst.size();
  for (unsigned k = 0; k < t.clusters; ++k)
    for (const auto& c : d->caches)
      if (c.cluster_shared) inst.push_back({&c, k});
  std::size_t off = layout::header::kLen;
  for (auto& in : inst) {
    in.offset = std::uint32_t(off);
    off += ct::kLenRev3;
  }
  // Private chains: each cache points at the same CPU's cache one level up
  // (same type if split, else unified); the shared level hangs off the
  // cluster node, where Linux's walk numbers it after the private levels.
  for (std::size_t a = 0; a < first_shared; ++a) {
    const Inst* best = nullptr;
    for (std::size_t b = 0; b < first_shared; ++b) {
      if (inst[b].owner != inst[a].owner || inst[b].desc->level != inst[a].desc->level + 1) continue;
      if (!best || inst[b].desc->type == inst[a].desc->type ||
          (best->desc->type != inst[a].desc->type && inst[b].desc->type == cache::CacheKind::kUnified))
        best = &inst[b];
    }
    if (best) {
      inst[a].next = best->offset;
      const_cast<Inst*>(best)->referenced = true;
    }
  }
  std::vector<std::uint8_t> b(off, 0);
  std::uint32_t cache_id = 1;
  for (const auto& in : inst) {
    const std::size_t at = in.offset;
    const CacheLevelDesc& c = *in.desc;
    const auto s = std::span(b).subspan(at, ct::kLenRev3);
    s[layout::kType] = layout::kTypeCache;
    s[layout::kLength] = std::uint8_t(ct::kLenRev3);
    layout::put32(s, ct::kFlags, ct::kAllValidRev3);
    layout::put32(s, ct::kNextLevel, in.next);
    layout::put32(s, ct::kSize, std::uint32_t(c.geometry.size_bytes()));
    layout::put32(s, ct::kSets, c.geometry.sets);
    s[ct::kAssociativity] = std::uint8_t(c.geometry.ways);
    std::uint64_t attributes = 0;
    attributes = ct::kAllocationType.with(
        attributes, c.type == cache::CacheKind::kInstruction ? ct::kReadAllocate : ct::kReadWriteAllocate);
    attributes = ct::kCacheType.with(attributes, ct::cache_type_of(c.type));
    attributes = ct::kWritePolicy.with(attributes, ct::kWriteBack);
    s[ct::kAttributes] = std::uint8_t(attributes);
    layout::put16(s, ct::kLineSize, std::uint16_t(c.geometry.line_bytes));
    layout::put32(s, ct::kCacheId, cache_id++);
  }
  auto node = [&](std::uint32_t flags, std::uint32_t parent, std::uint32_t acpi_id,
                  const std::vector<std::uint32_t>& res) {
    const std::size_t at = b.size();
    b.resize(at + proc::length(res.size()), 0);
    const auto s = std::span(b).subspan(at);
    s[layout::kType] = layout::kTypeProcessor;
    s[layout::kLength] = std::uint8_t(proc::length(res.size()));
    layout::put32(s, proc::kFlags, flags);
    layout::put32(s, proc::kParent, parent);
    layout::put32(s, proc::kAcpiProcessorId, acpi_id);
    layout::put32(s, proc::kResourceCount, std::uint32_t(res.size()));
    for (std::size_t i = 0; i < res.size(); ++i) layout::put32(s, proc::kResources + 4 * i, res[i]);
    return std::uint32_t(at);
  };
  const std::uint32_t package = node(proc::kPhysicalPackage | proc::kAcpiIdValid | proc::kIdentical, 0, 0, {});
  for (unsigned k = 0; k < t.clusters; ++k) {
    std::vector<std::uint32_t> shared;
    for (std::size_t a = first_shared; a < inst.size(); ++a)
      if (inst[a].owner == k) shared.push_back(inst[a].offset);
    const std::uint32_t cluster = node(proc::kAcpiIdValid | proc::kIdentical, package, k, shared);
    for (unsigned i = k * per_cluster; i < (k + 1) * per_cluster; ++i) {
      std::vector<std::uint32_t> priv;
      for (std::size_t a = 0; a < first_shared; ++a)
        if (inst[a].owner == i && !inst[a].referenced) priv.push_back(inst[a].offset);
      node(proc::kAcpiIdValid | proc::kIsLeaf, cluster, i, priv);
    }
  }
  std::memcpy(b.data() + layout::header::kSignature, layout::kSignature, 4);
  layout::put32(b, layout::header::kLength, std::uint32_t(b.size()));
  b[layout::header::kRevision] = layout::kMaxRevision;
  std::memcpy(b.data() + layout::header::kOemId, "ARMCAC", 6);
  std::memcpy(b.data() + layout::header::kOemTableId, "ARMCACHE", 8);
  layout::put32(b, layout::header::kOemRevision, 1);
  std::memcpy(b.data() + layout::header::kCreatorId, "ARMC", 4);
  layout::put32(b, layout::header::kCreatorRevision, 1);
  std::uint8_t sum = 0;
  for (std::uint8_t x : b) sum = std::uint8_t(sum + x);
  b[layout::header::kChecksum] = std::uint8_t(-sum);
  return b;
}

}  // namespace armcache::firmware
