#include "armcache/host/sanity.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "armcache/util/cpulist.h"

namespace armcache::host {

std::vector<std::string> sanity_warnings(const MergedHost& host, const std::vector<CacheKindGroup>& kinds) {
  std::vector<std::string> w;
  for (const auto& c : host.conflicts)
    w.push_back(fmt::format("cpu{} {}: sources disagree: {}", c.cpu, c.what, c.values));
  for (const auto& k : kinds) {
    const std::string cpus = format_cpulist(k.cpus);
    for (const auto& c : k.caches) {
      const std::string name = fmt::format("cpu{} L{} {}", cpus, c.level, to_string(c.type));
      if (c.size.known() && c.ways.known() && c.sets.known() && c.line.known()) {
        const std::uint64_t product = std::uint64_t(*c.ways.value) * *c.sets.value * *c.line.value;
        if (product != *c.size.value)
          w.push_back(fmt::format("{}: size {} != {} ways x {} sets x {} bytes = {}", name, *c.size.value,
                                  *c.ways.value, *c.sets.value, *c.line.value, product));
      }
      if ((c.ways.known() && *c.ways.value == 1) || (c.sets.known() && *c.sets.value == 1))
        w.push_back(fmt::format("{}: {} way(s) x {} set(s): what KVM fabricates for guests since Linux 6.3, not "
                                "real hardware", name, c.ways.known() ? fmt::format("{}", *c.ways.value) : "?",
                                c.sets.known() ? fmt::format("{}", *c.sets.value) : "?"));
      // Unknown geometry is said once per kind by the synthesis.
    }
    if (k.cpus.size() > 0 && kinds.size() > 1 && &k == &kinds.front())
      w.push_back(fmt::format("heterogeneous host: {} cache kinds; cpu0 alone does not describe it", kinds.size()));
  }
  // Sharing: every CPU is in its own caches' lists, a higher level is shared
  // by at least the CPUs sharing the level below, and all sharers agree.
  std::map<unsigned, const CpuInfo*> by_cpu;
  for (const auto& c : host.cpus) by_cpu[c.cpu] = &c;
  std::vector<std::string> sharing;
  for (const auto& cpu : host.cpus) {
    const std::vector<unsigned>* below = nullptr;
    for (const auto& c : cpu.caches) {
      if (!c.shared_cpus.known()) continue;
      const auto& sh = *c.shared_cpus.value;
      const std::string name = fmt::format("cpu{} L{} {}", cpu.cpu, c.level, to_string(c.type));
      if (!std::binary_search(sh.begin(), sh.end(), cpu.cpu))
        sharing.push_back(fmt::format("{}: shared CPU list {} lacks the CPU itself", name, format_cpulist(sh)));
      if (below && c.level > 1 && !std::includes(sh.begin(), sh.end(), below->begin(), below->end()))
        sharing.push_back(fmt::format("{}: shared by {}, fewer than the level below ({})", name, format_cpulist(sh),
                                      format_cpulist(*below)));
      // Comparing with the first sharer is enough: any CPU that disagrees
      // with it is reported from its own side (keeps 512-CPU hosts linear).
      if (!sh.empty() && sh.front() != cpu.cpu) {
        auto it = by_cpu.find(sh.front());
        if (it != by_cpu.end())
          for (const auto& oc : it->second->caches)
            if (oc.level == c.level && oc.type == c.type && oc.shared_cpus.known() && *oc.shared_cpus.value != sh) {
              sharing.push_back(fmt::format("{}: shared by {}, but cpu{} says {}", name, format_cpulist(sh),
                                            sh.front(), format_cpulist(*oc.shared_cpus.value)));
              break;
            }
      }
      if (c.type == cache::CacheKind::kUnified || c.type == cache::CacheKind::kData) below = &sh;
    }
  }
  // A broken map repeats on every CPU: cap the list.
  if (sharing.size() > 16) {
    const std::size_t n = sharing.size();
    sharing.resize(16);
    sharing.push_back(fmt::format("... and {} more sharing problems", n - 16));
  }
  w.insert(w.end(), sharing.begin(), sharing.end());
  return w;
}

}  // namespace armcache::host
