// Keeping a VM migratable to an older (or just different) kernel: what a VMM
// must do on the source so that the destination's QEMU loads the stream.
// Three layers (docs/migration-compat.md):
//   cache        the destination's CLIDR_EL1, CCSIDR and CTR_EL0 on every vCPU
//   register     ids the source lists and the destination does not: QEMU
//   list         refuses such a stream (target/arm/machine.c, cpu_post_load),
//                so they are hidden from the VMM's KVM_GET_REG_LIST where
//                that loses no state the guest can see
//   ID registers values the destination's KVM would refuse on load: the
//                destination's own, lower value written on the source
// A plan is possible when every difference has an action; otherwise the
// items that have none say why.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "armcache/identity/identity.h"
#include "armcache/identity/vcpu_surface.h"
#include "armcache/kernel/generation.h"
#include "armcache/plan/planner.h"

namespace armcache::plan {

enum class CompatAction : std::uint8_t {
  kWriteView,        // write the destination's cache view after each KVM_ARM_VCPU_INIT
  kHide,             // drop the id from KVM_GET_REG_LIST as the VMM sees it
  kWriteId,          // write the destination's value after each KVM_ARM_VCPU_INIT
  kKeep,             // differs, and the destination takes the source's value as it is
  kDestinationOnly,  // the destination lists it, the source does not: it keeps its reset value there
  kImpossible,
};
std::string_view compat_action_name(CompatAction a);  // "write-view", "hide", ...

struct CompatItem {
  std::string layer;  // "cache", "register list", "ID register"
  std::uint64_t id = 0;
  std::string name;   // "ID_AA64DFR0_EL1", "CCSIDR_EL1 (DEMUX 3)"
  CompatAction action = CompatAction::kImpossible;
  std::optional<std::uint64_t> source_value, dest_value;
  std::string why;    // one sentence, citing the architecture or the kernel
};

// One end of a migration: the kernel, its default guest view and its default
// vCPU (kvm show records both).
struct CompatEnd {
  kernel::KernelSpec kernel;
  identity::GuestView view;
  identity::VcpuSurface surface;
};

struct CompatPlan {
  std::vector<CompatItem> items;
  std::optional<identity::GuestView> view;  // to write on every vCPU (the destination's), if it differs
  std::vector<std::uint64_t> hide;          // sorted
  std::vector<std::pair<std::uint64_t, std::uint64_t>> id_writes;  // (id, value), in id order
  bool possible() const;
  // Some item needs armcache on the source (write-view, hide, write-id);
  // otherwise the destination takes the stream as it is.
  bool needs_compat() const;
  // Impossible if any item is, identical without items, else restorable.
  Verdict verdict() const;
};

CompatPlan plan_compat(const CompatEnd& source, const CompatEnd& dest);

}  // namespace armcache::plan
