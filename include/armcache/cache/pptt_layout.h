// The layout of ACPI's PPTT (Processor Properties Topology Table, ACPI 6.5
// section 5.2.30): the table header, processor hierarchy nodes (type 0) and
// cache type structures (type 1). One description, so that host's parser
// and firmware's writer cannot disagree on an offset or a flag bit.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "armcache/cache/selectors.h"
#include "armcache/registers/field.h"

namespace armcache::cache::pptt {

// Little-endian fields at a byte offset; the caller has checked the length.
constexpr std::uint16_t get16(std::span<const std::uint8_t> b, std::size_t at) {
  return std::uint16_t(b[at] | b[at + 1] << 8);
}
constexpr std::uint32_t get32(std::span<const std::uint8_t> b, std::size_t at) {
  return std::uint32_t(b[at]) | std::uint32_t(b[at + 1]) << 8 | std::uint32_t(b[at + 2]) << 16 |
         std::uint32_t(b[at + 3]) << 24;
}
constexpr void put16(std::span<std::uint8_t> b, std::size_t at, std::uint16_t v) {
  b[at] = std::uint8_t(v);
  b[at + 1] = std::uint8_t(v >> 8);
}
constexpr void put32(std::span<std::uint8_t> b, std::size_t at, std::uint32_t v) {
  for (std::size_t i = 0; i < 4; ++i) b[at + i] = std::uint8_t(v >> (8 * i));
}

// The ACPI table header every system description table starts with.
namespace header {
inline constexpr std::size_t kSignature = 0;    // 4 bytes, "PPTT"
inline constexpr std::size_t kLength = 4;       // of the whole table
inline constexpr std::size_t kRevision = 8;     // 1 byte
inline constexpr std::size_t kChecksum = 9;     // 1 byte: all bytes of the table add up to 0
inline constexpr std::size_t kOemId = 10;       // 6 bytes
inline constexpr std::size_t kOemTableId = 16;  // 8 bytes
inline constexpr std::size_t kOemRevision = 24;
inline constexpr std::size_t kCreatorId = 28;  // 4 bytes
inline constexpr std::size_t kCreatorRevision = 32;
inline constexpr std::size_t kLen = 36;
}  // namespace header

inline constexpr char kSignature[4] = {'P', 'P', 'T', 'T'};
inline constexpr std::uint8_t kMaxRevision = 3;

// Every structure after the header starts with its type and length.
inline constexpr std::size_t kType = 0;
inline constexpr std::size_t kLength = 1;
inline constexpr std::uint8_t kTypeProcessor = 0;
inline constexpr std::uint8_t kTypeCache = 1;

// Processor hierarchy node (type 0); the private resources (offsets of
// cache structures) follow the fixed part.
namespace processor {
inline constexpr std::size_t kFlags = 4;
inline constexpr std::size_t kParent = 8;  // offset of the parent node, 0 for none
inline constexpr std::size_t kAcpiProcessorId = 12;
inline constexpr std::size_t kResourceCount = 16;
inline constexpr std::size_t kResources = 20;  // 4 bytes each
inline constexpr std::size_t kLen = 20;        // without the resources
constexpr std::size_t length(std::size_t resources) { return kLen + 4 * resources; }

inline constexpr std::uint32_t kPhysicalPackage = 1u << 0;
inline constexpr std::uint32_t kAcpiIdValid = 1u << 1;
inline constexpr std::uint32_t kIsThread = 1u << 2;   // revision 2
inline constexpr std::uint32_t kIsLeaf = 1u << 3;     // revision 2
inline constexpr std::uint32_t kIdentical = 1u << 4;  // revision 2
inline constexpr std::uint32_t kRevision2Flags = kIsThread | kIsLeaf | kIdentical;
}  // namespace processor

// Cache type structure (type 1).
namespace cache_type {
inline constexpr std::size_t kFlags = 4;
inline constexpr std::size_t kNextLevel = 8;  // offset of the next level's structure, 0 for none
inline constexpr std::size_t kSize = 12;      // bytes
inline constexpr std::size_t kSets = 16;
inline constexpr std::size_t kAssociativity = 20;  // 1 byte
inline constexpr std::size_t kAttributes = 21;     // 1 byte, the fields below
inline constexpr std::size_t kLineSize = 22;       // 2 bytes
inline constexpr std::size_t kCacheId = 24;        // revision 3
inline constexpr std::size_t kLen = 24;
inline constexpr std::size_t kLenRev3 = 28;

inline constexpr std::uint32_t kSizeValid = 1u << 0;
inline constexpr std::uint32_t kSetsValid = 1u << 1;
inline constexpr std::uint32_t kAssociativityValid = 1u << 2;
inline constexpr std::uint32_t kAllocationTypeValid = 1u << 3;
inline constexpr std::uint32_t kCacheTypeValid = 1u << 4;
inline constexpr std::uint32_t kWritePolicyValid = 1u << 5;
inline constexpr std::uint32_t kLineSizeValid = 1u << 6;
inline constexpr std::uint32_t kCacheIdValid = 1u << 7;  // revision 3
inline constexpr std::uint32_t kAllValidRev3 = (1u << 8) - 1;

// The Attributes byte.
inline constexpr reg::Field kAllocationType{"AllocationType", 1, 0};
inline constexpr reg::Field kCacheType{"CacheType", 3, 2};
inline constexpr reg::Field kWritePolicy{"WritePolicy", 4, 4};
inline constexpr unsigned kReadAllocate = 0, kWriteAllocate = 1,
                          kReadWriteAllocate = 2;  // 3 too
inline constexpr unsigned kWriteBack = 0, kWriteThrough = 1;

// Cache Type: 0 data, 1 instruction, 2 and 3 unified.
constexpr CacheKind kind_of(unsigned cache_type) {
  return cache_type == 0 ? CacheKind::kData : cache_type == 1 ? CacheKind::kInstruction : CacheKind::kUnified;
}
constexpr unsigned cache_type_of(CacheKind k) {
  return k == CacheKind::kData ? 0 : k == CacheKind::kInstruction ? 1 : 2;
}
}  // namespace cache_type

}  // namespace armcache::cache::pptt
