// armcache plan: can a destination present a saved guest view, and how.
#include <fmt/format.h>

#include <iostream>
#include <sstream>

#include "armcache/plan/closest.h"
#include "armcache/plan/planner.h"
#include "commands.h"
#include "compat.h"
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
  bool closest = false;
  std::string for_vmm;
  bool json = false;
};

Json writes_json(const std::vector<plan::Write>& writes) {
  Json out = Json::array();
  for (const auto& w : writes)
    out.push_back({{"register", w.register_name}, {"id", fmt::format("{:#x}", w.id)}, {"value", fmt::format("{:#x}", w.value)}});
  return out;
}

void print_writes(std::ostream& out, const std::vector<plan::Write>& writes) {
  for (const auto& w : writes)
    out << fmt::format("  KVM_SET_ONE_REG {:<16} id {:#x} = {:#x}\n", w.register_name, w.id, w.value);
}

// plan --closest: the nearest view, its writes, and what still differs.
int print_closest(const PlanArgs& a, const plan::Closest& c, const std::string& host, const kernel::KernelSpec& k) {
  if (a.json) {
    print_json(Json{{"verdict", c.exact() ? plan::verdict_name(c.plan.verdict) : "closest"},
                    {"writes", writes_json(c.plan.writes)},
                    {"differs", c.differs},
                    {"warnings", c.plan.warnings},
                    {"view", profile::guest_view_to_json(c.view)}});
  } else {
    std::ostringstream out;
    out << fmt::format("{} on {} with kernel {}: {}\n", a.from, host, k.label,
                       c.exact() ? std::string(plan::verdict_name(c.plan.verdict))
                                 : fmt::format("closest, {} register{} differ{}", c.differs.size(),
                                               c.differs.size() == 1 ? "" : "s", c.differs.size() == 1 ? "s" : ""));
    print_writes(out, c.plan.writes);
    for (const auto& d : c.differs) out << "  differs: " << d << '\n';
    for (const auto& w : c.plan.warnings) out << "warning: " << w << '\n';
    std::cout << out.str();
  }
  return kExitOk;
}

// plan --for qemu: every layer a QEMU migration carries (plan/compat.h),
// between two `kvm show --json` profiles.
int run_plan_for_qemu(const PlanArgs& a) {
  if (a.to.empty()) usage_error("--for qemu needs --to DEST (a kvm show --json profile of the destination)");
  if (!a.kernel.empty() || !a.to_qemu_model.empty() || a.closest || a.mte)
    usage_error("--for qemu takes the kernels from the two profiles: no --kernel, --to-qemu-model, --closest, --mte");
  const plan::CompatEnd src = compat_end(take(profile::load(a.from)), a.from);
  const plan::CompatEnd dst = compat_end(take(profile::load(a.to)), a.to);
  const plan::CompatPlan p = plan::plan_compat(src, dst);
  if (a.json) {
    print_json(compat_json(p));
  } else {
    std::cout << fmt::format("{} ({}) -> {} ({}) through QEMU: {}\n", a.from, src.kernel.label, a.to, dst.kernel.label,
                             p.verdict() != plan::Verdict::kRestorable
                                 ? std::string(plan::verdict_name(p.verdict()))
                             : p.needs_compat() ? "restorable with armcache vmm-exec --compat on the source"
                                                : "restorable as it is (the destination takes the stream)")
              << compat_text(p);
  }
  return p.possible() ? kExitOk : kExitNegative;
}

