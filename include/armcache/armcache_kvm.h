/* armcache C API for VMMs written in C or Rust: read and apply the cache ID
 * registers (CLIDR_EL1, CTR_EL0, DEMUX CCSIDR) of a KVM/arm64 vCPU the VMM
 * owns. Every function is safe to call on any host: without the aarch64
 * backend they fail with errnum ENOSYS.
 * Link with the armcache static library (C++: link with a C++ linker).
 * Return value: 0 on success, -1 on failure with *err filled (err may be NULL). */
#ifndef ARMCACHE_KVM_H
#define ARMCACHE_KVM_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define ARMCACHE_KVM_DEMUX_COUNT 14

/* The ONE_REG part of a cache view. */
struct armcache_kvm_view {
  uint64_t clidr;                                 /* CLIDR_EL1 */
  uint64_t ctr;                                   /* CTR_EL0 */
  uint32_t demux_mask;                            /* bit i: demux[i] is listed / to be set */
  uint32_t demux[ARMCACHE_KVM_DEMUX_COUNT];       /* DEMUX CCSIDR, index = Level<<1 | InD */
};

struct armcache_kvm_error {
  int errnum;          /* errno of the failed ioctl; 0 for a read-back mismatch or a bad file */
  uint64_t reg_id;     /* the register that failed, 0 if none */
  int restored;        /* apply: 1 if every register written before the failure was put back */
  char message[256];   /* one line, NUL-terminated */
};

/* 1 if this build can talk to KVM (aarch64 Linux), else 0. */
int armcache_kvm_available(void);

/* Reads the vCPU's current view. vcpu_fd: a KVM vCPU fd after KVM_ARM_VCPU_INIT. */
int armcache_kvm_read_view(int vcpu_fd, struct armcache_kvm_view *out, struct armcache_kvm_error *err);

/* Applies a view transactionally: CTR_EL0, DEMUX CCSIDR, then CLIDR_EL1, each
 * read back; registers already holding the value are not written. On failure
 * every register written is restored and err names the one that failed. Call
 * for every vCPU, before the VM first runs. */
int armcache_kvm_apply_view(int vcpu_fd, const struct armcache_kvm_view *view, struct armcache_kvm_error *err);

/* Loads the guest view of an armcache profile (JSON file). */
int armcache_kvm_load_view(const char *path, struct armcache_kvm_view *out, struct armcache_kvm_error *err);

#ifdef __cplusplus
}
#endif

#endif /* ARMCACHE_KVM_H */
