// The C API: thin wrappers over the KVM backend on borrowed fds. No C++
// exception may cross into C: each entry point catches and reports ENOMEM
// (the only exceptions the backend can throw are allocation failures).
#include "armcache/armcache_kvm.h"

#include <fmt/format.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <exception>
#include <utility>
#include <vector>

#include "armcache/kernel/generation.h"
#include "armcache/kernel/vcpu_model.h"
#include "armcache/kvm/kvm.h"
#include "armcache/kvm/native_cap.h"
#include "armcache/vcpu/apply.h"
#include "armcache/profile/profile.h"
#include "armcache/registers/kvm_reg_id.h"
#include "armcache/util/kernel_release.h"
#include "armcache/version.h"

#if defined(__aarch64__) && defined(__linux__)
#include <linux/kvm.h>
#include <sys/ioctl.h>
#endif

namespace {

using armcache::identity::GuestView;

int fail(armcache_kvm_error* err, int errnum, std::uint64_t id, int restored, const std::string& msg) {
  if (err) {
    err->errnum = errnum;
    err->reg_id = id;
    err->restored = restored;
    std::snprintf(err->message, sizeof err->message, "%s", msg.c_str());
  }
  return -1;
}

void clear(armcache_kvm_error* err) {
  if (err) std::memset(err, 0, sizeof *err);
}

void to_c(const GuestView& v, armcache_kvm_view* out) {
  std::memset(out, 0, sizeof *out);
  out->clidr = v.clidr_reg;
  out->ctr = v.ctr_reg;
  for (auto [sel, val] : v.demux) {
    if (sel >= ARMCACHE_KVM_DEMUX_COUNT) continue;
    out->demux_mask |= 1u << sel;
    out->demux[sel] = val;
  }
}

GuestView from_c(const armcache_kvm_view& view) {
  GuestView g;
  g.clidr_reg = view.clidr;
  g.ctr_reg = view.ctr;
  for (unsigned i = 0; i < ARMCACHE_KVM_DEMUX_COUNT; ++i)
    if (view.demux_mask & (1u << i)) g.demux[i] = view.demux[i];
  return g;
}

// The profile's guest view; the entry points turn a failure into *err.
armcache::Result<GuestView> load_guest(const char* path) {
  auto p = armcache::profile::load(path);
  if (!p) return p.error();
  if (!p->guest) return armcache::Error::make(std::string(path) + ": the profile holds no guest view");
  return std::move(p->guest->view);
}

}  // namespace