int run_plan(const PlanArgs& a) {
  if (!a.for_vmm.empty()) return run_plan_for_qemu(a);
  if (a.kernel.empty()) usage_error("--kernel is required (the destination kernel), unless --for qemu");
  const profile::Profile src = load_guest_profile(a.from);
  identity::Host host = load_host(a.to, a.to_qemu_model);
  apply_ctr_option(host, a.ctr);
  const kernel::KernelSpec k = load_kernel(a.kernel);
  warn_if_unproven(k);
  const kernel::HostInput in = host_input_of(host, a.to.empty() ? a.to_qemu_model : a.to, a.cpu_kind);
  // A view that names no kernel is taken as one of 6.10-6.15, the generation
  // most hosts ran when views without a kernel were written.
  const plan::Source source{src.guest->view, profile::generation_of(*src.guest).value_or(kernel::Generation::k610To615)};
  if (a.closest) return print_closest(a, plan::plan_closest(source, k, in, kernel::VmConfig{a.mte}), host.name, k);
  const plan::Plan p = plan::plan_restore(source, k, in, kernel::VmConfig{a.mte});
  if (a.json) {
    Json j;
    j["verdict"] = plan::verdict_name(p.verdict);
    j["writes"] = writes_json(p.writes);
    j["reasons"] = p.reasons;
    j["warnings"] = p.warnings;
    print_json(j);
  } else {
    std::ostringstream out;
    out << fmt::format("{} on {} with kernel {}: {}\n", a.from, host.name, k.label, plan::verdict_name(p.verdict));
    print_writes(out, p.writes);
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
  sub->add_option("--kernel", args->kernel, "Destination kernel version, or native (required without --for)");
  sub->add_option("--cpu-kind", args->cpu_kind, "Destination CPU kind the VMM thread runs on (default 0)");
  sub->add_option("--ctr", args->ctr, kCtrHelp);
  sub->add_flag("--mte", args->mte, "The destination VM has MTE enabled");
  sub->add_flag("--closest", args->closest,
                "When the view is impossible, plan the nearest view the destination can hold, and list what "
                "still differs");
  sub->add_option("--for", args->for_vmm,
                  "qemu: plan a QEMU live migration between two kvm show --json profiles (--from the source, "
                  "--to the destination): cache registers, register list and ID registers")
      ->check(CLI::IsMember({"qemu"}));
  sub->add_flag("-J,--json", args->json,
                "Print {verdict, writes[{register, id, value}], reasons[], warnings[]}; with --closest "
                "{verdict, writes, differs[], warnings, view}");
  sub->footer("Verdicts: identical (nothing to write), restorable (the ordered KVM_SET_ONE_REG writes),\n"
              "impossible (every reason, with the errno KVM would return). The writes are checked by\n"
              "running them on the destination kernel's model. With --closest an impossible view becomes\n"
              "the nearest one (verdict closest): the source's CLIDR_EL1, its cache geometry in the\n"
              "destination's CCSIDR format, its CTR_EL0 as far as the destination allows, in that order;\n"
              "every register that still differs is listed with the reason.\n\n"
              "Examples:\n  armcache kernel-view --kernel 6.1 --qemu-model neoverse-n1 --json > n1-61.json\n"
              "  armcache plan --from n1-61.json --to-qemu-model neoverse-n1 --kernel 6.12\n"
              "  armcache plan --from n2-61.json --to-qemu-model neoverse-n2 --kernel 6.12 --closest\n"
              "  armcache plan --from host-6.12.json --to host-6.1.json --for qemu\n\n"
              "--for qemu compares what a QEMU migration stream carries: the cache view, the register list\n"
              "(QEMU refuses a stream listing a register the destination lacks) and the feature ID and\n"
              "firmware registers (KVM refuses values it would not give). Each difference gets an action\n"
              "(write-view, hide, write-id, keep, destination-only) and the reason it is safe, or\n"
              "impossible and why; armcache vmm-exec --compat carries the actions out\n"
              "(docs/migration-compat.md). -J prints {verdict, items[{layer, id, register, action,\n"
              "source, destination, why}], hide[], id_writes[], view}.\n\n"
              "Exit status: 0 identical, restorable or (--closest) closest; 1 impossible; 2 bad input.\n");
  sub->callback([args, &ctx] { ctx.status = run_plan(*args); });
}

}  // namespace armcache::cli
