#include "armcache/host/kinds.h"

#include <fmt/format.h>

#include <map>
#include <set>

namespace armcache::host {
namespace {

template <typename T>
std::string opt(const Tagged<T>& t) {
  return t.known() ? fmt::format("{}", *t.value) : std::string("?");
}

// Everything that makes two CPUs' cache registers differ.
std::string signature(const CpuInfo& c) {
  std::string s = opt(c.midr);
  for (const auto& k : c.caches)
    s += fmt::format("|{}{}:{}:{}:{}:{}", k.level, int(k.type), opt(k.size), opt(k.ways), opt(k.sets), opt(k.line));
  return s;
}

template <typename T>
bool agree(const Tagged<T>& a, const Tagged<T>& b) {
  return !a.known() || !b.known() || *a.value == *b.value;
}

// An unknown field (a missing sysfs file) is no difference: a CPU that agrees
// with a kind on everything both know joins it, and fills its gaps.
bool compatible(const CacheKindGroup& k, const CpuInfo& c) {
  if (!agree(k.midr, c.midr) || k.caches.size() != c.caches.size()) return false;
  for (std::size_t i = 0; i < c.caches.size(); ++i) {
    const CacheInfo &a = k.caches[i], &b = c.caches[i];
    if (a.level != b.level || a.type != b.type || !agree(a.size, b.size) || !agree(a.ways, b.ways) ||
        !agree(a.sets, b.sets) || !agree(a.line, b.line))
      return false;
  }
  return true;
}

template <typename T>
void fill(Tagged<T>& into, const Tagged<T>& from) {
  if (!into.known() && from.known()) into = from;
}

}  // namespace

std::vector<CacheKindGroup> group_kinds(const MergedHost& host) {
  std::vector<CacheKindGroup> kinds;
  std::map<std::string, std::size_t> index;  // exact signatures: the fast path on big hosts
  std::vector<std::vector<std::set<std::vector<unsigned>>>> instances;
  for (const auto& cpu : host.cpus) {
    const std::string sig = signature(cpu);
    std::size_t k;
    if (auto it = index.find(sig); it != index.end()) {
      k = it->second;
    } else {
      k = kinds.size();
      for (std::size_t j = 0; j < kinds.size(); ++j)
        if (compatible(kinds[j], cpu)) {
          k = j;
          break;
        }
      if (k == kinds.size()) {
        kinds.push_back({{}, cpu.caches, cpu.midr, {}, {}});
        instances.emplace_back(cpu.caches.size());
      } else {
        fill(kinds[k].midr, cpu.midr);
        for (std::size_t i = 0; i < cpu.caches.size(); ++i) {
          CacheInfo& c = kinds[k].caches[i];
          fill(c.size, cpu.caches[i].size);
          fill(c.ways, cpu.caches[i].ways);
          fill(c.sets, cpu.caches[i].sets);
          fill(c.line, cpu.caches[i].line);
        }
      }
      index.emplace(sig, k);
    }
    kinds[k].cpus.push_back(cpu.cpu);
    for (std::size_t i = 0; i < cpu.caches.size() && i < instances[k].size(); ++i) {
      const auto& sh = cpu.caches[i].shared_cpus;
      // Without a sharing list every CPU counts as its own instance.
      instances[k][i].insert(sh.known() ? *sh.value : std::vector<unsigned>{cpu.cpu});
    }
  }
  for (std::size_t k = 0; k < kinds.size(); ++k)
    for (const auto& s : instances[k]) {
      kinds[k].instances.push_back(unsigned(s.size()));
      kinds[k].sharing.emplace_back(s.begin(), s.end());
    }
  return kinds;
}

}  // namespace armcache::host
