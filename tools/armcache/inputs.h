// Inputs several commands share: a host from a profile or a QEMU model, a
// kernel, a saved guest view.
#pragma once

#include <ostream>
#include <string>

#include "armcache/identity/identity.h"
#include "armcache/kernel/generation.h"
#include "armcache/kernel/vcpu_model.h"
#include "armcache/kvm/nearest.h"
#include "armcache/profile/profile.h"
#include "cli.h"

namespace armcache::cli {

// Exactly one of `file` (a profile holding a host) or `qemu_model`.
identity::Host load_host(const std::string& file, const std::string& qemu_model);
kernel::KernelSpec load_kernel(const std::string& text);
// kernel-view and plan: one stderr line when the kernel is newer than the
// newest line the models were proven on (the exit status stays as it is).
void warn_if_unproven(const kernel::KernelSpec& k);
// A capture made off the arm64 host (from a copied sysfs tree) lacks
// CTR_EL0: --ctr's value, when given, is used for the kinds without one.
void apply_ctr_option(identity::Host& host, const std::string& ctr_text);
// What the kernel models need of `host`, failing as bad input with a message
// that names where the host came from.
kernel::HostInput host_input_of(const identity::Host& host, const std::string& source, std::size_t cpu_kind);
// The --ctr option's help, shared by the commands that take it.
inline constexpr const char* kCtrHelp =
    "CTR_EL0 of the host, for CPU kinds its file lacks one (a capture made from a copied sysfs tree); "
    "hexadecimal";
// A profile that holds a guest view.
profile::Profile load_guest_profile(const std::string& file);
std::string qemu_model_names();

// uname -r, "unknown" if uname fails.
std::string uname_release();
// The guest view of a profile (bad input if it holds none).
identity::GuestView load_view(const std::string& path);
// The ONE_REG values that make this kernel's guest read the view
// (kernel::one_reg_target on uname_release()).
identity::GuestView for_this_kernel(const identity::GuestView& v);
// The system's failure unless this build has a KVM backend (arm64 Linux).
void need_backend();
// /dev/kvm, or the system's failure (no KVM backend, cannot open).
kvm::System open_kvm();

// --closest (kvm verify/apply, vmm-exec): its help, and the lines that say
// how far the nearest view is from the saved one.
inline constexpr const char* kClosestHelp =
    "If this kernel cannot present the view exactly, use the nearest view it can (found on a scratch vCPU: "
    "the view's CLIDR_EL1, its geometry in this kernel's CCSIDR format, its CTR_EL0 as far as allowed) and "
    "list what still differs";
void print_nearest(std::ostream& out, const kvm::Nearest& n);

}  // namespace armcache::cli