extern "C" {

const char* armcache_version(void) { return ARMCACHE_VERSION_STRING; }

unsigned armcache_kvm_native_cap(void) { return armcache::kvm::kKvmCapArmNativeCacheConfig; }

int armcache_kvm_available(void) { return armcache::kvm::backend_available() ? 1 : 0; }

int armcache_kvm_read_view(int vcpu_fd, armcache_kvm_view* out, armcache_kvm_error* err) {
  clear(err);
  if (!out) return fail(err, EINVAL, 0, 0, "armcache_kvm_read_view: out is NULL");
  try {
    armcache::kvm::Vcpu v = armcache::kvm::Vcpu::borrow(vcpu_fd);
    auto view = armcache::vcpu::read_view(v);
    if (!view) return fail(err, view.error().errnum, 0, 0, view.error().message);
    to_c(*view, out);
    return 0;
  } catch (const std::exception& e) {  // no exception may cross into C
    return fail(err, ENOMEM, 0, 0, e.what());
  }
}

int armcache_kvm_apply_view(int vcpu_fd, const armcache_kvm_view* view, armcache_kvm_error* err) {
  clear(err);
  if (!view) return fail(err, EINVAL, 0, 0, "armcache_kvm_apply_view: view is NULL");
  try {
    const GuestView g = from_c(*view);
    armcache::kvm::Vcpu v = armcache::kvm::Vcpu::borrow(vcpu_fd);
    const auto rep = armcache::vcpu::apply_view(g, v);
    if (rep.ok) return 0;
    return fail(err, rep.failure->errnum, rep.failure->id, rep.restored ? 1 : 0, armcache::vcpu::describe(rep));
  } catch (const std::exception& e) {
    return fail(err, ENOMEM, 0, 0, e.what());
  }
}

int armcache_kvm_load_view(const char* path, armcache_kvm_view* out, armcache_kvm_error* err) {
  clear(err);
  if (!path || !out) return fail(err, EINVAL, 0, 0, "armcache_kvm_load_view: NULL argument");
  try {
    const auto g = load_guest(path);
    if (!g) return fail(err, g.error().errnum, 0, 0, g.error().message);
    to_c(*g, out);
    return 0;
  } catch (const std::exception& e) {
    return fail(err, ENOMEM, 0, 0, e.what());
  }
}

int armcache_kvm_load_view_for(const char* path, const char* release, armcache_kvm_view* out,
                               armcache_kvm_error* err) {
  clear(err);
  if (!path || !out) return fail(err, EINVAL, 0, 0, "armcache_kvm_load_view_for: NULL argument");
  try {
    const auto g = load_guest(path);
    if (!g) return fail(err, g.error().errnum, 0, 0, g.error().message);
    const std::string target_release = release ? std::string(release) : armcache::kernel_release().value_or("");
    to_c(armcache::kernel::one_reg_target(*g, target_release), out);
    return 0;
  } catch (const std::exception& e) {
    return fail(err, ENOMEM, 0, 0, e.what());
  }
}

int armcache_kvm_verify_view(int vcpu_fd, const armcache_kvm_view* view, armcache_kvm_error* err) {
  clear(err);
  if (!view) return fail(err, EINVAL, 0, 0, "armcache_kvm_verify_view: view is NULL");
  try {
    armcache::kvm::Vcpu v = armcache::kvm::Vcpu::borrow(vcpu_fd);
    // In apply_view's order, so the first difference reported is the one an
    // apply would have hit first.
    if (auto d = armcache::vcpu::first_difference(from_c(*view), v)) {
      fail(err, d->errnum, d->id, 0, d->message);
      return d->errnum ? -1 : 1;
    }
    return 0;
  } catch (const std::exception& e) {
    return fail(err, ENOMEM, 0, 0, e.what());
  }
}

int armcache_kvm_native_available(int kvm_or_vm_fd, armcache_kvm_error* err) {
  clear(err);
  if (!armcache::kvm::backend_available()) {
    const auto e = armcache::kvm::unsupported();
    return fail(err, e.errnum, 0, 0, e.message);
  }
#if defined(__aarch64__) && defined(__linux__)
  const int r = ::ioctl(kvm_or_vm_fd, KVM_CHECK_EXTENSION, armcache::kvm::kKvmCapArmNativeCacheConfig);
  if (r < 0) {
    const int e = errno;
    return fail(err, e, 0, 0, armcache::kvm::ioctl_error("KVM_CHECK_EXTENSION", "KVM_CAP_ARM_NATIVE_CACHE_CONFIG", e).message);
  }
  return r > 0 ? 1 : 0;
#else
  (void)kvm_or_vm_fd;
  return fail(err, ENOSYS, 0, 0, "no KVM backend");
#endif
}

int armcache_kvm_enable_native(int vcpu_fd, armcache_kvm_error* err) {
  clear(err);
  try {
    armcache::kvm::Vcpu v = armcache::kvm::Vcpu::borrow(vcpu_fd);
    if (auto st = v.enable_cap(armcache::kvm::kKvmCapArmNativeCacheConfig); !st)
      return fail(err, st.error().errnum, 0, 0, st.error().message);
    return 0;
  } catch (const std::exception& e) {
    return fail(err, ENOMEM, 0, 0, e.what());
  }
}

}  // extern "C"
