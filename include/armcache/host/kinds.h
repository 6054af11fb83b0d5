// Groups CPUs into cache kinds: CPUs with the same MIDR, the same caches
// (level, type, size, ways, sets, line) and the same sharing pattern (how
// many CPUs share each cache). A heterogeneous host has several kinds.
#pragma once

#include <vector>

#include "armcache/host/merge.h"
#include "armcache/host/types.h"

namespace armcache::host {

struct CacheKindGroup {
  std::vector<unsigned> cpus;      // sorted
  std::vector<CacheInfo> caches;   // of the first CPU of the kind
  Tagged<std::uint64_t> midr;      // of the first CPU
  // Distinct instances of each cache across the kind's CPUs (same index as
  // caches): lscpu's ALL-SIZE is size x instances.
  std::vector<unsigned> instances;
};

std::vector<CacheKindGroup> group_kinds(const MergedHost& host);

}  // namespace armcache::host
