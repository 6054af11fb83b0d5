// armcache vmm-exec: starts an unmodified VMM with libarmcache-vmm.so
// preloaded, so every vCPU it initialises gets the view (see
// armcache/vmm/interposer.h).
#include <fmt/format.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <unistd.h>

#include "armcache/host/discover.h"
#include "armcache/kernel/guest_view.h"
#include "armcache/kvm/kvm.h"
#include "armcache/kvm/native_view.h"
#include "armcache/kvm/nearest.h"
#include "armcache/vmm/interposer.h"
#include "commands.h"
#include "compat.h"
#include "inputs.h"

namespace armcache::cli {
namespace {

struct VmmExecArgs {
  std::string view;
  bool native = false;
  bool closest = false;
  std::string kernel_view;
  std::string compat;
  std::string log;
  std::string lib;
  bool print_env = false;
  std::vector<std::string> command;
};

std::string dir_of_self() {
  char buf[PATH_MAX];
  const ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return {};
  std::string p(buf, std::size_t(n));
  return p.substr(0, p.rfind('/'));
}

// --lib, else ARMCACHE_VMM_LIB, else beside the armcache binary (the build
// tree), else where this build installs it (LIBDIR/armcache: a Debian
// package's /usr/lib/TRIPLET/armcache), else ../lib/armcache of the binary
// (a tree installed and then moved).
std::string find_library(const std::string& given) {
  std::vector<std::string> tried;
  auto candidates = [&]() -> std::vector<std::string> {
    if (!given.empty()) return {given};
    if (const char* e = std::getenv("ARMCACHE_VMM_LIB"); e && *e) return {e};
    const std::string d = dir_of_self();
    return {d + "/" + vmm::kLibraryName, std::string(ARMCACHE_VMM_LIBDIR) + "/" + vmm::kLibraryName,
            d + "/../lib/armcache/" + vmm::kLibraryName};
  }();
  for (const auto& c : candidates) {
    char real[PATH_MAX];
    if (::realpath(c.c_str(), real) && ::access(real, R_OK) == 0) return real;
    tried.push_back(c);
  }
  std::string list;
  for (const auto& t : tried) list += (list.empty() ? "" : ", ") + t;
  usage_error(fmt::format("cannot find {} (tried {}); give --lib", vmm::kLibraryName, list));
}

// The native view (kvm::read_native_view); the interposer then writes those
// values like any other view, at every init.
identity::GuestView native_view() {
  auto k = open_kvm();
  auto v = kvm::read_native_view(k);
  if (!v && v.error().errnum == EOPNOTSUPP)
    throw Failure(fmt::format("--native: kernel {} has no KVM_CAP_ARM_NATIVE_CACHE_CONFIG", uname_release()),
                  kExitNegative);
  return sys(std::move(v));
}

// What a kernel of that version would show a guest on this host, from host
// discovery and the kernel models.
identity::GuestView kernel_view_of_this_host(const std::string& version) {
  const kernel::KernelSpec k = load_kernel(version);
  auto report = host::discover(host::DiscoverOptions{});
  if (!report) usage_error(report.error().message);
  const identity::Host h = host::to_identity(*report, "this host");
  const kernel::HostInput in = host_input_of(h, "this host", 0);
  auto view = kernel::initial_view(k, in);
  if (!view)
    throw Failure(fmt::format("--kernel-view native: the capability would fail on this host: {} ({})",
                              view.error().message, errno_name(view.error().errnum)),
                  kExitNegative);
  return for_this_kernel(*view);
}

int run_vmm_exec(const VmmExecArgs& a) {
  if (int(!a.view.empty()) + int(a.native) + int(!a.kernel_view.empty()) + int(!a.compat.empty()) != 1)
    usage_error("give exactly one of --view FILE, --native, --kernel-view VERSION, --compat DEST");
  if (a.closest && a.view.empty() && a.kernel_view.empty()) usage_error("--closest goes with --view or --kernel-view");
  if (a.command.empty() && !a.print_env) usage_error("no VMM command given (armcache vmm-exec ... -- VMM ARGS...)");
  const std::string lib = find_library(a.lib);
  identity::GuestView v, saved;
  std::string label;
  if (!a.view.empty()) {
    saved = load_view(a.view);
    v = for_this_kernel(saved);
    label = a.view;
  } else if (a.native) {
    v = native_view();
    label = "native";
  } else if (!a.kernel_view.empty()) {
    v = kernel_view_of_this_host(a.kernel_view);
    label = "kernel-view " + a.kernel_view;
  }
  if (a.closest) {
    // Resolved once here on a scratch vCPU; every vCPU of the VMM then gets
    // exactly that view, which this kernel takes by construction.
    auto sys = open_kvm();
    auto n = kvm::nearest_view(sys, a.view.empty() ? v : saved, v);
    if (!n) system_failure(n.error());
    print_nearest(std::cerr, *n);
    v = n->view;
    label += n->exact() ? " (closest: exact)" : fmt::format(" (closest: {} differ)", n->differs.size());
  }
  std::string hide, id_regs;
  if (!a.compat.empty()) {
    // The destination's whole vCPU from the first init on: refuse to start
    // the VMM at all when the plan is impossible.
    const plan::CompatEnd dst = compat_end(take(profile::load(a.compat)), a.compat);
    const plan::CompatPlan p = plan::plan_compat(this_kernel_end(), dst);
    if (!p.possible()) {
      std::string why;
      for (const auto& i : p.items)
        if (i.action == plan::CompatAction::kImpossible) why += fmt::format("; {} {}: {}", i.layer, i.name, i.why);
      throw Failure(fmt::format("--compat {}: a VM started here cannot migrate to kernel {}{}", a.compat,
                                dst.kernel.label, why),
                    kExitNegative);
    }
    // The destination's ONE_REG values as they are, CTR_EL0 too: its KVM
    // takes back only those (a 6.1 destination refuses the guest-read CTR).
    v = p.view ? *p.view : dst.view;
    hide = vmm::encode_ids(p.hide);
    id_regs = vmm::encode_writes(p.id_writes);
    label = "compat " + a.compat;
  }
  const std::string text = vmm::encode_view(v);
  std::string preload = lib;
  if (const char* old = std::getenv("LD_PRELOAD"); old && *old) preload += std::string(":") + old;
  if (a.print_env) {
    std::cout << fmt::format("LD_PRELOAD={}\n{}={}\n{}={}\n", preload, vmm::kEnvView, text, vmm::kEnvLabel, label);
    if (!hide.empty()) std::cout << fmt::format("{}={}\n", vmm::kEnvHide, hide);
    if (!id_regs.empty()) std::cout << fmt::format("{}={}\n", vmm::kEnvIdRegs, id_regs);
    if (!a.log.empty()) std::cout << fmt::format("{}={}\n", vmm::kEnvLog, a.log);
    return kExitOk;
  }
  auto set = [](const char* k, const std::string& val) {
    if (::setenv(k, val.c_str(), 1) != 0) system_failure(Error::make(fmt::format("setenv {}: {}", k, std::strerror(errno)), errno));
  };
  set("LD_PRELOAD", preload);
  set(vmm::kEnvView, text);
  set(vmm::kEnvLabel, label);
  for (auto [name, value] : {std::pair{vmm::kEnvHide, &hide}, std::pair{vmm::kEnvIdRegs, &id_regs}}) {
    if (value->empty()) {
      ::unsetenv(name);
    } else {
      set(name, *value);
    }
  }
  if (!a.log.empty()) {
    set(vmm::kEnvLog, a.log);
  } else {
    ::unsetenv(vmm::kEnvLog);
  }
  std::vector<char*> argv;
  for (const auto& s : a.command) argv.push_back(const_cast<char*>(s.c_str()));
  argv.push_back(nullptr);
  std::cout.flush();
  ::execvp(argv[0], argv.data());
  system_failure(Error::make(fmt::format("exec {}: {}", a.command[0], std::strerror(errno)), errno));
}

}  // namespace

void add_vmm_exec(CLI::App& app, Context& ctx) {
  auto args = std::make_shared<VmmExecArgs>();
  CLI::App* sub = app.add_subcommand("vmm-exec", "Run an unmodified VMM with the cache view applied to every vCPU");
  sub->add_option("--view", args->view, "Profile JSON file with the guest view to apply");
  sub->add_flag("--native", args->native,
                "Apply what KVM_CAP_ARM_NATIVE_CACHE_CONFIG gives (read from a scratch vCPU; needs the capability)");
  sub->add_flag("--closest", args->closest,
                std::string(kClosestHelp) + " (on stderr); every vCPU then gets that nearest view");
  sub->add_option("--kernel-view", args->kernel_view,
                  "Apply the view a kernel of this version would give this host (e.g. 6.1), from host discovery");
  sub->add_option("--compat", args->compat,
                  "Make every vCPU the destination's (a kvm show --json profile of the host a VM started here "
                  "must be able to migrate to): its cache view, its register list (ids it lacks hidden from "
                  "KVM_GET_REG_LIST) and its lower ID register values; refuses to start the VMM when plan --for "
                  "qemu says impossible");
  sub->add_option("--log", args->log, "Append one line per vCPU init to this file (default: stderr)");
  sub->add_option("--lib", args->lib, "The interposer library (default: beside the armcache binary, else where it is installed)");
  sub->add_flag("--print-env", args->print_env,
                "Print the environment the VMM would get (LD_PRELOAD, ARMCACHE_VMM_*) instead of starting it");
  sub->add_option("command", args->command, "-- VMM ARGS...");
  sub->footer(
      "Starts VMM with libarmcache-vmm.so in LD_PRELOAD (the VMM must be dynamically linked: QEMU,\n"
      "cloud-hypervisor and crosvm are). After every successful KVM_ARM_VCPU_INIT, the first and each\n"
      "re-init (guest reboot), the library writes CTR_EL0, the DEMUX CCSIDR values and CLIDR_EL1 to that\n"
      "vCPU with the code of `armcache kvm apply`, and reads each back. If the kernel refuses one, the\n"
      "registers are put back and the VMM's KVM_ARM_VCPU_INIT fails with that errno, so no vCPU runs\n"
      "with a default or half-applied view; stderr gets one line naming the vCPU, register, value and\n"
      "errno. No other ioctl is touched (with --compat, KVM_GET_REG_LIST too). Pair it with firmware\n"
      "tables that agree (armcache firmware --into-dtb) so a Linux guest also gets sizes and sharing.\n\n"
      "--compat DEST plans a QEMU migration from this kernel to DEST (as plan --for qemu) and, when it is\n"
      "possible, also hides the ids DEST lacks from the VMM's KVM_GET_REG_LIST and writes DEST's lower ID\n"
      "register values in the same transaction as the view, so a guest started here can be migrated to DEST\n"
      "and back (docs/migration-compat.md). An impossible plan: exit 1 with the reasons, the VMM never starts.\n\n"
      "Examples:\n"
      "  armcache kernel-view --kernel 6.1 --qemu-model neoverse-n1 --json > n1-61.json\n"
      "  armcache vmm-exec --view n1-61.json --log vmm.log -- qemu-system-aarch64 -accel kvm -cpu host \\\n"
      "      -M virt,gic-version=3 -smp 2 -kernel Image ...\n"
      "  armcache vmm-exec --kernel-view 6.1 -- cloud-hypervisor --kernel Image ...\n"
      "  armcache vmm-exec --view v1-61.json --closest -- qemu-system-aarch64 ...   # a CCIDX host's 6.1 view\n"
      "  armcache vmm-exec --view n1-61.json -- crosvm run ...\n"
      "  armcache kvm show --json > host-6.1.json          # on a 6.1 host, once\n"
      "  armcache vmm-exec --compat host-6.1.json -- qemu-system-aarch64 -accel kvm -cpu host ...\n\n"
      "Exit status: the VMM's; before the VMM starts, 1 the capability is missing (--native) or the --compat\n"
      "plan is impossible, 2 bad input,\n"
      "3 a system call failed.\n");
  sub->callback([args, &ctx] { ctx.status = run_vmm_exec(*args); });
}

}  // namespace armcache::cli
