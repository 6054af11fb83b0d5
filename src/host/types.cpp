#include "armcache/host/types.h"

#include <algorithm>
#include <tuple>

namespace armcache::host {

std::string_view to_string(Source s) {
  switch (s) {
    case Source::kSysfs: return "sysfs";
    case Source::kDeviceTree: return "dt";
    case Source::kPptt: return "pptt";
    case Source::kRegisters: return "registers";
    case Source::kDerived: return "derived";
    case Source::kNone: break;
  }
  return "none";
}


void sort_caches(std::vector<CacheInfo>& caches) {
  std::stable_sort(caches.begin(), caches.end(), [](const CacheInfo& a, const CacheInfo& b) {
    return std::tie(a.level, a.type) < std::tie(b.level, b.type);
  });
}

}  // namespace armcache::host
