#include "armcache/host/merge.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <tuple>

#include "armcache/util/cpulist.h"

namespace armcache::host {
namespace {

// sysfs is the running kernel's reading of the firmware tables, so it goes
// first; PPTT carries ways directly, DT only through derivation.
int rank(Source s) {
  switch (s) {
    case Source::kSysfs: return 0;
    case Source::kPptt: return 1;
    case Source::kDeviceTree: return 2;
    case Source::kRegisters: return 3;
    default: return 4;
  }
}

template <typename T>
std::string show(const T& v) {
  if constexpr (std::is_same_v<T, std::vector<unsigned>>) return format_cpulist(v);
  else return fmt::format("{}", v);
}

// Takes the first known value; every other known value that differs is a
// conflict. Strings are built only for a conflict: this runs for every field
// of every cache of every CPU.
template <typename T, typename What>
void pick(const std::vector<std::pair<Source, const Tagged<T>*>>& cands, Tagged<T>& out, unsigned cpu,
          const What& what, std::vector<Conflict>& conflicts) {
  bool differ = false;
  for (const auto& [src, t] : cands) {
    if (!t->known()) continue;
    if (!out.known()) out = *t;
    else if (*t->value != *out.value) differ = true;
  }
  if (!differ) return;
  std::string values;
  for (const auto& [src, t] : cands)
    if (t->known()) values += fmt::format("{}{} {}", values.empty() ? "" : ", ", to_string(src), show(*t->value));
  conflicts.push_back({cpu, what(), values});
}

}  // namespace

MergedHost merge(const std::vector<SourceDescription>& input) {
  MergedHost out;
  std::vector<const SourceDescription*> srcs;
  for (const auto& s : input) srcs.push_back(&s);
  std::stable_sort(srcs.begin(), srcs.end(), [](auto* a, auto* b) { return rank(a->source) < rank(b->source); });
  std::map<unsigned, std::vector<std::pair<Source, const CpuInfo*>>> by_cpu;
  for (const auto* s : srcs) {
    out.sources.push_back(s->source);
    for (const auto& w : s->warnings) out.warnings.push_back(fmt::format("{}: {}", to_string(s->source), w));
    for (const auto& c : s->cpus) by_cpu[c.cpu].push_back({s->source, &c});
  }
  // CPU counts that differ mean the sources describe different machines or
  // number CPUs differently: say so once.
  for (std::size_t i = 1; i < srcs.size(); ++i)
    if (srcs[i]->cpus.size() != srcs[0]->cpus.size())
      out.warnings.push_back(fmt::format("{} describes {} CPUs, {} describes {}", to_string(srcs[0]->source),
                                         srcs[0]->cpus.size(), to_string(srcs[i]->source), srcs[i]->cpus.size()));
  // Named variables, not structured bindings: clang 14 cannot capture those.
  for (const auto& cpu_entry : by_cpu) {
    const unsigned cpu = cpu_entry.first;
    const auto& views = cpu_entry.second;
    CpuInfo m;
    m.cpu = cpu;
    const auto cands = [&](auto member) {
      std::vector<std::pair<Source, const std::remove_reference_t<decltype(views[0].second->*member)>*>> v;
      for (const auto& [src, info] : views) v.push_back({src, &(info->*member)});
      return v;
    };
    pick(cands(&CpuInfo::midr), m.midr, cpu, [] { return std::string("MIDR"); }, out.conflicts);
    pick(cands(&CpuInfo::revidr), m.revidr, cpu, [] { return std::string("REVIDR"); }, out.conflicts);
    // Cluster and package ids are numbered differently by each source; only
    // the first known is kept, without comparing.
    for (const auto& [src, info] : views) {
      if (!m.cluster_id.known() && info->cluster_id.known()) m.cluster_id = info->cluster_id;
      if (!m.package_id.known() && info->package_id.known()) m.package_id = info->package_id;
    }
    std::map<std::pair<unsigned, cache::CacheKind>, std::vector<std::pair<Source, const CacheInfo*>>> caches;
    for (const auto& [src, info] : views)
      for (const auto& c : info->caches) caches[{c.level, c.type}].push_back({src, &c});
    for (const auto& cache_entry : caches) {
      const auto& key = cache_entry.first;
      const auto& cv = cache_entry.second;
      CacheInfo c;
      c.level = key.first;
      c.type = key.second;
      const auto what = [&c] { return fmt::format("L{} {}", c.level, to_string(c.type)); };
      const auto field = [&](auto member, const char* name) {
        std::vector<std::pair<Source, const std::remove_reference_t<decltype(cv[0].second->*member)>*>> v;
        for (const auto& [src, ci] : cv) v.push_back({src, &(ci->*member)});
        pick(v, c.*member, cpu, [&] { return what() + " " + name; }, out.conflicts);
      };
      field(&CacheInfo::size, "size");
      field(&CacheInfo::ways, "ways");
      field(&CacheInfo::sets, "sets");
      field(&CacheInfo::line, "line");
      field(&CacheInfo::physical_line_partition, "physical_line_partition");
      field(&CacheInfo::shared_cpus, "shared CPUs");
      field(&CacheInfo::allocation_policy, "allocation policy");
      field(&CacheInfo::write_policy, "write policy");
      field(&CacheInfo::id, "id");
      if (cv.size() < views.size()) {
        std::string have, lack;
        for (const auto& view : views) {
          const Source src = view.first;
          const bool has = std::any_of(cv.begin(), cv.end(), [&](auto& p) { return p.first == src; });
          (has ? have : lack) += fmt::format("{}{}", (has ? have : lack).empty() ? "" : ", ", to_string(src));
        }
        out.conflicts.push_back({cpu, what(), fmt::format("present in {}, absent from {}", have, lack)});
      }
      m.caches.push_back(std::move(c));
    }
    sort_caches(m.caches);
    out.cpus.push_back(std::move(m));
  }
  return out;
}

}  // namespace armcache::host
