// armcache diff: two profiles, register by register and cache by cache.
#include <fmt/format.h>

#include <iostream>
#include <sstream>

#include "armcache/profile/diff.h"
#include "commands.h"
#include "inputs.h"

namespace armcache::cli {
namespace {

struct DiffArgs {
  std::string a, b;
  bool json = false;
};

int run_diff(const DiffArgs& args) {
  const profile::Profile a = take(profile::load(args.a));
  const profile::Profile b = take(profile::load(args.b));
  const profile::DiffResult d = take(profile::diff(a, b, args.a, args.b));
  const bool same = d.items.empty();
  if (args.json) {
    Json j;
    j["a"] = args.a;
    j["b"] = args.b;
    j["identical"] = same;
    if (d.compared_guest) {
      j["fingerprint"] = {{"a", profile::fingerprint(a.guest->view)}, {"b", profile::fingerprint(b.guest->view)}};
      j["kernel"] = {{"a", a.guest->kernel}, {"b", b.guest->kernel}};
      auto origin = [](const profile::ClidrClass& c) {
        return Json{{"origin", profile::to_string(c.origin)}, {"text", c.text}};
      };
      j["clidr_origin"] = {{"a", origin(*d.clidr_origin_a)}, {"b", origin(*d.clidr_origin_b)}};
    }
    Json items = Json::array();
    for (const auto& i : d.items)
      items.push_back({{"scope", profile::to_string(i.scope)}, {"item", i.item}, {"a", i.a}, {"b", i.b}, {"text", i.text}});
    j["differences"] = items;
    j["notes"] = d.notes;
    print_json(j);
    return same ? kExitOk : kExitNegative;
  }
  std::ostringstream out;
  out << fmt::format("{} -> {}: {}\n", args.a, args.b,
                     same ? "identical" : fmt::format("{} difference{}", d.items.size(), d.items.size() == 1 ? "" : "s"));
  if (d.compared_guest) {
    auto side = [](const profile::GuestRecord& g) {
      return fmt::format("{}{}", g.kernel.empty() ? "kernel unknown" : "kernel " + g.kernel,
                         g.generation.empty() ? "" : " (" + g.generation + ")");
    };
    out << fmt::format("  guest: {} -> {}\n", side(*a.guest), side(*b.guest));
    out << fmt::format("  CLIDR_EL1 of A ({:#x}): {}\n", a.guest->view.clidr.raw(), d.clidr_origin_a->text);
    out << fmt::format("  CLIDR_EL1 of B ({:#x}): {}\n", b.guest->view.clidr.raw(), d.clidr_origin_b->text);
  }
  // Grouped by scope, so guest-visible changes come first.
  for (auto scope : {profile::DiffScope::kGuest, profile::DiffScope::kKvm, profile::DiffScope::kHost}) {
    bool header = false;
    for (const auto& i : d.items) {
      if (i.scope != scope) continue;
      if (!header) {
        out << (scope == profile::DiffScope::kGuest ? "What the guest reads:\n"
                : scope == profile::DiffScope::kKvm ? "KVM ONE_REG state (not guest-visible):\n"
                                                    : "Host CPU kinds:\n");
        header = true;
      }
      out << "  " << i.text << '\n';
    }
  }
  for (const auto& n : d.notes) out << "note: " << n << '\n';
  std::cout << out.str();
  return same ? kExitOk : kExitNegative;
}

}  // namespace

void add_diff(CLI::App& app, Context& ctx) {
  auto args = std::make_shared<DiffArgs>();
  CLI::App* sub = app.add_subcommand("diff", "Compare two profiles register by register and cache by cache");
  sub->add_option("A", args->a, "First profile")->required();
  sub->add_option("B", args->b, "Second profile")->required();
  sub->add_flag("-J,--json", args->json,
                "Print {a, b, identical, fingerprint{a,b}, kernel{a,b}, clidr_origin{a,b}: {origin, text}, "
                "differences[{scope, item, a, b, text}], notes[]}");
  sub->footer("Compares the guest views when both files hold one (what the guest reads: CLIDR_EL1, CTR_EL0,\n"
              "CCIDX and every cache CLIDR describes; then KVM's ONE_REG state: DEMUX ids and values), and\n"
              "the host CPU kinds when both hold a host. Caches are named L1D, L1I, L2 ... and compared\n"
              "in words, e.g. \"L2: 8 ways x 2048 sets -> 1 way x 1 set (fabricated)\"; CLIDR_EL1 level by\n"
              "level and field by field (\"adds L3 (Unified); LoC 2 -> 3; ICB 2 -> 0\"). Says what made each\n"
              "side's CLIDR_EL1: the hardware's (pre-6.3 KVM, the native capability), KVM 6.3+'s fabrication\n"
              "from CTR_EL0, a sysfs-derived override of the Firecracker kind (levels and LoC from sysfs, the\n"
              "rest KVM's), a value userspace wrote, or that the registers cannot tell. Files that carry every\n"
              "ONE_REG (imported Firecracker fingerprints) are also compared register list against register\n"
              "list (ids only one side's kernel lists) and by their ID-space registers.\n\n"
              "Examples:\n  armcache kernel-view --kernel 6.1 --qemu-model neoverse-n1 --json > n1-61.json\n"
              "  armcache kernel-view --kernel 6.12 --qemu-model neoverse-n1 --json > n1-612.json\n"
              "  armcache diff n1-61.json n1-612.json\n\n"
              "Exit status: 0 identical; 1 different; 2 bad input (a malformed profile, nothing to compare).\n");
  sub->callback([args, &ctx] { ctx.status = run_diff(*args); });
}

}  // namespace armcache::cli
