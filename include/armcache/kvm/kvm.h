// The KVM/arm64 backend: RAII wrappers for /dev/kvm, a VM and its vCPUs,
// and the ioctls armcache needs. Only aarch64 Linux builds talk to KVM; on
// other hosts the same API exists and every call returns unsupported(), so
// the library, the CLI and the tests build and link everywhere.
// Errors name the ioctl (and the register, for ONE_REG) and keep errno in
// Error::errnum.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "armcache/util/fd.h"
#include "armcache/util/result.h"
#include "armcache/vcpu/register_file.h"

namespace armcache::kvm {

// True when this build can issue KVM ioctls (aarch64 Linux).
bool backend_available();
// The error every call returns when !backend_available(); errnum = ENOSYS.
Error unsupported();

// "KVM_SET_ONE_REG CLIDR_EL1 (0x603000000013c801): Invalid argument (EINVAL)".
Error ioctl_error(std::string_view ioctl_name, std::string_view detail, int err);

// struct kvm_vcpu_init without the arm64 uapi header (absent on x86).
struct VcpuInit {
  std::uint32_t target = 0;
  std::array<std::uint32_t, 7> features{};
};

// A KVM_RUN exit armcache understands.
struct RunExit {
  std::uint32_t reason = 0;  // KVM_EXIT_*
  std::uint64_t mmio_addr = 0;
  std::uint64_t mmio_data = 0;  // little-endian data[] as a number
  std::uint32_t mmio_len = 0;
  bool mmio_write = false;
  std::string detail;  // for unexpected exits
};
inline constexpr std::uint32_t kExitMmio = 6;  // KVM_EXIT_MMIO

class Vcpu : public vcpu::RegisterFile {
 public:
  Vcpu() = default;
  Vcpu(Vcpu&&) noexcept;
  Vcpu& operator=(Vcpu&&) noexcept;
  ~Vcpu() override;

  // Uses a VMM's own vCPU fd for register access; the fd stays the VMM's
  // (never closed here) and KVM_RUN is not available through it.
  static Vcpu borrow(int fd);

  int fd() const { return fd_.get() >= 0 ? fd_.get() : borrowed_; }
  unsigned index() const { return index_; }

  Status init(const VcpuInit& init);  // KVM_ARM_VCPU_INIT (first or reset)
  Result<std::vector<std::uint64_t>> reg_list() override;
  Result<std::uint64_t> get(std::uint64_t id) override;
  Status set(std::uint64_t id, std::uint64_t value) override;
  // vCPU-level KVM_ENABLE_CAP (upstream arm64 has no handler: expect EINVAL).
  Status enable_cap(std::uint32_t cap, std::uint32_t flags = 0, const std::array<std::uint64_t, 4>& args = {});
  // KVM_ARM_VCPU_FINALIZE (an SVE vCPU before its registers can be listed).
  Status finalize(int feature);
  Status set_pc(std::uint64_t pc);
  // KVM_RUN once; EINTR (a timeout signal) comes back as an error.
  Result<RunExit> run();
  // Completes a pending MMIO access without entering the guest
  // (immediate_exit = 1, KVM_RUN returns EINTR), so a following reset
  // starts at the reset PC and not one instruction late.
  Status complete_pending();
  bool mmio_pending() const { return mmio_pending_; }
  // Testing only: treat a pending MMIO as done without telling KVM.
  void forget_pending() { mmio_pending_ = false; }

 private:
  friend class Vm;
  Fd fd_;
  int borrowed_ = -1;
  unsigned index_ = 0;
  void* run_ = nullptr;  // mmap'd struct kvm_run
  std::size_t run_size_ = 0;
  bool mmio_pending_ = false;  // the last KVM_RUN stopped on an MMIO exit
};

// KVM_CAP_ARM_MTE (include/uapi/linux/kvm.h): a VM with MTE; enabled on the
// VM before its vCPUs are created.
inline constexpr std::uint32_t kKvmCapArmMte = 205;

class Vm {
 public:
  Vm() = default;
  Vm(Vm&&) noexcept = default;
  Vm& operator=(Vm&&) noexcept = default;
  ~Vm();

  int fd() const { return fd_.get(); }
  unsigned ipa_bits() const { return ipa_bits_; }
  Result<int> check_extension(long cap);          // on the VM fd
  // VM-scoped KVM_ENABLE_CAP (e.g. KVM_CAP_ARM_MTE, before any vCPU exists).
  Status enable_cap(std::uint32_t cap, std::uint64_t arg0 = 0);
  Result<VcpuInit> preferred_target();            // KVM_ARM_PREFERRED_TARGET
  Result<Vcpu> create_vcpu(unsigned index);       // KVM_CREATE_VCPU + mmap kvm_run
  // Backs guest physical [gpa, gpa+size) with fresh anonymous memory the Vm
  // owns; returns the host address.
  Result<std::uint8_t*> add_memory(std::uint32_t slot, std::uint64_t gpa, std::size_t size);

 private:
  friend class System;
  Fd fd_;
  std::size_t run_size_ = 0;
  unsigned ipa_bits_ = 0;
  struct Mapping {
    void* addr;
    std::size_t size;
  };
  std::vector<Mapping> memory_;
};

class System {
 public:
  static Result<System> open(const char* path = "/dev/kvm");
  int fd() const { return fd_.get(); }
  int api_version() const { return api_; }
  Result<int> check_extension(long cap);  // on /dev/kvm
  // KVM_CREATE_VM with the host's IPA limit when that is below KVM's
  // default 40 bits (type 0 fails there).
  Result<Vm> create_vm();

 private:
  Fd fd_;
  int api_ = 0;
};

// KVM_CAP_* numbers armcache asks about (linux/kvm.h).
inline constexpr long kCapOneReg = 70;
inline constexpr long kCapArmVmIpaSize = 165;

}  // namespace armcache::kvm
