#include "armcache/plan/baseline.h"

#include <fmt/format.h>

#include <map>
#include <set>
#include <unordered_map>

#include "armcache/cache/geometry.h"
#include "armcache/kernel/guest_view.h"
#include "armcache/kernel/vcpu_model.h"
#include "armcache/plan/planner.h"
#include "armcache/profile/profile.h"

namespace armcache::plan {

using identity::GuestView;
using kernel::HostInput;
using kernel::KernelSpec;

Richness richness(const GuestView& v) {
  Richness r;
  for (std::uint32_t sel : identity::identity_selectors(v)) {
    const std::uint64_t raw = v.ccsidr_read(sel);
    const cache::Geometry g = cache::geometry_of_read(raw, v.mmfr2_ccidx != 0);
    ++r.caches;
    r.total_bytes += g.size_bytes();
    if (g.ways > 1 || g.sets > 1) ++r.real_caches;
  }
  return r;
}

namespace {

// Hosts that behave the same for every candidate: same kernel generation and
// version, same CPU kinds (registers, and which one boots).
struct HostClass {
  KernelSpec kernel;
  std::vector<HostInput> inputs;  // one per CPU kind, that kind as the current CPU
  std::string name;               // of the first member, for the candidates' origin
};

void key_kind(std::string& key, const identity::HostKind& k) {
  key += fmt::format("{:x}/{:x}/{}/{}/{}/{}:", k.clidr.raw(), k.ctr ? k.ctr->raw() : 0, int(k.ccidx), k.mte, k.evt,
                     k.midr.value_or(0));
  for (const auto& [sel, v] : k.ccsidr) key += fmt::format("{:x}={:x},", sel, v);
  key += ';';
}

std::string class_key(const KernelSpec& k, const std::vector<HostInput>& inputs) {
  std::string key = fmt::format("{}.{}.{}|{:x}|", int(k.generation), k.version.major, k.version.minor,
                                inputs.front().sanitised_ctr.raw());
  key_kind(key, inputs.front().boot_cpu);
  for (const HostInput& in : inputs) key_kind(key, in.current_cpu);
  return key;
}

// The first reason a class cannot present the candidate; nullopt when it can.
std::optional<std::string> refusal(const BaselineCandidate& c, const HostClass& cls) {
  for (std::size_t i = 0; i < cls.inputs.size(); ++i) {
    const Plan p = plan_restore({c.view, c.generation}, cls.kernel, cls.inputs[i]);
    if (p.verdict != Verdict::kImpossible) continue;
    const std::string why = p.reasons.empty() ? std::string("impossible") : p.reasons.front();
    return cls.inputs.size() > 1 ? fmt::format("CPU kind {}: {}", i, why) : why;
  }
  return std::nullopt;
}

}  // namespace

Result<FleetHost> fleet_host(profile::Profile p, std::string name) {
  if (!p.host) return Error::make(fmt::format("{}: holds no \"host\"", name));
  FleetHost h{std::move(name), std::move(*p.host), std::nullopt};
  if (h.host.kernel)
    h.kernel = h.host.kernel;
  else if (p.guest && !p.guest->kernel.empty())
    h.kernel = p.guest->kernel;
  return h;
}

Baseline compute_baseline(const std::vector<FleetHost>& hosts, const std::optional<KernelSpec>& kernel) {
  Baseline out;
  std::vector<HostClass> classes;
  std::unordered_map<std::string, std::size_t> by_key;
  std::vector<std::size_t> class_of(hosts.size(), SIZE_MAX);
  std::vector<std::string> reason(hosts.size());
  std::map<std::string, Result<KernelSpec>> kernels;  // parsed once per distinct label

  for (std::size_t h = 0; h < hosts.size(); ++h) {
    const FleetHost& fh = hosts[h];
    KernelSpec spec;
    if (kernel) {
      spec = *kernel;
    } else if (fh.kernel) {
      auto it = kernels.find(*fh.kernel);
      if (it == kernels.end()) it = kernels.emplace(*fh.kernel, kernel::parse_kernel(*fh.kernel)).first;
      if (!it->second) {
        reason[h] = fmt::format("its kernel '{}' is not understood: {}", *fh.kernel, it->second.error().message);
        continue;
      }
      spec = *it->second;
    } else {
      reason[h] = "the file names no kernel (give --kernel)";
      continue;
    }
    std::vector<HostInput> inputs;
    for (std::size_t k = 0; k < fh.host.kinds.size() && reason[h].empty(); ++k) {
      auto in = kernel::host_input(fh.host, k);
      if (!in)
        reason[h] = in.error().message;
      else
        inputs.push_back(std::move(*in));
    }
    if (!reason[h].empty()) continue;
    if (inputs.empty()) {
      reason[h] = "host has no CPU kinds";
      continue;
    }
    std::string key = class_key(spec, inputs);
    auto [it, fresh] = by_key.emplace(std::move(key), classes.size());
    if (fresh) classes.push_back({spec, std::move(inputs), fh.name});
    class_of[h] = it->second;
  }
  out.distinct_hosts = classes.size();

  std::vector<std::size_t> members(classes.size(), 0);
  for (std::size_t c : class_of)
    if (c != SIZE_MAX) ++members[c];

  std::vector<BaselineCandidate> cands;
  std::set<std::string> seen;
  // A candidate is what a guest reads; its ONE_REG fields become the values
  // that present it (what `kvm apply` and the planner write): the guest-read
  // CLIDR_EL1 and CTR_EL0, and a DEMUX value for each cache CLIDR describes.
  auto add = [&](GuestView v, kernel::Generation gen, std::string origin) {
    v.demux.clear();
    v.clidr_reg = v.clidr.raw();
    v.ctr_reg = v.ctr.raw();
    for (std::uint32_t sel : identity::identity_selectors(v))
      if (sel < kernel::kDemuxCount && (v.ccsidr[sel] >> 32) == 0) v.demux[sel] = std::uint32_t(v.ccsidr[sel]);
    if (seen.insert(profile::fingerprint(v)).second) cands.push_back({std::move(v), gen, std::move(origin)});
  };
  const KernelSpec native = *kernel::parse_kernel("native");
  std::vector<identity::HostKind> all_kinds;
  for (const HostClass& cls : classes) {
    for (std::size_t i = 0; i < cls.inputs.size(); ++i) {
      const std::string kind = cls.inputs.size() > 1 ? fmt::format(" kind {}", i) : "";
      kernel::VcpuModel def(cls.kernel, cls.inputs[i]);
      add(def.view(), cls.kernel.generation, fmt::format("default view of {}{} on kernel {}", cls.name, kind, cls.kernel.label));
      if (auto nat = kernel::initial_view(native, cls.inputs[i]))
        add(*nat, kernel::Generation::kNative, fmt::format("native view of {}{}", cls.name, kind));
      all_kinds.push_back(cls.inputs[i].current_cpu);
    }
  }
  if (!classes.empty()) {
    // What a 6.10+ kernel fabricates from the lowest CTR_EL0 of the fleet:
    // the view most likely to fit everywhere.
    HostInput in = classes.front().inputs.front();
    in.sanitised_ctr = kernel::sanitise_ctr(all_kinds);
    in.boot_cpu.evt = in.current_cpu.evt = 0;
    kernel::VcpuModel fab(*kernel::parse_kernel("6.12"), in);
    add(fab.view(), kernel::Generation::k610To615, "fabricated view of a 6.10+ kernel from the fleet's lowest CTR_EL0");
  }
  out.candidates = cands.size();

  // Score every candidate; keep the best by the documented rule.
  std::optional<std::size_t> best;
  std::size_t best_hosts = 0;
  Richness best_rich;
  std::string best_fp;
  for (std::size_t c = 0; c < cands.size(); ++c) {
    std::size_t n = 0;
    for (std::size_t k = 0; k < classes.size(); ++k)
      if (!refusal(cands[c], classes[k])) n += members[k];
    const Richness r = richness(cands[c].view);
    const std::string fp = profile::fingerprint(cands[c].view);
    const bool better = !best || n > best_hosts ||
                        (n == best_hosts && (r > best_rich || (r == best_rich && fp < best_fp)));
    if (better) {
      best = c;
      best_hosts = n;
      best_rich = r;
      best_fp = fp;
    }
  }
  if (best && best_hosts > 0) {
    out.chosen = cands[*best];
    std::vector<std::optional<std::string>> why(classes.size());
    for (std::size_t k = 0; k < classes.size(); ++k) why[k] = refusal(*out.chosen, classes[k]);
    for (std::size_t h = 0; h < hosts.size(); ++h)
      if (class_of[h] != SIZE_MAX && why[class_of[h]]) reason[h] = *why[class_of[h]];
  } else {
    for (std::size_t h = 0; h < hosts.size(); ++h)
      if (class_of[h] != SIZE_MAX) reason[h] = "no candidate view can be presented by this host";
  }
  for (std::size_t h = 0; h < hosts.size(); ++h) {
    if (reason[h].empty())
      out.included.push_back(hosts[h].name);
    else
      out.left_out.push_back({hosts[h].name, reason[h]});
  }
  return out;
}

}  // namespace armcache::plan
