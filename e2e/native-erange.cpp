// Exercises KVM_CAP_ARM_NATIVE_CACHE_CONFIG's -ERANGE paths on the test
// kernel (linux/build-kernel.sh --test applies linux/test-patches/, whose
// kvm.native_cache_test_ccsidr= and kvm.native_cache_test_clidr= replace
// what the CPU reports): a cache too big for the 32-bit CCSIDR_EL1 layout,
// or a separate tag cache in a VM with MTE, must fail with ERANGE and leave
// CLIDR_EL1 and every DEMUX CCSIDR as they were. Also records the
// ENOEXEC/EINVAL answers and KVM_CHECK_EXTENSION from user space.
// Usage: native-erange [--mte]   (--mte: KVM_CAP_ARM_MTE on the VM first)
// Prints one "NATIVE-ERANGE {json}" line; the caller judges it.
#include <fcntl.h>
#include <linux/kvm.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>

#include "armcache/kvm/native_cap.h"

namespace {
constexpr std::uint64_t kClidr = 0x603000000013c801ull;
constexpr std::uint64_t demux(unsigned i) { return 0x6020000000110000ull | i; }

struct View {
  std::uint64_t clidr = 0;
  std::uint32_t ccsidr[14] = {};
  bool operator==(const View& o) const { return clidr == o.clidr && !std::memcmp(ccsidr, o.ccsidr, sizeof ccsidr); }
};

View read_view(int vcpu) {
  View v;
  kvm_one_reg r{kClidr, reinterpret_cast<std::uint64_t>(&v.clidr)};
  ioctl(vcpu, KVM_GET_ONE_REG, &r);
  for (unsigned i = 0; i < 14; ++i) {
    kvm_one_reg d{demux(i), reinterpret_cast<std::uint64_t>(&v.ccsidr[i])};
    ioctl(vcpu, KVM_GET_ONE_REG, &d);
  }
  return v;
}

int enable(int vcpu, std::uint32_t flags = 0, std::uint64_t arg3 = 0) {
  kvm_enable_cap cap{};
  cap.cap = armcache::kvm::kKvmCapArmNativeCacheConfig;
  cap.flags = flags;
  cap.args[3] = arg3;
  return ioctl(vcpu, KVM_ENABLE_CAP, &cap) == 0 ? 0 : errno;
}

const char* name(int err) { return err ? (strerrorname_np(err) ? strerrorname_np(err) : "?") : "0"; }
}  // namespace

int main(int argc, char** argv) {
  const bool mte = argc > 1 && std::strcmp(argv[1], "--mte") == 0;
  const int kvm = open("/dev/kvm", O_RDWR);
  const int vm = ioctl(kvm, KVM_CREATE_VM, 0);
  int mte_err = 0;
  if (mte) {
    kvm_enable_cap cap{};
    cap.cap = KVM_CAP_ARM_MTE;
    mte_err = ioctl(vm, KVM_ENABLE_CAP, &cap) == 0 ? 0 : errno;
  }
  const int vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
  const int ext = ioctl(vm, KVM_CHECK_EXTENSION, armcache::kvm::kKvmCapArmNativeCacheConfig);
  const int before_init = enable(vcpu);
  kvm_vcpu_init init{};
  ioctl(vm, KVM_ARM_PREFERRED_TARGET, &init);
  ioctl(vcpu, KVM_ARM_VCPU_INIT, &init);
  const int bad_flags = enable(vcpu, 1);
  const int bad_args = enable(vcpu, 0, 1);
  const View before = read_view(vcpu);
  const int result = enable(vcpu);
  const View after = read_view(vcpu);
  std::printf("NATIVE-ERANGE {\"mte\":\"%s\",\"check_extension\":%d,\"before_init\":\"%s\",\"bad_flags\":\"%s\","
              "\"bad_args\":\"%s\",\"enable\":\"%s\",\"unchanged\":%s,\"clidr\":\"0x%llx\",\"ccsidr2\":\"0x%x\"}\n",
              mte ? name(mte_err) : "off", ext, name(before_init), name(bad_flags), name(bad_args), name(result),
              before == after ? "true" : "false", static_cast<unsigned long long>(after.clidr), after.ccsidr[2]);
  return 0;
}
