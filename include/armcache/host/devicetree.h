// Device-tree reader (libfdt): each cpu node's L1 properties and its
// next-level-cache chain, plus cpu-map clusters. Reads a flattened blob (.dtb,
// /sys/firmware/fdt) or an unflattened directory (/proc/device-tree).
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "armcache/host/types.h"
#include "armcache/util/result.h"

namespace armcache::host {

// Logical CPU numbers follow the order of the cpu nodes under /cpus, as
// Linux assigns them on a DT boot (the boot CPU is normally first).
Result<SourceDescription> parse_dt_blob(std::span<const std::uint8_t> blob);
// A regular file is a blob; a directory is unflattened first.
Result<SourceDescription> read_dt(const std::string& path);

}  // namespace armcache::host
