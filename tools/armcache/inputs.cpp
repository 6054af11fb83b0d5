#include "inputs.h"

#include <fmt/format.h>

#include "armcache/identity/qemu_models.h"

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

kernel::HostInput host_input_of(const identity::Host& host, const std::string& source, std::size_t cpu_kind) {
  auto in = kernel::host_input(host, cpu_kind);
  if (!in) usage_error(fmt::format("{}: {}", source, in.error().message));
  return *in;
}

profile::Profile load_guest_profile(const std::string& file) {
  profile::Profile p = take(profile::load(file));
  if (!p.guest) usage_error(fmt::format("{}: holds no \"guest\" view", file));
  return p;
}

}  // namespace armcache::cli
