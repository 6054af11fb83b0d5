// The C API: thin wrappers over read_view/apply_view on a borrowed vCPU fd.
#include "armcache/armcache_kvm.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <exception>

#include "armcache/kvm/kvm.h"
#include "armcache/kvm/view.h"
#include "armcache/profile/profile.h"

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

}  // namespace

extern "C" {

int armcache_kvm_available(void) { return armcache::kvm::backend_available() ? 1 : 0; }

int armcache_kvm_read_view(int vcpu_fd, armcache_kvm_view* out, armcache_kvm_error* err) {
  clear(err);
  if (!out) return fail(err, EINVAL, 0, 0, "armcache_kvm_read_view: out is NULL");
  try {
    armcache::kvm::Vcpu v = armcache::kvm::Vcpu::borrow(vcpu_fd);
    auto view = armcache::kvm::read_view(v);
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
    GuestView g;
    g.clidr_reg = view->clidr;
    g.ctr_reg = view->ctr;
    for (unsigned i = 0; i < ARMCACHE_KVM_DEMUX_COUNT; ++i)
      if (view->demux_mask & (1u << i)) g.demux[i] = view->demux[i];
    armcache::kvm::Vcpu v = armcache::kvm::Vcpu::borrow(vcpu_fd);
    const auto rep = armcache::kvm::apply_view(g, v);
    if (rep.ok) return 0;
    return fail(err, rep.failure->errnum, rep.failure->id, rep.restored ? 1 : 0, armcache::kvm::describe(rep));
  } catch (const std::exception& e) {
    return fail(err, ENOMEM, 0, 0, e.what());
  }
}

int armcache_kvm_load_view(const char* path, armcache_kvm_view* out, armcache_kvm_error* err) {
  clear(err);
  if (!path || !out) return fail(err, EINVAL, 0, 0, "armcache_kvm_load_view: NULL argument");
  try {
    auto p = armcache::profile::load(path);
    if (!p) return fail(err, p.error().errnum, 0, 0, p.error().message);
    if (!p->guest) return fail(err, 0, 0, 0, std::string(path) + ": the profile holds no guest view");
    to_c(p->guest->view, out);
    return 0;
  } catch (const std::exception& e) {
    return fail(err, ENOMEM, 0, 0, e.what());
  }
}

}  // extern "C"
