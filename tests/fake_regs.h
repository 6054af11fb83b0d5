// The tests' fake vCPU: a map of one-reg ids holding the 6.10+ default view
// of an N1 host; each test supplies the KVM-like rules it needs.
#pragma once

#include <cerrno>
#include <cstdint>
#include <functional>
#include <map>
#include <utility>
#include <vector>

#include "armcache/kvm/kvm.h"
#include "armcache/registers/kvm_reg_id.h"

namespace armcache::testing {

// A vCPU's cache registers with KVM-like rules supplied by each test.
class FakeRegs : public vcpu::RegisterFile {
 public:
  std::map<std::uint64_t, std::uint64_t> regs;
  std::function<int(std::uint64_t id, std::uint64_t v)> refuse = [](std::uint64_t, std::uint64_t) { return 0; };
  std::function<std::uint64_t(std::uint64_t id, std::uint64_t v)> store = [](std::uint64_t, std::uint64_t v) { return v; };
  std::vector<std::pair<std::uint64_t, std::uint64_t>> writes;

  FakeRegs() {
    regs[reg::kClidrId] = 0x02000021;
    regs[reg::kCtrId] = 0x9444c004;
    for (unsigned i = 0; i < 14; ++i) regs[reg::demux_ccsidr_id(i)] = 0x2;
  }
  Result<std::vector<std::uint64_t>> reg_list() override {
    std::vector<std::uint64_t> ids;
    for (auto [id, v] : regs) ids.push_back(id);
    return ids;
  }
  Result<std::uint64_t> get(std::uint64_t id) override {
    auto it = regs.find(id);
    if (it == regs.end()) return kvm::ioctl_error("KVM_GET_ONE_REG", reg::one_reg_name(id), ENOENT);
    return it->second;
  }
  Status set(std::uint64_t id, std::uint64_t v) override {
    if (!regs.count(id)) return kvm::ioctl_error("KVM_SET_ONE_REG", reg::one_reg_name(id), ENOENT);
    if (int e = refuse(id, v)) return kvm::ioctl_error("KVM_SET_ONE_REG", reg::one_reg_name(id), e);
    writes.emplace_back(id, v);
    regs[id] = store(id, v);
    return Ok{};
  }
};

// The ONE_REG values of an N1 host's view on 6.1 (what `kvm apply` writes):
// the view the apply and interposer tests hand over.
inline identity::GuestView n1_one_reg_view() {
  identity::GuestView v;
  v.clidr_reg = 0x82000023;
  v.ctr_reg = 0x9444c004;
  v.demux = {{0, 0x701fe01a}, {1, 0x201fe01a}, {2, 0x70ffe03a}};
  return v;
}

}  // namespace armcache::testing
