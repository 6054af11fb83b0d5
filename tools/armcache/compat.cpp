#include "compat.h"

#include <fmt/format.h>

#include "armcache/kernel/generation.h"
#include "armcache/kvm/compat_end.h"
#include "armcache/registers/kvm_reg_id.h"
#include "inputs.h"

namespace armcache::cli {

plan::CompatEnd compat_end(const profile::Profile& p, const std::string& where) {
  if (!p.guest) usage_error(fmt::format("{}: holds no \"guest\" view (write it with armcache kvm show --json)", where));
  if (!p.surface)
    usage_error(fmt::format("{}: holds no \"vcpu_surface\" (the register list and ID registers of a default vCPU): "
                            "write it with armcache kvm show --json on that host",
                            where));
  auto k = kernel::parse_kernel(p.guest->kernel);
  if (!k) usage_error(fmt::format("{}: kernel {}: {}", where, armcache::quoted(p.guest->kernel), k.error().message));
  return plan::CompatEnd{*k, p.guest->view, *p.surface};
}

plan::CompatEnd this_kernel_end() {
  const std::string release = uname_release();
  auto k = kernel::parse_kernel(release);
  if (!k) usage_error(fmt::format("this kernel {}: {}", armcache::quoted(release), k.error().message));
  auto kvm_sys = open_kvm();
  return sys(kvm::measure_compat_end(kvm_sys, *k));
}

Json compat_json(const plan::CompatPlan& p) {
  Json items = Json::array();
  for (const auto& i : p.items) {
    Json j{{"layer", i.layer}, {"id", hex(i.id)}, {"register", i.name},
           {"action", plan::compat_action_name(i.action)}, {"why", i.why}};
    j["source"] = i.source_value ? Json(hex(*i.source_value)) : Json(nullptr);
    j["destination"] = i.dest_value ? Json(hex(*i.dest_value)) : Json(nullptr);
    items.push_back(j);
  }
  Json hide = Json::array();
  for (auto id : p.hide) hide.push_back(hex(id));
  Json writes = Json::array();
  for (auto [id, v] : p.id_writes) writes.push_back({{"id", hex(id)}, {"register", reg::one_reg_name(id)}, {"value", hex(v)}});
  return Json{{"verdict", plan::verdict_name(p.verdict())},
              {"needs_compat", p.needs_compat()},
              {"items", items},
              {"hide", hide},
              {"id_writes", writes},
              {"view", p.view ? profile::guest_view_to_json(*p.view) : Json(nullptr)}};
}

std::string compat_text(const plan::CompatPlan& p) {
  std::string s;
  for (const auto& i : p.items) {
    std::string values;
    if (i.source_value || i.dest_value)
      values = fmt::format(" {} -> {}", i.source_value ? hex(*i.source_value) : "-", i.dest_value ? hex(*i.dest_value) : "-");
    s += fmt::format("  {:<17} {:<28} {:<16}{}\n      {}\n", i.layer, i.name, plan::compat_action_name(i.action), values,
                     i.why);
  }
  return s;
}

}  // namespace armcache::cli
