// armcache plan: can a destination present a saved guest view, and how.
#include <fmt/format.h>

#include <iostream>
#include <sstream>

#include "armcache/plan/planner.h"
#include "inputs.h"

namespace armcache::cli {
namespace {

struct PlanArgs {
  std::string from;
  std::string to;
  std::string to_qemu_model;
  std::string kernel;
  std::size_t cpu_kind = 0;
  std::string ctr;
  bool mte = false;
  bool json = false;
};

kernel::Generation source_generation(const profile::GuestRecord& g) {
  if (auto gen = kernel::generation_from_name(g.generation)) return *gen;
  if (auto k = kernel::parse_kernel(g.kernel)) return k->generation;
  return kernel::Generation::k610To615;
}

int run_plan(const PlanArgs& a) {
  const profile::Profile src = load_guest_profile(a.from);
  identity::Host host = load_host(a.to, a.to_qemu_model);
  apply_ctr_option(host, a.ctr);
  const kernel::KernelSpec k = load_kernel(a.kernel);
  warn_if_unproven(k);
  const kernel::HostInput in = host_input_of(host, a.to.empty() ? a.to_qemu_model : a.to, a.cpu_kind);
  const plan::Plan p =
      plan::plan_restore({src.guest->view, source_generation(*src.guest)}, k, in, kernel::VmConfig{a.mte});
  if (a.json) {
    Json j;
    j["verdict"] = plan::verdict_name(p.verdict);
    Json writes = Json::array();
    for (const auto& w : p.writes)
      writes.push_back({{"register", w.register_name}, {"id", fmt::format("{:#x}", w.id)},
                        {"value", fmt::format("{:#x}", w.value)}});
    j["writes"] = writes;
    j["reasons"] = p.reasons;
    j["warnings"] = p.warnings;
    print_json(j);
  } else {
    std::ostringstream out;
    out << fmt::format("{} on {} with kernel {}: {}\n", a.from, host.name, k.label, plan::verdict_name(p.verdict));
    for (const auto& w : p.writes)
      out << fmt::format("  KVM_SET_ONE_REG {:<16} id {:#x} = {:#x}\n", w.register_name, w.id, w.value);
    for (const auto& r : p.reasons) out << "  because: " << r << '\n';
    for (const auto& w : p.warnings) out << "warning: " << w << '\n';
    std::cout << out.str();
  }
  return p.verdict == plan::Verdict::kImpossible ? kExitNegative : kExitOk;
}

}  // namespace

void add_plan(CLI::App& app, Context& ctx) {
  auto args = std::make_shared<PlanArgs>();
  CLI::App* sub = app.add_subcommand("plan", "Plan restoring a saved guest view on another host or kernel");
  sub->add_option("--from", args->from, "Saved guest view (a profile with \"guest\", e.g. kernel-view --json)")
      ->required();
  sub->add_option("--to", args->to, "Destination host profile");
  sub->add_option("--to-qemu-model", args->to_qemu_model, "A built-in QEMU CPU model as the destination");
  sub->add_option("--kernel", args->kernel, "Destination kernel version, or native")->required();
  sub->add_option("--cpu-kind", args->cpu_kind, "Destination CPU kind the VMM thread runs on (default 0)");
  sub->add_option("--ctr", args->ctr, kCtrHelp);
  sub->add_flag("--mte", args->mte, "The destination VM has MTE enabled");
  sub->add_flag("-J,--json", args->json, "Print {verdict, writes[{register, id, value}], reasons[], warnings[]}");
  sub->footer("Verdicts: identical (nothing to write), restorable (the ordered KVM_SET_ONE_REG writes),\n"
              "impossible (every reason, with the errno KVM would return). The writes are checked by\n"
              "running them on the destination kernel's model.\n\n"
              "Examples:\n  armcache kernel-view --kernel 6.1 --qemu-model neoverse-n1 --json > n1-61.json\n"
              "  armcache plan --from n1-61.json --to-qemu-model neoverse-n1 --kernel 6.12\n\n"
              "Exit status: 0 identical or restorable; 1 impossible; 2 bad input.\n");
  sub->callback([args, &ctx] { ctx.status = run_plan(*args); });
}

}  // namespace armcache::cli
