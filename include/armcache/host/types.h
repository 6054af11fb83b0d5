// Host discovery data: caches and CPUs as one source (sysfs, device tree,
// ACPI PPTT, live registers) describes them, every field tagged with where it
// came from so merged descriptions can say which source won.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "armcache/cache/selectors.h"

namespace armcache::host {

enum class Source : std::uint8_t { kNone, kSysfs, kDeviceTree, kPptt, kRegisters, kDerived };
std::string_view to_string(Source s);  // "sysfs", "dt", "pptt", "registers", "derived", "none"

// A value and the source it came from; empty when no source knew it.
template <typename T>
struct Tagged {
  std::optional<T> value;
  Source source = Source::kNone;

  bool known() const { return value.has_value(); }
  void set(T v, Source s) {
    value = std::move(v);
    source = s;
  }
  bool operator==(const Tagged&) const = default;
};

struct CacheInfo {
  unsigned level = 0;  // 1..7
  // Data, Instruction or Unified (never Tag): cache::to_string gives the sysfs
  // "type" names, which are also lscpu's TYPE column.
  cache::CacheKind type = cache::CacheKind::kUnified;
  Tagged<std::uint64_t> size;
  Tagged<std::uint32_t> ways;
  Tagged<std::uint32_t> sets;
  Tagged<std::uint32_t> line;                 // coherency_line_size, bytes
  Tagged<std::uint32_t> physical_line_partition;
  Tagged<std::vector<unsigned>> shared_cpus;  // sorted CPU numbers
  Tagged<std::string> allocation_policy;      // "ReadAllocate", "WriteAllocate", "ReadWriteAllocate"
  Tagged<std::string> write_policy;           // "WriteBack", "WriteThrough"
  Tagged<std::uint32_t> id;
  bool operator==(const CacheInfo&) const = default;
};

struct CpuInfo {
  unsigned cpu = 0;  // Linux logical CPU number
  Tagged<std::uint64_t> midr;
  Tagged<std::uint64_t> revidr;
  Tagged<std::int64_t> cluster_id;
  Tagged<std::int64_t> package_id;
  std::vector<CacheInfo> caches;  // ordered by level, then Data/Instruction/Unified
  bool operator==(const CpuInfo&) const = default;
};

// What one source says about the host.
struct SourceDescription {
  Source source = Source::kNone;
  std::string origin;          // the path read
  std::vector<CpuInfo> cpus;   // ordered by cpu
  std::vector<std::string> warnings;
};

// Orders caches by level, then Data, Instruction, Unified (CSSELR order within a level
// is D/U then I; this is lscpu's order).
void sort_caches(std::vector<CacheInfo>& caches);

}  // namespace armcache::host
