// A vCPU with its lifecycle, real or modelled: what a replay of ONE_REG
// attempts (with resets, runs and the native capability) needs of it. The
// real vCPU (kvm::ProbeReplayTarget) and the kernel model
// (kernel::ModelReplayTarget) implement it, so one corpus runs on both and
// their answers can be compared step by step.
#pragma once

#include <array>
#include <cstdint>

#include "armcache/identity/identity.h"
#include "armcache/util/result.h"
#include "armcache/vcpu/register_file.h"

namespace armcache::vcpu {

class ReplayTarget {
 public:
  virtual ~ReplayTarget() = default;
  // Drops the current VM and makes a new one with one initialised vCPU.
  virtual Status fresh() = 0;
  // The current VM's vCPU (after fresh()).
  virtual RegisterFile& regs() = 0;
  // vCPU KVM_ENABLE_CAP(KVM_CAP_ARM_NATIVE_CACHE_CONFIG, flags, args).
  virtual Status enable(std::uint32_t flags, const std::array<std::uint64_t, 4>& args) = 0;
  // A second KVM_ARM_VCPU_INIT.
  virtual Status reset() = 0;
  // KVM_RUN: what the guest reads (the guest-read fields of the view only).
  virtual Result<identity::GuestView> run() = 0;
};

}  // namespace armcache::vcpu
