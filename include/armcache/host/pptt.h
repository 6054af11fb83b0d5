// ACPI PPTT (Processor Properties Topology Table) parser, revisions 1 to 3:
// processor hierarchy nodes (type 0) and cache type structures (type 1).
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "armcache/host/types.h"
#include "armcache/util/result.h"

namespace armcache::host {

// Fails on a table that cannot be walked at all (short, wrong signature,
// length beyond the data); every bad structure, offset or loop inside is a
// warning and the structure is skipped. Logical CPU numbers follow the
// order of leaf processor nodes in the table (Linux maps them through the
// MADT, which has the same order on the firmware seen so far).
Result<SourceDescription> parse_pptt(std::span<const std::uint8_t> table);
Result<SourceDescription> read_pptt(const std::string& path);

}  // namespace armcache::host
