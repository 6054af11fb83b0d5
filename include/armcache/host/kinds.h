// Groups CPUs into cache kinds: CPUs with the same MIDR and the same caches
// (level, type, size, ways, sets, line), i.e. the same cache ID registers. A
// heterogeneous host has several kinds. Sharing is not part of a kind (an L2
// private to one core and one shared by two read the same registers); each
// kind keeps every sharing group its CPUs have (docs/host-discovery.md).
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
  // The distinct sets of CPUs sharing each cache (same index as caches),
  // sorted; a CPU without a sharing list counts as a group of its own.
  std::vector<std::vector<std::vector<unsigned>>> sharing;
};

std::vector<CacheKindGroup> group_kinds(const MergedHost& host);

}  // namespace armcache::host
