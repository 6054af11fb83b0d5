// sysfs cacheinfo reader: <root>/sys/devices/system/cpu/cpuN/{cache/indexM,
// topology, regs/identification}. root follows lscpu --sysroot: "/" on the
// live host, or a directory holding a captured copy.
#pragma once

#include <string>

#include "armcache/host/types.h"
#include "armcache/util/result.h"

namespace armcache::host {

// Fails (one line) only when the cpu directory cannot be opened; every
// missing or malformed file is a warning.
Result<SourceDescription> read_sysfs(const std::string& root);

}  // namespace armcache::host
