/* armcache C API for VMMs written in C or Rust: load a cache view from an
 * armcache profile, apply it to a KVM/arm64 vCPU the VMM owns and read it
 * back, verify a vCPU against it, and detect and use the native capability
 * (KVM_CAP_ARM_NATIVE_CACHE_CONFIG of the kernel series in linux/).
 *
 * Link: pkg-config --cflags --libs armcache (libarmcache.so.ARMCACHE_SOVERSION),
 * or the static libarmcache.a with a C++ linker (pkg-config --static).
 * The header is C99 and C++; docs/library.md describes the ABI rules.
 *
 * Conventions, for every function below:
 * - Safe on any host: without the aarch64 backend the KVM functions fail
 *   with errnum ENOSYS (armcache_kvm_available() says which).
 * - Return 0 on success, -1 on failure with *err filled; err may be NULL.
 *   *err is cleared on entry, so errnum 0 after -1 means "no system call
 *   failed" (a bad file, a read-back mismatch).
 * - File descriptors are borrowed: armcache never closes, dups or keeps them.
 * - Output structs are caller-owned; armcache keeps no pointer after return
 *   and allocates nothing the caller must free.
 * - Thread-safe for different vCPUs; one vCPU is used by one thread at a time
 *   (as KVM requires).
 */
#ifndef ARMCACHE_KVM_H
#define ARMCACHE_KVM_H

#include <stdint.h>

#include "armcache/version.h"

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
  uint64_t reg_id;     /* the register that failed or differs, 0 if none */
  int restored;        /* apply: 1 if every register written before the failure was put back */
  char message[256];   /* one line, NUL-terminated */
};

/* The library's version, "MAJOR.MINOR.PATCH" (may differ from the
 * ARMCACHE_VERSION_STRING a program was compiled with). Static storage:
 * never NULL, never freed. No errors. */
const char *armcache_version(void);

/* 1 if this build can talk to KVM (aarch64 Linux), else 0. No errors. */
int armcache_kvm_available(void);

/* Reads the vCPU's current view through KVM_GET_REG_LIST and KVM_GET_ONE_REG.
 * vcpu_fd: a KVM vCPU fd after KVM_ARM_VCPU_INIT.
 * errnum: ENOSYS (no backend), EINVAL (out is NULL), ENOEXEC (vCPU not
 * initialised), EBADF, or another errno of the ioctl. */
int armcache_kvm_read_view(int vcpu_fd, struct armcache_kvm_view *out, struct armcache_kvm_error *err);

/* Applies a view transactionally: CTR_EL0, DEMUX CCSIDR, then CLIDR_EL1, each
 * read back; registers already holding the value are not written. On failure
 * every register written is restored (err->restored = 1 when that worked) and
 * err names the register that failed (reg_id). Call for every vCPU, before
 * the VM first runs.
 * errnum: ENOSYS, EINVAL (view is NULL, or the kernel refused the value),
 * ENOENT (a register this kernel does not have), EBUSY (CTR_EL0 after the VM
 * ran, 6.11+), 0 for a write that read back differently. */
int armcache_kvm_apply_view(int vcpu_fd, const struct armcache_kvm_view *view, struct armcache_kvm_error *err);

/* Compares the vCPU's ONE_REG values with a view: CTR_EL0, every DEMUX
 * CCSIDR in view->demux_mask, CLIDR_EL1. Returns 0 when all are equal, 1 when
 * one differs (err->reg_id: the first that differs; message: expected and
 * read values), -1 on failure (errnum as for armcache_kvm_read_view). */
int armcache_kvm_verify_view(int vcpu_fd, const struct armcache_kvm_view *view, struct armcache_kvm_error *err);

/* Loads the guest view of an armcache profile (JSON file) as it was saved.
 * errnum: EINVAL (NULL argument), an errno of open/read (ENOENT, EACCES, ...),
 * 0 for a file that is not a valid profile or holds no guest view. */
int armcache_kvm_load_view(const char *path, struct armcache_kvm_view *out, struct armcache_kvm_error *err);

/* Loads a profile's guest view as the ONE_REG values to write on the kernel
 * `release` (a `uname -r` string such as "6.12.117+deb12-arm64"; NULL: the
 * running kernel) so that its guests read what the saved guest read: a view
 * saved where ONE_REG CTR_EL0 was the sanitised value gets the guest-read
 * CTR_EL0 on kernels whose guests read the VM's CTR_EL0 (6.11+). A release
 * armcache cannot parse leaves the view as saved. Errors as
 * armcache_kvm_load_view. */
int armcache_kvm_load_view_for(const char *path, const char *release, struct armcache_kvm_view *out,
                               struct armcache_kvm_error *err);

/* Whether the kernel has KVM_CAP_ARM_NATIVE_CACHE_CONFIG: KVM_CHECK_EXTENSION
 * on kvm_or_vm_fd (/dev/kvm or a VM fd). Returns 1 (available), 0 (not),
 * -1 on failure (ENOSYS, EBADF, ENOTTY). */
int armcache_kvm_native_available(int kvm_or_vm_fd, struct armcache_kvm_error *err);

/* Enables the native capability on a vCPU (vCPU-level KVM_ENABLE_CAP): the
 * vCPU then shows the hardware's own cache ID registers (of the CPU it was
 * initialised on). Call after KVM_ARM_VCPU_INIT, before the VM first runs.
 * errnum: ENOSYS, EINVAL (kernel without the capability), ENOEXEC (before
 * KVM_ARM_VCPU_INIT), ERANGE (the hardware values do not fit the vCPU),
 * EBUSY (the VM already ran). */
int armcache_kvm_enable_native(int vcpu_fd, struct armcache_kvm_error *err);

/* The KVM_CAP_ARM_NATIVE_CACHE_CONFIG number armcache uses. No errors. */
unsigned armcache_kvm_native_cap(void);

#ifdef __cplusplus
}
#endif

#endif /* ARMCACHE_KVM_H */
