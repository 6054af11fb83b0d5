// A vCPU's registers as KVM's ONE_REG interface presents them: the one
// interface through which armcache reads and writes a vCPU. The real vCPU
// (kvm::Vcpu), the kernel model (kernel::VcpuModel) and test fakes implement
// it, so one transaction (vcpu/apply.h) and one search (plan/closest.h) run
// on all of them.
#pragma once

#include <cstdint>
#include <vector>

#include "armcache/util/result.h"

namespace armcache::vcpu {

// 32-bit registers travel zero-extended. Errors keep the errno the kernel
// returned (or would return) in Error::errnum and say why in the message.
// A refused set() leaves the register as it was, as KVM_SET_ONE_REG does.
class RegisterFile {
 public:
  virtual ~RegisterFile() = default;
  virtual Result<std::vector<std::uint64_t>> reg_list() = 0;     // KVM_GET_REG_LIST
  virtual Result<std::uint64_t> get(std::uint64_t id) = 0;        // KVM_GET_ONE_REG
  virtual Status set(std::uint64_t id, std::uint64_t value) = 0;  // KVM_SET_ONE_REG
};

}  // namespace armcache::vcpu
