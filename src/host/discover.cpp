#include "armcache/host/discover.h"

#include <fmt/format.h>
#include <sys/stat.h>

#include "armcache/host/cpulist.h"
#include "armcache/host/devicetree.h"
#include "armcache/host/pptt.h"
#include "armcache/host/sanity.h"
#include "armcache/host/sysfs.h"

namespace armcache::host {
namespace {

bool exists(const std::string& p) {
  struct stat st;
  return ::stat(p.c_str(), &st) == 0;
}

}  // namespace

HostReport analyze(const std::vector<SourceDescription>& sources, std::optional<LiveRegisters> live) {
  HostReport r;
  r.live = live;
  r.merged = merge(sources);
  const auto groups = group_kinds(r.merged);
  std::optional<reg::Ctr> ctr;
  if (live) ctr = reg::Ctr(live->ctr_el0);
  r.warnings = r.merged.warnings;
  for (const auto& g : groups) {
    HostKindReport k{g, synthesize(g, ctr)};
    for (const auto& w : k.synth.warnings) r.warnings.push_back(fmt::format("cpu{}: {}", format_cpulist(g.cpus), w));
    r.kinds.push_back(std::move(k));
  }
  for (auto& w : sanity_warnings(r.merged, groups)) r.warnings.push_back(std::move(w));
  return r;
}

Result<HostReport> discover(const DiscoverOptions& o) {
  std::vector<SourceDescription> sources;
  const bool explicit_paths = o.sysfs_root || o.dt_path || o.pptt_path;
  if (explicit_paths) {
    if (o.sysfs_root) {
      auto s = read_sysfs(*o.sysfs_root);
      if (!s) return s.error();
      sources.push_back(std::move(*s));
    }
    if (o.dt_path) {
      auto s = read_dt(*o.dt_path);
      if (!s) return s.error();
      sources.push_back(std::move(*s));
    }
    if (o.pptt_path) {
      auto s = read_pptt(*o.pptt_path);
      if (!s) return s.error();
      sources.push_back(std::move(*s));
    }
  } else {
    // The live host: every default that exists.
    auto s = read_sysfs("/");
    if (!s) return s.error();
    sources.push_back(std::move(*s));
    for (const char* dt : {"/sys/firmware/fdt", "/proc/device-tree"}) {
      if (!exists(dt)) continue;
      if (auto d = read_dt(dt)) sources.push_back(std::move(*d));
      break;
    }
    if (exists("/sys/firmware/acpi/tables/PPTT"))
      if (auto p = read_pptt("/sys/firmware/acpi/tables/PPTT")) sources.push_back(std::move(*p));
  }
  std::optional<LiveRegisters> live;
  if (!explicit_paths && o.live_registers) live = read_live_registers();
  return analyze(sources, live);
}

identity::Host to_identity(const HostReport& report, std::string name) {
  identity::Host h;
  h.name = std::move(name);
  for (const auto& k : report.kinds) {
    identity::HostKind hk;
    hk.cpus = format_cpulist(k.group.cpus);
    hk.midr = k.group.midr.value;
    hk.clidr = k.synth.clidr;
    hk.ccsidr = k.synth.ccsidr;
    hk.ccidx = k.synth.ccidx;
    if (report.live) hk.ctr = reg::Ctr(report.live->ctr_el0);
    h.kinds.push_back(std::move(hk));
  }
  return h;
}

namespace {

template <typename T>
Json num(const Tagged<T>& t) {
  return t.known() ? Json(*t.value) : Json(nullptr);
}

}  // namespace

Json caches_to_json(const CacheKindGroup& kind) {
  Json arr = Json::array();
  for (const auto& c : kind.caches) {
    Json src = Json::object();
    const auto tag = [&](const char* key, Source s) {
      if (s != Source::kNone) src[key] = to_string(s);
    };
    tag("size_bytes", c.size.source);
    tag("ways", c.ways.source);
    tag("sets", c.sets.source);
    tag("line_bytes", c.line.source);
    tag("shared_cpus", c.shared_cpus.source);
    tag("allocation_policy", c.allocation_policy.source);
    tag("write_policy", c.write_policy.source);
    tag("id", c.id.source);
    arr.push_back(Json{{"level", c.level},
                       {"type", to_string(c.type)},
                       {"size_bytes", num(c.size)},
                       {"ways", num(c.ways)},
                       {"sets", num(c.sets)},
                       {"line_bytes", num(c.line)},
                       {"physical_line_partition", num(c.physical_line_partition)},
                       {"shared_cpus", c.shared_cpus.known() ? Json(format_cpulist(*c.shared_cpus.value)) : Json(nullptr)},
                       {"allocation_policy", num(c.allocation_policy)},
                       {"write_policy", num(c.write_policy)},
                       {"id", num(c.id)},
                       {"source", src}});
  }
  return arr;
}

Json confidence_to_json(const Synthesis& s) {
  Json j = Json::object();
  for (const auto& f : s.confidence) j[f.field] = to_string(f.confidence);
  return j;
}

Json report_to_json(const HostReport& r) {
  Json kinds = Json::array();
  for (const auto& k : r.kinds) {
    Json ccsidr = Json::object();
    for (const auto& [sel, v] : k.synth.ccsidr) ccsidr[fmt::format("{}", sel)] = fmt::format("{:#x}", v);
    Json why = Json::object();
    for (const auto& f : k.synth.confidence) why[f.field] = f.why;
    kinds.push_back(Json{
        {"cpus", format_cpulist(k.group.cpus)},
        {"midr", k.group.midr.known() ? Json(fmt::format("{:#x}", *k.group.midr.value)) : Json(nullptr)},
        {"caches", caches_to_json(k.group)},
        {"clidr", Json{{"value", fmt::format("{:#x}", k.synth.clidr.raw())},
                       {"confidence", confidence_to_json(k.synth)},
                       {"why", why}}},
        {"ccsidr_format", k.synth.ccidx ? "ccidx" : "32-bit"},
        {"ccsidr", ccsidr},
        {"undetermined", k.synth.undetermined},
    });
  }
  Json sources = Json::array();
  for (Source s : r.merged.sources) sources.push_back(to_string(s));
  Json j{{"sources", sources}, {"kinds", kinds}};
  j["ctr_el0"] = r.live ? Json(fmt::format("{:#x}", r.live->ctr_el0)) : Json(nullptr);
  j["warnings"] = r.warnings;
  return j;
}

}  // namespace armcache::host
