#include "armcache/kvm/native_detect.h"

#include <fmt/format.h>

#include <cerrno>

#include "armcache/kvm/native_cap.h"

namespace armcache::kvm {

NativeCapCheck judge_native_cap(unsigned cap, int extension, int enable_errno) {
  NativeCapCheck c;
  c.cap = cap;
  if (extension <= 0) {
    c.reason = fmt::format("KVM_CHECK_EXTENSION({}) = {}: the kernel has no KVM_CAP_ARM_NATIVE_CACHE_CONFIG", cap,
                           extension);
    return c;
  }
  if (enable_errno == ENOEXEC) {
    c.present = true;
    c.reason = fmt::format("KVM_CHECK_EXTENSION({}) = {} and vCPU KVM_ENABLE_CAP before KVM_ARM_VCPU_INIT = ENOEXEC",
                           cap, extension);
    return c;
  }
  // Another capability owns the number on this kernel (e.g. 239 is
  // KVM_CAP_ARM_WRITABLE_IMP_ID_REGS from 6.15 on).
  c.reason = fmt::format(
      "KVM_CHECK_EXTENSION({}) = {}, but vCPU KVM_ENABLE_CAP({}) before KVM_ARM_VCPU_INIT gave {} where "
      "KVM_CAP_ARM_NATIVE_CACHE_CONFIG gives ENOEXEC: capability {} is another one on this kernel",
      cap, extension, cap, enable_errno == 0 ? std::string("success") : errno_name(enable_errno), cap);
  return c;
}

Result<NativeCapCheck> confirm_native_cap(System& sys) {
  const unsigned cap = kKvmCapArmNativeCacheConfig;
  auto vm = sys.create_vm();
  if (!vm) return vm.error();
  // The VM fd: arm64 answers KVM_CHECK_EXTENSION per VM.
  auto ext = vm->check_extension(cap);
  if (!ext) return ext.error();
  if (*ext <= 0) return judge_native_cap(cap, *ext, 0);
  auto vcpu = vm->create_vcpu(0);
  if (!vcpu) return vcpu.error();
  auto st = vcpu->enable_cap(cap);
  return judge_native_cap(cap, *ext, st ? 0 : st.error().errnum);
}

}  // namespace armcache::kvm
