// armcache kvm show|verify|apply: the cache view of real KVM vCPUs, read by a
// guest probe and through ONE_REG, and applied to vCPUs.
#include <fmt/format.h>

#include <chrono>
#include <iostream>
#include <optional>

#include "armcache/host/discover.h"
#include "armcache/kernel/generation.h"
#include "armcache/kernel/vcpu_model.h"
#include "armcache/kvm/default_view.h"
#include "armcache/kvm/kvm.h"
#include "armcache/kvm/native_cap.h"
#include "armcache/kvm/native_detect.h"
#include "armcache/kvm/native_view.h"
#include "armcache/kvm/nearest.h"
#include "armcache/kvm/probe.h"
#include "armcache/kvm/replay_target.h"
#include "armcache/kvm/surface.h"
#include "armcache/kvm/verify.h"
#include "armcache/kvm/verify_view.h"
#include "armcache/profile/profile.h"
#include "armcache/registers/csselr.h"
#include "armcache/util/parse.h"
#include "armcache/vcpu/apply.h"
#include "armcache/vcpu/counting_regs.h"
#include "commands.h"
#include "inputs.h"
#include "replay.h"

namespace armcache::cli {
namespace {

using identity::GuestView;
using kvm::probe::ProbeVm;

std::string generation_of(const std::string& release) {
  auto k = kernel::parse_kernel(release);
  return k ? std::string(kernel::generation_name(k->generation)) : std::string();
}

Json reads_extra(const kvm::probe::Reads& r) {
  Json sel = Json::object();
  for (unsigned s = 0; s < kvm::probe::kSelectors; ++s) sel[hex(s)] = hex(r.csselr[s]);
  return Json{{"midr", hex(r.midr)}, {"mmfr2", hex(r.mmfr2)}, {"csselr_readback", sel}};
}

Json apply_json(const vcpu::ApplyReport& r, unsigned vcpu) {
  auto regs = [](const std::vector<vcpu::RegWrite>& ws) {
    Json a = Json::array();
    for (const auto& w : ws) a.push_back({{"register", w.name}, {"value", hex(w.value)}, {"before", hex(w.before)}});
    return a;
  };
  Json j{{"vcpu", vcpu}, {"ok", r.ok}, {"written", regs(r.written)}, {"unchanged", regs(r.unchanged)}};
  if (r.failure) {
    const auto& f = *r.failure;
    j["failure"] = {{"register", f.name},
                    {"id", hex(f.id)},
                    {"value", hex(f.value)},
                    {"errno", f.errnum},
                    {"errno_name", f.errnum ? errno_name(f.errnum) : std::string()},
                    {"read_back", f.read_back ? Json(hex(*f.read_back)) : Json(nullptr)},
                    {"message", f.message}};
    j["restored"] = r.restored;
    j["restore_errors"] = r.restore_errors;
  }
  return j;
}

// ---- show ----

struct ShowArgs {
  unsigned vcpus = 1;
  bool json = false;
  bool native = false;
};

// kvm show --native: KVM_CAP_ARM_NATIVE_CACHE_CONFIG on a scratch VM pinned to
// each CPU kind; without the capability (confirmed, not just a
// KVM_CHECK_EXTENSION answer: see native_detect.h), the view host discovery
// synthesizes for that kind (kvm/native_view.h).
int run_show_native(const ShowArgs& a) {
  auto sys_ = open_kvm();
  const std::string release = uname_release();
  const kvm::NativeCapCheck check = sys(kvm::confirm_native_cap(sys_));
  if (!check.present) std::cerr << "armcache: kvm show --native: " << check.reason << "; using host discovery\n";
  auto report = host::discover(host::DiscoverOptions{});
  const identity::Host host = report ? host::to_identity(*report, "live") : identity::Host{};
  Json views = Json::array();
  for (const auto& src : kvm::native_sources(host)) {
    profile::Profile p;
    std::string source = "KVM_CAP_ARM_NATIVE_CACHE_CONFIG";
    if (check.present) {
      const kvm::NativeProbe probe = sys(kvm::probe_native(sys_, src.cpu, a.vcpus));
      std::string problems;
      for (const auto& m : probe.disagreements) problems += (problems.empty() ? "" : "; ") + m.text();
      if (!problems.empty())
        throw Failure("KVM_CAP_ARM_NATIVE_CACHE_CONFIG: vCPUs disagree with vCPU 0 at boot: " + problems,
                      kExitNegative);
      p.guest = profile::GuestRecord{probe.first.view, release, "native"};
    } else {
      if (!report) usage_error(report.error().message);
      const kernel::HostInput in = take(kernel::host_input(host, src.kind));
      auto view = kvm::synthesized_native_view(in, src.cpus);
      if (!view) throw Failure(view.error().message, kExitNegative);
      p.guest = profile::GuestRecord{*view, release, "native"};
      source = "host discovery";
      p.warnings.push_back("this kernel lacks KVM_CAP_ARM_NATIVE_CACHE_CONFIG: view synthesized from sysfs, device "
                           "tree and PPTT; LoUU, LoUIS and ICB are inferred");
    }
    p.provenance = {{"tool", "armcache"}, {"command", "kvm show --native"}, {"source", source},
                    {"cpu", src.cpu},     {"cpus", src.cpus},              {"capability", check.reason}};
    views.push_back(profile::to_json(p));
  }
  if (a.json) {
    print_json(views.size() == 1 ? views[0] : views);
  } else {
    for (const auto& v : views)
      std::cout << fmt::format("CPUs {} ({}): CLIDR_EL1 {}, CCSIDR {}\n", v["provenance"]["cpus"].get<std::string>(),
                               v["provenance"]["source"].get<std::string>(), v["guest"]["clidr"].get<std::string>(),
                               v["guest"]["ccsidr"].dump());
  }
  return kExitOk;
}

int run_show(const ShowArgs& a) {
  if (a.native) return run_show_native(a);
  auto sys_ = open_kvm();
  const kvm::DefaultView d = sys(kvm::measure_default_view(sys_, a.vcpus));
  const std::string release = uname_release();
  profile::Profile p;
  p.guest = profile::GuestRecord{d.vcpus[0].view, release, generation_of(release)};
  Json probes = Json::array();
  for (unsigned i = 0; i < d.vcpus.size(); ++i) {
    Json e = reads_extra(d.vcpus[i].reads);
    e["vcpu"] = i;
    probes.push_back(e);
  }
  for (unsigned i : d.differing()) p.warnings.push_back(fmt::format("vCPU {} reads a different view than vCPU 0", i));
  p.provenance = {{"tool", "armcache"}, {"command", "kvm show"}, {"source", "kvm-probe"}, {"vcpus", a.vcpus},
                  {"target", d.target}, {"probe", probes}};
  // What a migration to this kernel must match besides the cache view.
  p.surface = d.surface;
  if (a.json) {
    print_json(profile::to_json(p));
    return kExitOk;
  }
  const GuestView& v = d.vcpus[0].view;
  std::cout << fmt::format("KVM guest view on {} ({}), vCPU 0 of {}\n", release, p.guest->generation, a.vcpus);
  std::cout << fmt::format("  MIDR_EL1    {}\n", hex(d.vcpus[0].reads.midr));
  std::cout << fmt::format("  CLIDR_EL1   {}  (ONE_REG {})\n", hex(v.clidr.raw()), hex(v.clidr_reg));
  std::cout << fmt::format("  CTR_EL0     {}  (ONE_REG {})\n", hex(v.ctr.raw()), hex(v.ctr_reg));
  std::cout << fmt::format("  ID_AA64MMFR2_EL1.CCIDX {}\n", v.mmfr2_ccidx);
  for (unsigned s = 0; s < identity::kGuestSelectors; ++s) {
    auto d = v.demux.find(s);
    std::cout << fmt::format("  {:<16} {:<12} TnD {:<12} DEMUX {}\n", reg::ccsidr_name(reg::Csselr(s)),
                             hex(v.ccsidr[s]), hex(v.ccsidr_tnd[s]),
                             d == v.demux.end() ? std::string("-") : hex(d->second));
  }
  std::cout << fmt::format("  default vCPU ({}): {} registers listed, {} feature ID and firmware registers\n",
                           p.surface->features, p.surface->reg_list.size(), p.surface->values.size());
  for (const auto& w : p.warnings) std::cout << "warning: " << w << '\n';
  return kExitOk;
}

// ---- --closest ----

using kvm::Nearest;

Nearest nearest_on_this_kernel(kvm::System& sys_, const GuestView& saved) {
  return sys(kvm::nearest_view(sys_, saved, for_this_kernel(saved)));
}

Json nearest_json(const Nearest& n) {
  return Json{{"exact", n.differs.empty()}, {"differs", n.differs}, {"view", profile::guest_view_to_json(n.view)}};
}

// ---- verify ----

struct VerifyArgs {
  std::string view;
  unsigned vcpus = 2;
  bool json = false;
  bool all_selectors = false;
  bool only_vcpu0 = false;     // testing: kvm::VerifyOptions' fault injection
  bool lose_on_reset = false;
  bool no_complete = false;
  bool closest = false;
};

int run_verify(const VerifyArgs& a) {
  GuestView want = for_this_kernel(load_view(a.view));
  auto sys_ = open_kvm();
  std::optional<Nearest> nearest;
  if (a.closest) {
    nearest = nearest_on_this_kernel(sys_, load_view(a.view));
    want = nearest->view;
    if (!a.json) print_nearest(std::cout, *nearest);
  }
  kvm::VerifyOptions opt;
  opt.vcpus = a.vcpus;
  opt.compare.all_selectors = a.all_selectors;
  opt.only_vcpu0 = a.only_vcpu0;
  opt.lose_on_reset = a.lose_on_reset;
  opt.no_complete = a.no_complete;
  const kvm::VerifyReport rep = sys(kvm::verify_view(sys_, want, opt));
  const std::vector<std::string> problems = rep.problems();

  Json out;
  out["view"] = a.view;
  out["fingerprint"] = profile::fingerprint(want);
  out["kernel"] = uname_release();
  out["vcpus"] = a.vcpus;
  if (nearest) out["closest"] = nearest_json(*nearest);
  Json applies = Json::array();
  for (unsigned i = 0; i < rep.applies.size(); ++i) applies.push_back(apply_json(rep.applies[i], i));
  out["apply"] = applies;
  Json sels = Json::array();
  for (unsigned s : rep.compared) sels.push_back(hex(s));
  out["compared_selectors"] = sels;
  Json mm = Json::array();
  for (const auto& m : rep.mismatches)
    mm.push_back({{"vcpu", m.vcpu}, {"phase", m.phase}, {"register", m.reg}, {"expected", hex(m.expected)},
                  {"seen", hex(m.seen)}});
  out["mismatches"] = mm;
  Json reads = Json::array();
  for (const auto& r : rep.reads) {
    Json j = reads_extra(r.seen.reads);
    j["vcpu"] = r.vcpu;
    j["phase"] = r.phase;
    j["view"] = profile::guest_view_to_json(r.seen.view);
    reads.push_back(j);
  }
  out["reads"] = reads;
  out["ok"] = problems.empty();
  if (a.json) {
    print_json(out);
  } else if (problems.empty()) {
    std::cout << fmt::format("ok: {} vCPUs read the view of {} at boot and after reset ({} CCSIDR selectors compared)\n",
                             a.vcpus, a.view, sels.size());
  } else {
    for (const auto& p : problems) std::cout << p << '\n';
  }
  if (problems.empty()) return kExitOk;
  std::cerr << fmt::format("armcache: kvm verify: {} problem{}, first: {}\n", problems.size(),
                           problems.size() == 1 ? "" : "s", problems.front());
  return kExitNegative;
}

// ---- apply ----

struct ApplyArgs {
  std::string view;
  unsigned vcpus = 1;
  int fd = -1;
  bool json = false;
  bool closest = false;
};

int run_apply(const ApplyArgs& a) {
  GuestView want = for_this_kernel(load_view(a.view));
  need_backend();
  std::optional<Nearest> nearest;
  if (a.closest) {
    auto sys_ = open_kvm();
    nearest = nearest_on_this_kernel(sys_, load_view(a.view));
    want = nearest->view;
    if (!a.json) print_nearest(std::cout, *nearest);
  }
  Json applies = Json::array();
  std::string problem;
  auto one = [&](vcpu::RegisterFile& vcpu, unsigned i) {
    vcpu::CountingRegs regs(vcpu);
    const auto t0 = std::chrono::steady_clock::now();
    const auto rep = vcpu::apply_view(want, regs);
    const auto us = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t0);
    Json j = apply_json(rep, i);
    j["ioctls"] = {{"KVM_GET_REG_LIST", regs.lists}, {"KVM_GET_ONE_REG", regs.gets}, {"KVM_SET_ONE_REG", regs.sets}};
    j["apply_us"] = us.count();
    applies.push_back(j);
    if (!rep.ok && problem.empty()) problem = fmt::format("vCPU {}: {}", i, vcpu::describe(rep));
    if (!a.json) std::cout << fmt::format("vCPU {}: {}\n", i, vcpu::describe(rep));
  };
  if (a.fd >= 0) {
    kvm::Vcpu v = kvm::Vcpu::borrow(a.fd);
    one(v, 0);
  } else {
    auto sys_ = open_kvm();
    auto vm = sys(ProbeVm::create(sys_, a.vcpus));
    for (unsigned i = 0; i < a.vcpus && problem.empty(); ++i) one(vm.vcpu(i), i);
  }
  if (a.json) {
    Json j{{"view", a.view}, {"ok", problem.empty()}, {"apply", applies}};
    if (nearest) j["closest"] = nearest_json(*nearest);
    print_json(j);
  }
  if (problem.empty()) return kExitOk;
  std::cerr << "armcache: kvm apply: " << problem << '\n';
  return kExitNegative;
}

// ---- replay (hidden; the test bed's SET_ONE_REG corpus) ----

struct ReplayArgs {
  std::string corpus;
  bool json = false;
  bool mte = false;
};

int run_replay(const ReplayArgs& a) {
  const auto steps = replay::load_corpus(a.corpus);
  auto sys_ = open_kvm();
  kvm::ProbeReplayTarget t(sys_, a.mte);
  replay::print_result(uname_release(), "kvm", steps, replay::run(steps, t), a.json);
  return kExitOk;
}

}  // namespace

