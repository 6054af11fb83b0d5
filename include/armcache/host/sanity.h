// Sanity checks on a merged host: geometry that does not multiply out,
// single-set or single-way caches, missing fields, sharing that contradicts
// the level.
#pragma once

#include <string>
#include <vector>

#include "armcache/host/kinds.h"
#include "armcache/host/merge.h"

namespace armcache::host {

std::vector<std::string> sanity_warnings(const MergedHost& host, const std::vector<CacheKindGroup>& kinds);

}  // namespace armcache::host
