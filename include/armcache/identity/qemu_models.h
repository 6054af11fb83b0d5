// The CPU models QEMU emulates with EL2, as hosts: their real cache
// registers, read by a bare EL1 program (e2e/groundtruth.sh) and listed in
// docs/kvm-testbed.md. They let every command work without host discovery.
#pragma once

#include <optional>
#include <span>
#include <string_view>

#include "armcache/identity/identity.h"

namespace armcache::identity {

struct QemuModel {
  std::string_view name;          // -cpu name
  std::string_view qemu_version;  // the QEMU whose values these are
  std::uint64_t midr, clidr, ctr, mmfr2, pfr1;
  std::uint64_t ccsidr[3];        // selectors 0, 1, 2 (L1D, L1I, L2); others read 0
};

std::span<const QemuModel> qemu_models();
std::optional<Host> qemu_model_host(std::string_view name);

}  // namespace armcache::identity