void add_kvm(CLI::App& app, Context& ctx) {
  CLI::App* kvm = app.add_subcommand("kvm", "Read, apply and verify the cache view of real KVM vCPUs (aarch64 hosts)");
  kvm->require_subcommand(1);
  kvm->footer(
      "Needs /dev/kvm on an aarch64 Linux host; elsewhere every kvm command fails with exit status 3.\n\n"
      "Examples:\n  armcache kvm show --json > here.json\n  armcache kvm verify --view n1-61.json --vcpus 4\n"
      "  armcache kvm apply --view n1-61.json --fd 7\n\n" +
      exit_status_help());

  auto show = std::make_shared<ShowArgs>();
  CLI::App* s = kvm->add_subcommand("show", "This kernel's default guest view, from a scratch VM");
  s->add_option("--vcpus", show->vcpus, "vCPUs to create and probe (default 1)")->check(CLI::Range(1, 64));
  s->add_flag("-J,--json", show->json, "Print an armcache profile with the guest view (same format as kernel-view)");
  s->add_flag("--native", show->native,
              "The native view: KVM_CAP_ARM_NATIVE_CACHE_CONFIG on a scratch VM pinned to the first CPU of each "
              "CPU kind (one profile per kind); without the capability, host discovery's registers. The "
              "capability counts only when KVM_CHECK_EXTENSION says 1 and a vCPU KVM_ENABLE_CAP before "
              "KVM_ARM_VCPU_INIT gives ENOEXEC (its number is another capability's on stock kernels >= 6.15); "
              "otherwise stderr says why and host discovery is used");
  s->footer(
      "Creates a VM, runs a probe program in each vCPU that reads CLIDR_EL1, CCSIDR_EL1 (CSSELR 0..15, and\n"
      "with TnD), CTR_EL0, ID_AA64MMFR2_EL1 and MIDR_EL1 as the guest sees them, and reads CLIDR, CTR\n"
      "and every listed DEMUX CCSIDR through KVM_GET_ONE_REG.\n\n"
      "A second scratch vCPU, initialised as QEMU's -cpu host does (PSCI 0.2, PMUv3, SVE and pointer\n"
      "authentication whenever offered), gives\n"
      "the rest of what a migration to this kernel must match: its KVM_GET_REG_LIST and the values of every\n"
      "listed feature ID and firmware register (\"vcpu_surface\" in the JSON; plan --for qemu and vmm-exec\n"
      "--compat read it; docs/migration-compat.md).\n\n" + exit_status_help());
  s->callback([show, &ctx] { ctx.status = run_show(*show); });

  auto ver = std::make_shared<VerifyArgs>();
  CLI::App* v = kvm->add_subcommand("verify", "Apply a view to every vCPU, probe, reset, probe again");
  v->add_option("--view", ver->view, "Profile JSON file with a guest view")->required();
  v->add_option("--vcpus", ver->vcpus, "vCPUs in the VM (default 2)")->check(CLI::Range(1, 64));
  v->add_flag("-J,--json", ver->json, "Print the full report as JSON");
  v->add_flag("--all-selectors", ver->all_selectors,
              "Compare CCSIDR for all 32 CSSELR values, not only those the view's CLIDR describes");
  v->add_flag("--closest", ver->closest, kClosestHelp);
  v->add_flag("--only-vcpu0", ver->only_vcpu0, "Testing: apply the view to vCPU 0 only")->group("");
  v->add_flag("--lose-on-reset", ver->lose_on_reset,
              "Testing: write the default CLIDR back after each reset, as 6.3-6.9 kernels do")
      ->group("");
  v->add_flag("--reset-without-completing", ver->no_complete,
              "Testing: reset without first completing the probe's pending MMIO store")
      ->group("");
  v->footer(
      "Compares, for every vCPU at boot and after a second KVM_ARM_VCPU_INIT: CLIDR_EL1, CCSIDR_EL1 for the\n"
      "selectors the view's CLIDR describes (also with TnD), CTR_EL0 and MMFR2.CCIDX as the guest reads\n"
      "them, and CLIDR, CTR and the view's DEMUX CCSIDR values through ONE_REG. Exit 1 names the vCPU,\n"
      "phase, register, expected and seen value of every difference, or the register the kernel refused.\n\n" +
      exit_status_help());
  v->callback([ver, &ctx] { ctx.status = run_verify(*ver); });

  auto ap = std::make_shared<ApplyArgs>();
  CLI::App* p = kvm->add_subcommand("apply", "Apply a view (to a scratch VM, or to an inherited vCPU fd)");
  p->add_option("--view", ap->view, "Profile JSON file with a guest view")->required();
  p->add_option("--vcpus", ap->vcpus, "vCPUs of the scratch VM (default 1)")->check(CLI::Range(1, 64));
  p->add_option("--fd", ap->fd, "Apply to this inherited vCPU fd instead of a scratch VM");
  p->add_flag("--closest", ap->closest, kClosestHelp);
  p->add_flag("-J,--json", ap->json, "Print the per-register report as JSON");
  p->footer(
      "Writes CTR_EL0, the DEMUX CCSIDR values and CLIDR_EL1 (registers already equal are skipped), reads\n"
      "each back and, if the kernel refuses one, restores the others: exit 1 names the register and errno.\n\n" +
      exit_status_help());
  p->callback([ap, &ctx] { ctx.status = run_apply(*ap); });

  auto rp = std::make_shared<ReplayArgs>();
  CLI::App* r = kvm->add_subcommand("replay", "Testing: apply a corpus of SET_ONE_REG attempts, record errno and state");
  r->group("");  // hidden: compared with `armcache model-replay` by e2e/differential.py
  r->add_option("--corpus", rp->corpus, "Corpus JSON: {\"steps\": [{\"op\": \"set\", \"id\", \"value\"}, reset, run, fresh]}")
      ->required();
  r->add_flag("-J,--json", rp->json, "Print the result as one JSON line");
  r->add_flag("--mte", rp->mte, "Every VM with KVM_CAP_ARM_MTE (the host needs MTE)");
  r->callback([rp, &ctx] { ctx.status = run_replay(*rp); });
}

}  // namespace armcache::cli
