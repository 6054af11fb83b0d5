// A real vCPU as a vcpu::ReplayTarget: vCPU 0 of a 1-vCPU probe VM (the
// probe program is what run() runs); fresh() makes a new VM.
#pragma once

#include <optional>

#include "armcache/kvm/kvm.h"
#include "armcache/kvm/probe.h"
#include "armcache/vcpu/replay_target.h"

namespace armcache::kvm {

class ProbeReplayTarget : public vcpu::ReplayTarget {
 public:
  // `sys` must outlive the target. mte: every VM with KVM_CAP_ARM_MTE
  // (fresh() fails where the host has no MTE).
  ProbeReplayTarget(System& sys, bool mte) : sys_(sys), mte_(mte) {}

  Status fresh() override;
  vcpu::RegisterFile& regs() override { return vm_->vcpu(0); }
  Status enable(std::uint32_t flags, const std::array<std::uint64_t, 4>& args) override;
  Status reset() override { return vm_->reset(0); }
  Result<identity::GuestView> run() override;

 private:
  System& sys_;
  std::optional<probe::ProbeVm> vm_;
  bool mte_ = false;
};

}  // namespace armcache::kvm
