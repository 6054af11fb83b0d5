// Merges source descriptions into one host description: for every CPU and
// cache, each field from the first source that knows it (sysfs, then PPTT,
// then device tree: sysfs is what the running kernel made of the firmware
// tables). Every disagreement between sources is reported.
#pragma once

#include <string>
#include <vector>

#include "armcache/host/types.h"

namespace armcache::host {

struct Conflict {
  unsigned cpu;
  std::string what;   // "L2 Unified sets" or "MIDR"
  std::string values; // "sysfs 2048, dt 1024"
};

struct MergedHost {
  std::vector<CpuInfo> cpus;  // ordered by cpu
  std::vector<Conflict> conflicts;
  std::vector<std::string> warnings;  // the sources' own warnings, prefixed with the source
  std::vector<Source> sources;        // the sources that took part
};

MergedHost merge(const std::vector<SourceDescription>& sources);

}  // namespace armcache::host
