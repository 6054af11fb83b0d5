/* vmm-apply: what a VMM written in C does with armcache's C API. It creates
 * a VM and one vCPU, loads the guest view of an armcache profile for the
 * running kernel, applies it to the vCPU, reads it back, verifies it and
 * prints every value. With --native it enables
 * KVM_CAP_ARM_NATIVE_CACHE_CONFIG instead of applying the profile.
 *
 *   cc vmm-apply.c $(pkg-config --cflags --libs armcache) -o vmm-apply
 *   ./vmm-apply n1-61.json
 *
 * Output, one fact per line: "loaded NAME=VALUE" (the view from the file),
 * "readback NAME=VALUE" (ONE_REG after the apply), "verify ok", "native yes|no".
 * Exit status: 0 success; 1 the vCPU does not hold the view; 2 bad input;
 * 3 a system call failed (also: no KVM/arm64 here). */
#define _POSIX_C_SOURCE 200809L /* O_CLOEXEC in strict C99 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <armcache/armcache_kvm.h>

#if defined(__aarch64__) && defined(__linux__)
#include <linux/kvm.h>
#define HAVE_KVM_ARM64 1
#endif

static void print_view(const char *what, const struct armcache_kvm_view *v) {
  unsigned i;
  printf("%s CLIDR_EL1=0x%llx\n", what, (unsigned long long)v->clidr);
  printf("%s CTR_EL0=0x%llx\n", what, (unsigned long long)v->ctr);
  for (i = 0; i < ARMCACHE_KVM_DEMUX_COUNT; ++i)
    if (v->demux_mask & (1u << i)) printf("%s CCSIDR[%u]=0x%x\n", what, i, (unsigned)v->demux[i]);
}

static int failed(const char *what, const struct armcache_kvm_error *err) {
  fprintf(stderr, "vmm-apply: %s: %s\n", what, err->message);
  return err->errnum ? 3 : 2;
}

#ifdef HAVE_KVM_ARM64
/* A VM with one initialised vCPU; returns the vCPU fd, or -1 with errno. */
static int create_vcpu(int kvm, int *vm_out) {
  struct kvm_vcpu_init init;
  int ipa, type = 0, vm, vcpu;
  /* KVM's default IPA size is 40 bits; a host with fewer needs them named. */
  ipa = ioctl(kvm, KVM_CHECK_EXTENSION, KVM_CAP_ARM_VM_IPA_SIZE);
  if (ipa > 0 && ipa < 40) type = KVM_VM_TYPE_ARM_IPA_SIZE(ipa);
  vm = ioctl(kvm, KVM_CREATE_VM, type);
  if (vm < 0) return -1;
  vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
  if (vcpu < 0) return -1;
  memset(&init, 0, sizeof init);
  if (ioctl(vm, KVM_ARM_PREFERRED_TARGET, &init) < 0) return -1;
  if (ioctl(vcpu, KVM_ARM_VCPU_INIT, &init) < 0) return -1;
  *vm_out = vm;
  return vcpu;
}
#endif

int main(int argc, char **argv) {
  struct armcache_kvm_view want;
  struct armcache_kvm_error err;
  const char *profile = NULL;
  int native = 0, i;

  memset(&want, 0, sizeof want);
  for (i = 1; i < argc; ++i) {
    if (strcmp(argv[i], "--native") == 0)
      native = 1;
    else if (!profile)
      profile = argv[i];
  }
  if (!profile && !native) {
    fprintf(stderr, "usage: vmm-apply PROFILE | vmm-apply --native\n");
    return 2;
  }
  printf("armcache %s (library), built against %s\n", armcache_version(), ARMCACHE_VERSION_STRING);
  if (profile) {
    if (armcache_kvm_load_view_for(profile, NULL, &want, &err) != 0) return failed(profile, &err);
    print_view("loaded", &want);
  }
  if (!armcache_kvm_available()) {
    fprintf(stderr, "vmm-apply: this build of armcache has no KVM backend (KVM/arm64 only)\n");
    return 3;
  }
#ifdef HAVE_KVM_ARM64
  {
    struct armcache_kvm_view got;
    int kvm, vm = -1, vcpu, have;
    kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (kvm < 0) {
      perror("vmm-apply: /dev/kvm");
      return 3;
    }
    vcpu = create_vcpu(kvm, &vm);
    if (vcpu < 0) {
      perror("vmm-apply: creating a VM and a vCPU");
      return 3;
    }
    have = armcache_kvm_native_available(vm, &err);
    if (have < 0) return failed("native capability", &err);
    printf("native %s\n", have ? "yes" : "no");
    if (native) {
      if (!have) {
        fprintf(stderr, "vmm-apply: this kernel lacks KVM_CAP_ARM_NATIVE_CACHE_CONFIG\n");
        return 1;
      }
      if (armcache_kvm_enable_native(vcpu, &err) != 0) return failed("enable native", &err);
    } else if (armcache_kvm_apply_view(vcpu, &want, &err) != 0) {
      fprintf(stderr, "vmm-apply: apply: %s (register 0x%llx, %s)\n", err.message, (unsigned long long)err.reg_id,
              err.restored ? "rolled back" : "NOT rolled back");
      return err.errnum ? 3 : 1;
    }
    if (armcache_kvm_read_view(vcpu, &got, &err) != 0) return failed("read back", &err);
    print_view("readback", &got);
    if (!native) {
      int r = armcache_kvm_verify_view(vcpu, &want, &err);
      if (r < 0) return failed("verify", &err);
      if (r > 0) {
        printf("verify differs: %s\n", err.message);
        return 1;
      }
      printf("verify ok\n");
    }
    close(vcpu);
    close(vm);
    close(kvm);
  }
#endif
  return 0;
}
