// The migration planner: can a destination host and kernel present exactly
// the guest view a VM was saved with, and which ONE_REG writes make it so.
// Every verdict comes from running the writes on the destination's kernel
// model, so the reasons are the kernel's own refusals.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "armcache/identity/identity.h"
#include "armcache/kernel/vcpu_model.h"

namespace armcache::plan {

enum class Verdict : std::uint8_t { kIdentical, kRestorable, kImpossible };
std::string_view verdict_name(Verdict v);

struct Write {
  std::string register_name;  // "CLIDR_EL1", "CTR_EL0", "CCSIDR_EL1[2]"
  std::uint64_t id;
  std::uint64_t value;
};

struct Plan {
  Verdict verdict = Verdict::kIdentical;
  std::vector<Write> writes;         // in the order to apply them (restorable only)
  std::vector<std::string> reasons;  // why it is impossible, each ending "(ERRNO)" when KVM refuses
  std::vector<std::string> warnings;
};

// What the saved view needs to be understood.
struct Source {
  identity::GuestView view;
  kernel::Generation generation = kernel::Generation::k610To615;  // of the kernel it was saved on
};

Plan plan_restore(const Source& source, const kernel::KernelSpec& dest_kernel, const kernel::HostInput& dest,
                  kernel::VmConfig vm = {});

// The warning for a view (the model's current one) that a vCPU reset on
// this kernel would undo; nullopt when a reset keeps it.
std::optional<std::string> reset_warning(const kernel::VcpuModel& model, const kernel::KernelSpec& kernel);

}  // namespace armcache::plan
