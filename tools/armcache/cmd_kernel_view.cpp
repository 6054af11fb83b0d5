// armcache kernel-view: what a kernel generation shows a guest on a host.
#include <fmt/format.h>

#include <iostream>
#include <sstream>

#include "armcache/cache/geometry.h"
#include "armcache/cache/selectors.h"
#include "armcache/kernel/guest_view.h"
#include "armcache/profile/profile.h"
#include "armcache/registers/csselr.h"
#include "commands.h"
#include "inputs.h"

namespace armcache::cli {
namespace {

struct KernelViewArgs {
  std::string kernel;
  std::string host_file;
  std::string qemu_model;
  std::size_t cpu_kind = 0;
  std::string ctr;
  bool mte = false;
  bool json = false;
};

int run_kernel_view(const KernelViewArgs& a) {
  const kernel::KernelSpec k = load_kernel(a.kernel);
  warn_if_unproven(k);
  identity::Host host = load_host(a.host_file, a.qemu_model);
  apply_ctr_option(host, a.ctr);
  const kernel::HostInput in =
      host_input_of(host, a.host_file.empty() ? a.qemu_model : a.host_file, a.cpu_kind);
  const kernel::VmConfig vm{a.mte};
  auto view = kernel::initial_view(k, in, vm);
  if (!view)
    throw Failure(fmt::format("KVM_ENABLE_CAP(KVM_CAP_ARM_NATIVE_CACHE_CONFIG) would fail on this host: {} ({})",
                              view.error().message, errno_name(view.error().errnum)),
                  kExitNegative);
  const identity::GuestView& v = *view;
  profile::Profile p;
  p.guest = profile::GuestRecord{v, k.label, std::string(kernel::generation_name(k.generation))};
  p.host = host;
  p.provenance = {{"tool", kTool}, {"command", "kernel-view"}, {"model", "kernel model"},
                  {"vm_mte", a.mte}};
  p.warnings = kernel::view_warnings(k, in, v, vm);
  if (a.json) {
    print_json(profile::to_json(p));
    return kExitOk;
  }
  std::ostringstream out;
  out << fmt::format("Kernel {} ({}), host {}{}\n", k.label, kernel::generation_name(k.generation), host.name,
                     a.mte ? ", VM with MTE" : "");
  const auto shape = cache::clidr_shape(v.clidr);
  std::string levels;
  for (const auto& l : shape.levels)
    levels += fmt::format("{}L{} {}", levels.empty() ? "" : ", ", l.level, cache::ctype_name(l.ctype));
  out << fmt::format("  CLIDR_EL1   {:#x}  {}; LoC {}, LoUU {}, LoUIS {}\n", v.clidr.raw(), levels, v.clidr.loc(),
                     v.clidr.louu(), v.clidr.louis());
  out << fmt::format("  CTR_EL0     {:#x}  IDC {}, DIC {}, I-line {} B, D-line {} B\n", v.ctr.raw(), int(v.ctr.idc()),
                     int(v.ctr.dic()), v.ctr.imin_line_bytes(), v.ctr.dmin_line_bytes());
  out << fmt::format("  MMFR2.CCIDX {}\n", v.mmfr2_ccidx);
  out << "  CCSIDR_EL1 as the guest reads it, by CSSELR:\n";
  for (unsigned i = 0; i < identity::kGuestSelectors; ++i)
    if (v.ccsidr[i] != 0 || v.demux.count(i))
      out << fmt::format("    {:>2} L{}{}  {}\n", i, reg::Csselr(i).level(), reg::Csselr(i).ind() ? "I" : "D",
                         cache::describe_ccsidr(v.ccsidr[i], v.mmfr2_ccidx != 0));
  std::string ids;
  for (const auto& [sel, val] : v.demux) ids += fmt::format("{}{}", ids.empty() ? "" : ",", sel);
  out << "  DEMUX ids: " << ids << '\n';
  for (const auto& w : p.warnings) out << "warning: " << w << '\n';
  std::cout << out.str();
  return kExitOk;
}

}  // namespace

void add_kernel_view(CLI::App& app, Context& ctx) {
  auto args = std::make_shared<KernelViewArgs>();
  CLI::App* sub = app.add_subcommand("kernel-view", "Predict the cache registers a kernel shows a guest");
  sub->add_option("--kernel", args->kernel, "Host kernel: a version (6.1.0-50-cloud-arm64, 6.12, ...) or native")
      ->required();
  sub->add_option("--host", args->host_file, "Host profile (from armcache capture or kernel-view)");
  sub->add_option("--qemu-model", args->qemu_model, "A built-in QEMU CPU model as the host");
  sub->add_option("--cpu-kind", args->cpu_kind, "Index of the CPU kind the vCPU thread runs on (default 0)");
  sub->add_option("--ctr", args->ctr, kCtrHelp);
  sub->add_flag("--mte", args->mte, "The VM has MTE enabled");
  sub->add_flag("-J,--json", args->json, "Print the view as a profile (a valid guest-view file for plan --from)");
  sub->footer("Models KVM/arm64's cache ID registers for the kernel's generation: pre-6.3 (host values),\n"
              "6.3-6.9, 6.10-6.15 and 6.16+ (fabricated from CTR_EL0; 6.16+ also lets CTR_EL0.L1Ip be\n"
              "written), native (KVM_CAP_ARM_NATIVE_CACHE_CONFIG v3 enabled). Built-in QEMU models: " + qemu_model_names() + ".\n\n"
              "Examples:\n  armcache kernel-view --kernel 6.12 --qemu-model neoverse-n1\n"
              "  armcache kernel-view --kernel 6.1.0-50-cloud-arm64 --qemu-model neoverse-n2 --json > n2-61.json\n\n" +
              exit_status_help());
  sub->callback([args, &ctx] { ctx.status = run_kernel_view(*args); });
}

}  // namespace armcache::cli
