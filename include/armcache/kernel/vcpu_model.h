// A model of one KVM/arm64 vCPU's cache ID registers: what the guest reads,
// and what KVM_GET/SET_ONE_REG, vCPU reset and KVM_ENABLE_CAP do to them,
// for each kernel generation. Written to be compared with the real kernel:
// every operation returns the errno the kernel would. It is a
// vcpu::RegisterFile, so the planner runs the same apply transaction on it
// that `kvm apply` runs on a real vCPU.
// Summary per generation: docs/arm-cache-registers.md#per-kernel-behaviour;
// the rules with their kernel functions: docs/kernel-generations.md.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "armcache/identity/identity.h"
#include "armcache/kernel/generation.h"
#include "armcache/registers/csselr.h"
#include "armcache/util/result.h"
#include "armcache/vcpu/register_file.h"

namespace armcache::kernel {

// What the model needs of the host.
struct HostInput {
  identity::HostKind boot_cpu;     // pre-6.3 invariants (CLIDR) come from the boot CPU
  identity::HostKind current_cpu;  // the CPU the vCPU thread / ioctl runs on
  reg::Ctr sanitised_ctr;          // the system-wide CTR_EL0 Linux reports
};

// Builds HostInput from a host description: the boot CPU is the kind listing
// CPU 0 (else the first kind), `current_kind` picks the running CPU's kind.
// Fails when a kind lacks CTR_EL0 (host discovery without an arm64 host).
Result<HostInput> host_input(const identity::Host& host, std::size_t current_kind = 0);

// Linux's system-wide sanitised CTR_EL0 over several CPU kinds
// (arch/arm64/kernel/cpufeature.c, ftr_ctr): lines and IDC/DIC take the
// lowest value, ERG/CWG the highest, bits the table does not describe
// (TminLine, [13:4]) read 0.
reg::Ctr sanitise_ctr(const std::vector<identity::HostKind>& kinds);

struct VmConfig {
  bool mte = false;  // KVM_CAP_ARM_MTE enabled on the VM
};

inline constexpr unsigned kDemuxCount = reg::kCsselrLevelInDCount;  // 14

class VcpuModel : public vcpu::RegisterFile {
 public:
  // A vCPU after its first KVM_ARM_VCPU_INIT.
  VcpuModel(KernelSpec kernel, HostInput host, VmConfig vm = {});

  const KernelSpec& kernel() const { return kernel_; }

  // What the guest reads and what ONE_REG returns, as a GuestView. CCSIDR
  // reads at Level 7 (CSSELR 14, 15) leave the destination register as it
  // was on 6.3+ kernels; the model reports 0, which is what a probe that
  // zeroes it first reads.
  identity::GuestView view() const;

  // DEMUX CCSIDR indices KVM_GET_REG_LIST lists.
  std::vector<unsigned> demux_ids() const;

  // KVM_GET_REG_LIST, KVM_GET_ONE_REG and KVM_SET_ONE_REG on CLIDR_EL1,
  // CTR_EL0 and the DEMUX CCSIDR ids: the list holds just those (the model
  // covers no other register), other ids give ENOENT. Errors carry the
  // kernel's errno and say in words why it refuses ("L1I line size 32 below
  // host minimum 64").
  Result<std::vector<std::uint64_t>> reg_list() override;
  Result<std::uint64_t> get(std::uint64_t id) override;
  Status set(std::uint64_t id, std::uint64_t value) override;

  // A second KVM_ARM_VCPU_INIT (or PSCI CPU_ON).
  void reset();
  // KVM_RUN happened.
  void run() { ran_ = true; }

  // vCPU KVM_ENABLE_CAP(KVM_CAP_ARM_NATIVE_CACHE_CONFIG) on the kNative
  // generation (EINVAL elsewhere, like an unknown cap). `source` is the
  // physical CPU running the ioctl.
  Status enable_native(std::uint32_t flags, const std::array<std::uint64_t, 4>& args,
                       const identity::HostKind& source);
  // For the ENOEXEC path: a vCPU before KVM_ARM_VCPU_INIT.
  void set_initialized(bool v) { initialized_ = v; }

 private:
  bool fabricated() const { return kernel_.generation != Generation::kPre63; }
  std::uint64_t fabricate_clidr() const;
  std::uint32_t get_ccsidr(unsigned csselr) const;
  unsigned min_line_log2(bool icache) const;
  reg::Ctr cache_rules_ctr() const;  // the host's sanitised CTR_EL0, not the VM's
  Status check_access(std::uint64_t id) const;
  Status check_clidr(std::uint64_t value) const;                        // set_clidr's acceptance
  Status check_line_size(unsigned csselr, std::uint64_t value) const;  // set_ccsidr's
  Status set_clidr(std::uint64_t value);
  Status set_ccsidr(unsigned csselr, std::uint64_t value);
  Status set_ctr(std::uint64_t value);
  std::uint64_t host_ccsidr(const identity::HostKind& cpu, std::uint32_t csselr) const;

  KernelSpec kernel_;
  HostInput host_;
  VmConfig vm_;
  std::uint64_t clidr_ = 0;                                     // 6.3+: the vCPU's CLIDR_EL1
  std::optional<std::array<std::uint32_t, kDemuxCount>> ccsidr_;  // 6.3+: vcpu->arch.ccsidr
  reg::Ctr vm_ctr_;                                             // 6.11+: the VM's CTR_EL0
  bool initialized_ = true;
  bool ran_ = false;
};

// The ONE_REG values that make a guest on `kernel` read what the view's guest
// read. A view saved on a kernel whose guests read the raw CTR_EL0 (pre-6.3,
// or FEAT_EVT hosts) holds a sanitised ctr_reg; from 6.11 the guest reads the
// VM's CTR_EL0, so the guest-read value is the one to write there.
identity::GuestView one_reg_target(const identity::GuestView& view, const KernelSpec& kernel);
// The same for the kernel a release names ("6.12.117+deb12-arm64"); the view
// as it is when parse_kernel() finds no version in `release`.
identity::GuestView one_reg_target(const identity::GuestView& view, std::string_view release);

}  // namespace armcache::kernel
