// Linux cpulists ("0-3,8,10-11"), as sysfs shared_cpu_list and topology
// files write them.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "armcache/util/result.h"

namespace armcache {

// CPU numbers above this are rejected rather than expanded: a corrupt list
// must not allocate gigabytes.
inline constexpr unsigned kMaxCpus = 1u << 16;

// Sorted, duplicates removed. Trailing newline and spaces are accepted.
Result<std::vector<unsigned>> parse_cpulist(std::string_view text);
std::string format_cpulist(const std::vector<unsigned>& sorted_cpus);

}  // namespace armcache
