// armcache show: the host's caches per cache kind, lscpu -C style, with the
// CLIDR/CCSIDR values they imply.
#include <fmt/format.h>

#include <iostream>
#include <set>

#include "armcache/cache/idc.h"
#include "armcache/cache/selectors.h"
#include "armcache/profile/clidr_origin.h"
#include "armcache/registers/codec.h"
#include "armcache/registers/midr.h"
#include "armcache/util/parse.h"
#include "armcache/util/cpulist.h"
#include "armcache/registers/csselr.h"
#include "commands.h"
#include "host_args.h"

namespace armcache::cli {
namespace {

// lscpu's one-letter sizes: 32K, 2M, 2.9M.
std::string human(std::uint64_t b) {
  static const char* kUnits = "BKMGT";
  int u = 0;
  double v = double(b);
  while (v >= 1024 && u < 4) {
    v /= 1024;
    ++u;
  }
  if (u == 0) return fmt::format("{}", b);
  if (v == double(std::uint64_t(v))) return fmt::format("{}{}", std::uint64_t(v), kUnits[u]);
  return fmt::format("{:.1f}{}", v, kUnits[u]);
}

template <typename T>
std::string cell(const host::Tagged<T>& t) {
  return t.known() ? fmt::format("{}", *t.value) : std::string();
}

std::string sources_of(const host::CacheInfo& c) {
  std::set<std::string_view> s;
  for (host::Source src : {c.size.source, c.ways.source, c.sets.source, c.line.source})
    if (src != host::Source::kNone) s.insert(host::to_string(src));
  std::string out;
  for (auto v : s) out += (out.empty() ? "" : "+") + std::string(v);
  return out.empty() ? "-" : out;
}

void print_table(const host::HostReport& r, std::optional<reg::Ctr> ctr) {
  std::size_t n = 0;
  for (const auto& k : r.kinds) {
    ++n;
    std::cout << fmt::format("Kind {} of {}: CPUs {}{}\n", n, r.kinds.size(), format_cpulist(k.group.cpus),
                             k.group.midr.known() ? fmt::format(", MIDR {:#x} ({})", *k.group.midr.value,
                                                                reg::describe_midr(*k.group.midr.value))
                                                  : "");
    std::cout << fmt::format("{:<4} {:>8} {:>8} {:>4} {:<11} {:>5} {:>5} {:>8} {:>14} {}\n", "NAME", "ONE-SIZE",
                             "ALL-SIZE", "WAYS", "TYPE", "LEVEL", "SETS", "PHY-LINE", "COHERENCY-SIZE", "SOURCE");
    for (std::size_t i = 0; i < k.group.caches.size(); ++i) {
      const auto& c = k.group.caches[i];
      const char* suffix = c.type == cache::CacheKind::kData ? "d" : c.type == cache::CacheKind::kInstruction ? "i" : "";
      const unsigned inst = i < k.group.instances.size() ? k.group.instances[i] : 1;
      std::cout << fmt::format("{:<4} {:>8} {:>8} {:>4} {:<11} {:>5} {:>5} {:>8} {:>14} {}\n",
                               fmt::format("L{}{}", c.level, suffix), c.size.known() ? human(*c.size.value) : "",
                               c.size.known() ? human(*c.size.value * inst) : "", cell(c.ways),
                               cache::to_string(c.type), c.level, cell(c.sets), cell(c.physical_line_partition),
                               cell(c.line), sources_of(c));
    }
    std::string conf;
    for (const auto& f : k.synth.confidence) conf += fmt::format("{}{} {}", conf.empty() ? "" : ", ", f.field,
                                                                 host::to_string(f.confidence));
    std::cout << fmt::format("  CLIDR_EL1 {:#x} (LoUIS {}, LoC {}, LoUU {}, ICB {})\n", k.synth.clidr.raw(),
                             k.synth.clidr.louis(), k.synth.clidr.loc(), k.synth.clidr.louu(), k.synth.clidr.icb());
    std::cout << "    confidence: " << conf << '\n';
    // What a KVM 6.3+ guest reads instead, and what a Firecracker-style
    // override (Ctype and LoC from cpu0's sysfs, the rest KVM's) writes.
    if (ctr) {
      const reg::Ctr sanitised = cache::sanitised_ctr(*ctr, k.synth.clidr);
      const reg::Clidr kvm = profile::kvm_fabricated_clidr(sanitised, false);
      std::cout << fmt::format("  Guest CLIDR_EL1 on KVM 6.3+: {:#x} (fabricated from CTR_EL0 {:#x})", kvm.raw(),
                               sanitised.raw());
      const bool boot = !k.group.cpus.empty() && k.group.cpus.front() == 0;
      if (boot)
        std::cout << fmt::format("; with a sysfs-derived override of the Firecracker kind: {:#x}",
                                 profile::sysfs_override_clidr(k.synth.clidr, kvm).raw());
      std::cout << '\n';
    }
    for (std::size_t i = 0; i < k.group.caches.size() && i < k.group.sharing.size(); ++i) {
      const auto& groups = k.group.sharing[i];
      bool mixed = false;
      for (const auto& g : groups) mixed |= g.size() != groups.front().size();
      if (!mixed) continue;
      const auto& c = k.group.caches[i];
      std::string list;
      for (const auto& g : groups) list += (list.empty() ? "" : " | ") + format_cpulist(g);
      std::cout << fmt::format("  Sharing: L{}{} by {} (one kind: the registers read the same)\n", c.level,
                               c.type == cache::CacheKind::kData ? "d" : c.type == cache::CacheKind::kInstruction ? "i" : "",
                               list);
    }

    std::cout << fmt::format("  CCSIDR_EL1 ({} format):", k.synth.ccidx ? "FEAT_CCIDX" : "32-bit");
    if (k.synth.ccsidr.empty()) std::cout << " none";
    for (const auto& [sel, v] : k.synth.ccsidr) {
      const reg::Csselr s(sel);
      std::cout << fmt::format(" [{:#x} L{}{}] {:#x}", sel, s.level(), s.ind() ? "i" : "", v);
    }
    std::cout << '\n';
    std::cout << "  Not determined by these sources:\n";
    for (const auto& u : k.synth.undetermined) std::cout << "    " << u << '\n';
    std::cout << '\n';
  }
  if (r.kinds.empty()) std::cout << "No CPUs described.\n";
  for (const auto& w : r.warnings) std::cout << "warning: " << w << '\n';
}

}  // namespace

void add_show(CLI::App& app, Context& ctx) {
  auto args = std::make_shared<HostArgs>();
  auto json = std::make_shared<bool>(false);
  auto ctr_text = std::make_shared<std::string>();
  CLI::App* sub = app.add_subcommand("show", "Show the host's cache hierarchy per cache kind");
  add_host_options(sub, *args);
  sub->add_option("--ctr", *ctr_text,
                  "CTR_EL0 of the host (hexadecimal; default: the live register on arm64): adds the CLIDR_EL1 a KVM "
                  "6.3+ guest reads and the one a Firecracker-style sysfs override writes");
  sub->add_flag("-J,--json", *json,
                "Print JSON: {sources, kinds: [{cpus, midr, caches: [{level, type, size_bytes, ways, sets, "
                "line_bytes, shared_cpus, sharing: [cpulist per group], source: {field: source}}], clidr: {value, "
                "confidence}, ccsidr: {selector: value}, missing_geometry, undetermined}], warnings}; unknown "
                "numbers are null");
  sub->footer(std::string(
                  "Groups CPUs into cache kinds (same MIDR and caches: the same cache ID registers; CPUs that\n"
                  "share a cache differently stay one kind, and every sharing group is listed), prints an\n"
                  "lscpu -C style table for each with the MIDR's name as lscpu spells it, the CLIDR_EL1 and\n"
                  "CCSIDR_EL1 values the geometry implies with a confidence per CLIDR field, with CTR_EL0 (live\n"
                  "or --ctr) the CLIDR_EL1 a KVM 6.3+ guest reads and the one a Firecracker-style sysfs override\n"
                  "writes, once per kind which geometry the sources lack (trees with only level, type and\n"
                  "sharing still give kinds, levels and a CLIDR), what they cannot determine, and warnings.\n\n") +
              kHostSourcesHelp +
              "\nExamples:\n  armcache show\n  armcache show --sysfs-root tests/fixtures/hetero --json\n"
              "  armcache show --dt board.dtb --pptt PPTT\n\n" + exit_status_help());
  sub->callback([args, json, ctr_text, &ctx] {
    std::optional<reg::Ctr> ctr;
    if (!ctr_text->empty()) {
      auto v = parse_hex(*ctr_text);
      if (!v) usage_error("--ctr: " + v.error().message);
      if (auto ok = reg::check_reserved(reg::kCtrLayout, *v); !ok) usage_error("--ctr: " + ok.error().message);
      ctr = reg::Ctr(*v);
    }
    const host::HostReport r = discover_or_fail(*args);
    if (!ctr && r.live) ctr = reg::Ctr(r.live->ctr_el0);
    if (*json) std::cout << host::report_to_json(r);
    else print_table(r, ctr);
    ctx.status = kExitOk;
  });
}

}  // namespace armcache::cli
