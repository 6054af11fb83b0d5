// The kernel model as a vcpu::ReplayTarget: one VcpuModel per fresh VM.
#pragma once

#include <optional>

#include "armcache/kernel/generation.h"
#include "armcache/kernel/vcpu_model.h"
#include "armcache/vcpu/replay_target.h"

namespace armcache::kernel {

class ModelReplayTarget : public vcpu::ReplayTarget {
 public:
  ModelReplayTarget(KernelSpec kernel, HostInput host, VmConfig vm = {})
      : kernel_(std::move(kernel)), host_(std::move(host)), vm_(vm) {}
  Status fresh() override;
  vcpu::RegisterFile& regs() override { return *model_; }
  // The ioctl runs on a CPU of host.current_cpu's kind, as the test bed's
  // vCPU thread does on its host's only kind.
  Status enable(std::uint32_t flags, const std::array<std::uint64_t, 4>& args) override;
  Status reset() override;
  Result<identity::GuestView> run() override;

 private:
  KernelSpec kernel_;
  HostInput host_;
  VmConfig vm_;
  std::optional<VcpuModel> model_;
};

}  // namespace armcache::kernel
