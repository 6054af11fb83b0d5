// A RegisterFile that counts the calls made through it: each is one
// KVM_GET_REG_LIST, KVM_GET_ONE_REG or KVM_SET_ONE_REG ioctl on a real vCPU,
// so the count is what an apply costs (kvm apply --json reports it).
#pragma once

#include <cstdint>
#include <vector>

#include "armcache/util/result.h"
#include "armcache/vcpu/register_file.h"

namespace armcache::vcpu {

class CountingRegs : public RegisterFile {
 public:
  // `inner` must outlive this.
  explicit CountingRegs(RegisterFile& inner) : inner_(inner) {}
  Result<std::vector<std::uint64_t>> reg_list() override {
    ++lists;
    return inner_.reg_list();
  }
  Result<std::uint64_t> get(std::uint64_t id) override {
    ++gets;
    return inner_.get(id);
  }
  Status set(std::uint64_t id, std::uint64_t value) override {
    ++sets;
    return inner_.set(id, value);
  }
  unsigned lists = 0, gets = 0, sets = 0;

 private:
  RegisterFile& inner_;
};

}  // namespace armcache::vcpu
