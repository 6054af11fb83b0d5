/* The C API header compiles as C and links from a C program (with a C++ linker). */
#include <errno.h>
#include <stdio.h>

#include "armcache/armcache_kvm.h"

int main(void) {
  struct armcache_kvm_view v = {0};
  struct armcache_kvm_error err = {0};
  if (armcache_kvm_available()) return 0; /* needs a vCPU fd: covered by e2e on aarch64 */
  if (armcache_kvm_read_view(-1, &v, &err) != -1 || err.errnum != ENOSYS) {
    fprintf(stderr, "read_view: %d %s\n", err.errnum, err.message);
    return 1;
  }
  if (armcache_kvm_apply_view(-1, &v, NULL) != -1) return 1;
  return 0;
}
