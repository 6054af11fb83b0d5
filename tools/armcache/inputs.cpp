#include "inputs.h"

#include <fmt/format.h>

#include <algorithm>
#include <iostream>

#include "armcache/identity/qemu_models.h"
#include "armcache/vcpu/apply.h"
#include "armcache/registers/codec.h"
#include "armcache/registers/ctr.h"
#include "armcache/util/kernel_release.h"
#include "armcache/util/parse.h"

namespace armcache::cli {

std::string qemu_model_names() {
  std::string names;
  for (const auto& m : identity::qemu_models()) names += (names.empty() ? "" : ", ") + std::string(m.name);
  return names;
}

identity::Host load_host(const std::string& file, const std::string& qemu_model) {
  if (file.empty() == qemu_model.empty()) usage_error("give a host file or a QEMU model, not both or neither");
  if (!qemu_model.empty()) {
    auto h = identity::qemu_model_host(qemu_model);
    if (!h) usage_error(fmt::format("unknown QEMU model '{}' (one of: {})", qemu_model, qemu_model_names()));
    return *h;
  }
  profile::Profile p = take(profile::load(file));
  if (!p.host) usage_error(fmt::format("{}: holds no \"host\"", file));
  if (p.host->name.empty()) p.host->name = file;
  return *p.host;
}

kernel::KernelSpec load_kernel(const std::string& text) { return take(kernel::parse_kernel(text)); }

void warn_if_unproven(const kernel::KernelSpec& k) {
  if (auto w = kernel::unproven_warning(k)) std::cerr << "armcache: warning: " << *w << '\n';
}

void apply_ctr_option(identity::Host& host, const std::string& ctr_text) {
  if (ctr_text.empty()) return;
  auto v = parse_hex(ctr_text);
  if (!v) usage_error(fmt::format("--ctr '{}': {}", ctr_text, v.error().message));
  if (auto st = reg::check_reserved(reg::kCtrLayout, *v); !st)
    usage_error(fmt::format("--ctr {:#x}: {}", *v, st.error().message));
  for (auto& kind : host.kinds)
    if (!kind.ctr) kind.ctr = reg::Ctr(*v);
}

kernel::HostInput host_input_of(const identity::Host& host, const std::string& source, std::size_t cpu_kind) {
  auto in = kernel::host_input(host, cpu_kind);
  if (!in) {
    const bool no_ctr = std::any_of(host.kinds.begin(), host.kinds.end(), [](const auto& k) { return !k.ctr; });
    usage_error(fmt::format("{}: {}{}", source, in.error().message,
                            no_ctr ? "; or give the host's CTR_EL0 with --ctr" : ""));
  }
  return *in;
}

profile::Profile load_guest_profile(const std::string& file) {
  profile::Profile p = take(profile::load(file));
  if (!p.guest) usage_error(fmt::format("{}: holds no \"guest\" view", file));
  return p;
}

std::string uname_release() { return kernel_release().value_or("unknown"); }

identity::GuestView load_view(const std::string& path) {
  auto p = profile::load(path);
  if (!p) usage_error(p.error().message);
  if (!p->guest) usage_error(fmt::format("{}: the profile holds no guest view", path));
  return p->guest->view;
}

identity::GuestView for_this_kernel(const identity::GuestView& v) { return kernel::one_reg_target(v, uname_release()); }

void need_backend() {
  if (!kvm::backend_available()) system_failure(kvm::unsupported());
}

kvm::System open_kvm() {
  need_backend();
  return sys(kvm::System::open());
}

void print_nearest(std::ostream& out, const kvm::Nearest& n) {
  out << (n.exact() ? std::string("nearest view: the saved view itself\n")
                    : fmt::format("nearest view: {} register{} differ from the saved view\n", n.differs.size(),
                                  n.differs.size() == 1 ? "" : "s"));
  for (const auto& d : n.differs) out << "  differs: " << d << '\n';
}

}  // namespace armcache::cli
