#include "armcache/host/discover.h"

#include <fmt/format.h>
#include <sys/stat.h>

#include "armcache/util/cpulist.h"
#include "armcache/host/devicetree.h"
#include "armcache/host/pptt.h"
#include "armcache/host/sanity.h"
#include "armcache/host/sysfs.h"
#include "armcache/util/parse.h"

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
    if (!k.synth.missing_geometry.empty())
      r.warnings.push_back(fmt::format("cpu{}: {}", format_cpulist(g.cpus), k.synth.missing_geometry));
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
void field(JsonWriter& w, std::string_view key, const Tagged<T>& t) {
  w.key(key);
  if (t.known()) w.value(*t.value);
  else w.null();
}

}  // namespace

void write_caches(JsonWriter& w, const CacheKindGroup& kind) {
  w.begin_array();
  for (std::size_t i = 0; i < kind.caches.size(); ++i) {
    const CacheInfo& c = kind.caches[i];
    w.begin_object();
    w.member("level", c.level).member("type", to_string(c.type));
    field(w, "size_bytes", c.size);
    field(w, "ways", c.ways);
    field(w, "sets", c.sets);
    field(w, "line_bytes", c.line);
    field(w, "physical_line_partition", c.physical_line_partition);
    w.key("shared_cpus");
    if (c.shared_cpus.known()) w.value(format_cpulist(*c.shared_cpus.value));
    else w.null();
    // Every group of CPUs sharing this cache across the kind ("0-1", "2-3", "4").
    w.key("sharing").begin_array();
    if (i < kind.sharing.size())
      for (const auto& g : kind.sharing[i]) w.value(format_cpulist(g));
    w.end_array();
    field(w, "allocation_policy", c.allocation_policy);
    field(w, "write_policy", c.write_policy);
    field(w, "id", c.id);
    w.key("source").begin_object();
    const auto tag = [&](const char* key, Source s) {
      if (s != Source::kNone) w.member(key, to_string(s));
    };
    tag("size_bytes", c.size.source);
    tag("ways", c.ways.source);
    tag("sets", c.sets.source);
    tag("line_bytes", c.line.source);
    tag("shared_cpus", c.shared_cpus.source);
    tag("allocation_policy", c.allocation_policy.source);
    tag("write_policy", c.write_policy.source);
    tag("id", c.id.source);
    w.end_object();
    w.end_object();
  }
  w.end_array();
}

void write_confidence(JsonWriter& w, const Synthesis& s) {
  w.begin_object();
  for (const auto& f : s.confidence) w.member(f.field, to_string(f.confidence));
  w.end_object();
}

Json caches_to_json(const CacheKindGroup& kind) {
  std::string text;
  JsonWriter w(text, 0);
  write_caches(w, kind);
  // Our own writer's text always parses; never throw (a bug shows as a discarded value).
  return Json::parse(text, nullptr, /*allow_exceptions=*/false);
}

Json confidence_to_json(const Synthesis& s) {
  std::string text;
  JsonWriter w(text, 0);
  write_confidence(w, s);
  return Json::parse(text, nullptr, /*allow_exceptions=*/false);
}

std::string report_to_json(const HostReport& r) {
  std::string out;
  out.reserve(4096 + 2048 * r.kinds.size());
  JsonWriter w(out);
  w.begin_object();
  w.key("sources").begin_array();
  for (Source s : r.merged.sources) w.value(to_string(s));
  w.end_array();
  w.key("kinds").begin_array();
  for (const auto& k : r.kinds) {
    w.begin_object();
    w.member("cpus", format_cpulist(k.group.cpus));
    w.key("midr");
    if (k.group.midr.known()) w.value(hex(*k.group.midr.value));
    else w.null();
    w.key("caches");
    write_caches(w, k.group);
    w.key("clidr").begin_object();
    w.member("value", hex(k.synth.clidr.raw()));
    w.key("confidence");
    write_confidence(w, k.synth);
    w.key("why").begin_object();
    for (const auto& f : k.synth.confidence) w.member(f.field, f.why);
    w.end_object();
    w.end_object();
    w.member("ccsidr_format", k.synth.ccidx ? "ccidx" : "32-bit");
    w.key("ccsidr").begin_object();
    for (const auto& [sel, v] : k.synth.ccsidr) w.member(std::to_string(sel), hex(v));
    w.end_object();
    w.key("missing_geometry");
    if (k.synth.missing_geometry.empty()) w.null();
    else w.value(k.synth.missing_geometry);
    w.key("undetermined").begin_array();
    for (const auto& u : k.synth.undetermined) w.value(u);
    w.end_array();
    w.end_object();
  }
  w.end_array();
  w.key("ctr_el0");
  if (r.live) w.value(hex(r.live->ctr_el0));
  else w.null();
  w.key("warnings").begin_array();
  for (const auto& m : r.warnings) w.value(m);
  w.end_array();
  w.end_object();
  out += '\n';
  return out;
}

}  // namespace armcache::host
