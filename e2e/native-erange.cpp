// Exercises KVM_CAP_ARM_NATIVE_CACHE_CONFIG's ERANGE path on the test
// kernel (linux/test-patches/ lets kvm.native_cache_test_ccsidr= supply a
// FEAT_CCIDX value too big for the 32-bit format): the ioctl must fail
// with ERANGE and leave CLIDR_EL1 and every DEMUX CCSIDR as they were.
// Also checks the ENOEXEC/EINVAL/EBUSY answers from user space.
// Prints one "NATIVE-ERANGE {json}" line; /init runs it.
#include <fcntl.h>
#include <linux/kvm.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>

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
}  // namespace

int main() {
  const int kvm = open("/dev/kvm", O_RDWR);
  const int vm = ioctl(kvm, KVM_CREATE_VM, 0);
  const int vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
  const int ext = ioctl(vm, KVM_CHECK_EXTENSION, armcache::kvm::kKvmCapArmNativeCacheConfig);
  const int before_init = enable(vcpu);
  kvm_vcpu_init init{};
  ioctl(vm, KVM_ARM_PREFERRED_TARGET, &init);
  ioctl(vcpu, KVM_ARM_VCPU_INIT, &init);
  const int bad_flags = enable(vcpu, 1);
  const int bad_args = enable(vcpu, 0, 1);
  const View before = read_view(vcpu);
  const int erange = enable(vcpu);
  const View after = read_view(vcpu);
  std::printf("NATIVE-ERANGE {\"check_extension\":%d,\"before_init\":\"%s\",\"bad_flags\":\"%s\",\"bad_args\":\"%s\","
              "\"oversized\":\"%s\",\"unchanged\":%s,\"clidr\":\"0x%llx\"}\n",
              ext, strerrorname_np(before_init) ? strerrorname_np(before_init) : "0",
              strerrorname_np(bad_flags) ? strerrorname_np(bad_flags) : "0",
              strerrorname_np(bad_args) ? strerrorname_np(bad_args) : "0",
              erange ? strerrorname_np(erange) : "0", before == after ? "true" : "false",
              static_cast<unsigned long long>(after.clidr));
  const bool ok = ext == 1 && before_init == ENOEXEC && bad_flags == EINVAL && bad_args == EINVAL &&
                  erange == ERANGE && before == after;
  return ok ? 0 : 1;
}
