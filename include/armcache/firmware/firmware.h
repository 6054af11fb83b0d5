// Guest firmware tables that describe exactly the cache hierarchy of a guest
// view: the levels and types of its CLIDR_EL1, the geometry of its CCSIDR
// values. A Linux guest counts cache leaves from DT/PPTT but takes their
// types from CLIDR (docs/vmm-interposer.md); tables and CLIDR that disagree make
// it drop every cache, so both come from the same view here.
//
// Topology: `vcpus` CPUs in `clusters` equal clusters of one package. L1 is
// private to each CPU, the highest level (above L1) is shared by the CPUs of
// a cluster, levels in between are private: the common Arm arrangement
// (CLIDR does not say who shares what). Tag caches are not described (Linux
// has no cache leaf for them).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "armcache/cache/geometry.h"
#include "armcache/cache/selectors.h"
#include "armcache/identity/identity.h"
#include "armcache/util/result.h"

namespace armcache::firmware {

struct Topology {
  unsigned vcpus = 1;
  unsigned clusters = 1;
};


struct CacheLevelDesc {
  unsigned level;      // 1..7
  cache::CacheKind type;
  cache::Geometry geometry;
  bool cluster_shared;  // one instance per cluster, else one per CPU
};

struct Description {
  std::vector<CacheLevelDesc> caches;  // by level, then Data, Instruction, Unified
  std::vector<std::string> warnings;   // fabricated or truncated values
};

// Fails on reserved Ctype encodings, zero CCSIDR values for described
// caches, and topologies that do not divide evenly.
Result<Description> describe(const identity::GuestView& v, Topology t);

// The /cpus subtree (cpu nodes with L1 properties, cpu-map clusters, cache
// nodes chained by next-level-cache) as DTS source, and the same tree as a
// flattened blob. cpu reg values are the MPIDR KVM gives vCPU i by default.
Result<std::string> device_tree_source(const identity::GuestView& v, Topology t);
Result<std::vector<std::uint8_t>> device_tree_blob(const identity::GuestView& v, Topology t);

// The same description added to a device tree the VMM generated itself
// (QEMU: -machine dumpdtb=FILE), for the VMM to boot the guest with (QEMU:
// -dtb): L1 properties and next-level-cache in every /cpus cpu node, the
// cpu nodes taken in the order of their reg (MPIDR) values as vCPU 0, 1,
// ..., and the cache nodes under /cpus with phandles above the tree's
// highest. The tree's own nodes and properties are kept as they are.
// Refuses a blob that is not a valid tree, has no cpu nodes, already
// describes caches, or whose CPUs do not split into `clusters`.
struct MergedDtb {
  std::vector<std::uint8_t> blob;
  Topology topology;        // the tree's CPUs in `clusters` clusters
  Description description;  // what was added
};
Result<MergedDtb> merge_into_dtb(const identity::GuestView& v, unsigned clusters, std::span<const std::uint8_t> dtb);

// ACPI PPTT revision 3: a package, one node per cluster, a leaf per CPU
// (ACPI processor id = CPU index), cache type structures with all eight
// validity flags and unique non-zero cache ids.
Result<std::vector<std::uint8_t>> pptt(const identity::GuestView& v, Topology t);

// KVM's default MPIDR_EL1 affinity for vCPU `i` (Aff0 = i & 15, Aff1 = i >> 4).
constexpr std::uint32_t vcpu_mpidr(unsigned i) { return ((i >> 4) & 0xff) << 8 | (i & 0xf); }

}  // namespace armcache::firmware
