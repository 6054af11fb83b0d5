// armcache baseline: the richest guest view a whole set of hosts can present.
#include <fmt/format.h>

#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include "armcache/cache/selectors.h"
#include "armcache/plan/baseline.h"
#include "armcache/profile/diff.h"
#include "commands.h"
#include "inputs.h"

namespace armcache::cli {
namespace {

struct BaselineArgs {
  std::vector<std::string> files;
  std::string kernel;
  std::string output;
  bool json = false;
};

Result<plan::FleetHost> load_fleet_host(const std::string& path) {
  auto p = profile::load(path);
  if (!p) return p.error();
  return plan::fleet_host(std::move(*p), path);
}

// Parsing JSON is the cost: spread the files over the CPUs. The first bad
// file in input order is the one reported.
std::vector<plan::FleetHost> load_all(const std::vector<std::string>& files) {
  std::vector<std::optional<Result<plan::FleetHost>>> slots(files.size());
  const unsigned n = std::max(1u, std::min<unsigned>(std::thread::hardware_concurrency(), 8));
  auto work = [&](unsigned t) {
    for (std::size_t i = t; i < files.size(); i += n) slots[i] = load_fleet_host(files[i]);
  };
  if (n == 1 || files.size() < 64) {
    work(0);
    for (std::size_t i = 1; i < n; ++i) work(unsigned(i));
  } else {
    std::vector<std::thread> threads;
    for (unsigned t = 1; t < n; ++t) threads.emplace_back(work, t);
    work(0);
    for (auto& th : threads) th.join();
  }
  std::vector<plan::FleetHost> out;
  out.reserve(files.size());
  for (auto& s : slots) out.push_back(take(std::move(*s)));
  return out;
}

std::string view_lines(const identity::GuestView& v) {
  std::string out;
  const auto shape = cache::clidr_shape(v.clidr);
  std::string levels;
  for (const auto& l : shape.levels)
    levels += fmt::format("{}L{} {}", levels.empty() ? "" : ", ", l.level, cache::ctype_name(l.ctype));
  out += fmt::format("  CLIDR_EL1 {:#x}: {}; LoC {}, LoUU {}, LoUIS {}\n", v.clidr.raw(), levels, v.clidr.loc(),
                     v.clidr.louu(), v.clidr.louis());
  for (std::uint32_t sel : identity::identity_selectors(v)) {
    const std::uint64_t raw = v.ccsidr_read(sel);
    // 0 for a described cache is what a host description without geometry
    // (a level-only sysfs tree) gives: no real cache reads it.
    out += fmt::format("  {:<4} {:#x}: {}\n", profile::cache_name(v.clidr, sel), raw,
                       raw == 0 ? std::string("geometry unknown (the host description has none)")
                                : profile::describe_geometry(raw, v.mmfr2_ccidx != 0));
  }
  out += fmt::format("  CTR_EL0 {:#x}, ID_AA64MMFR2_EL1.CCIDX {}\n", v.ctr.raw(), v.mmfr2_ccidx);
  return out;
}

int run_baseline(const BaselineArgs& a) {
  std::optional<kernel::KernelSpec> k;
  if (!a.kernel.empty()) k = load_kernel(a.kernel);
  const std::vector<plan::FleetHost> hosts = load_all(a.files);
  const plan::Baseline b = plan::compute_baseline(hosts, k);

  std::optional<profile::Profile> prof;
  if (b.chosen) {
    prof.emplace();
    prof->guest = profile::GuestRecord{b.chosen->view, k ? k->label : "",
                                       std::string(kernel::generation_name(b.chosen->generation))};
    prof->provenance = {{"tool", kTool}, {"command", "baseline"}, {"origin", b.chosen->origin},
                        {"hosts", hosts.size()}, {"included", b.included.size()}};
  }
  if (!a.output.empty()) {
    if (!prof) throw Failure("no baseline to write: no host can take part", kExitNegative);
    std::ofstream f(a.output, std::ios::trunc);
    f << profile::to_json(*prof).dump(2) << '\n';
    if (!f.flush()) usage_error(fmt::format("{}: cannot write", a.output));
  }
  const int status = (b.chosen && b.left_out.empty()) ? kExitOk : kExitNegative;
  if (a.json) {
    Json j;
    j["hosts"] = hosts.size();
    j["distinct_hosts"] = b.distinct_hosts;
    j["candidates"] = b.candidates;
    j["baseline"] = prof ? profile::to_json(*prof) : Json(nullptr);
    j["origin"] = b.chosen ? Json(b.chosen->origin) : Json(nullptr);
    j["included"] = b.included;
    Json lo = Json::array();
    for (const auto& l : b.left_out) lo.push_back({{"file", l.name}, {"reason", l.reason}});
    j["left_out"] = lo;
    print_json(j);
    return status;
  }
  std::ostringstream out;
  out << fmt::format("Baseline of {} host{} ({} distinct, {} candidate views): {} can present it, {} left out\n",
                     hosts.size(), hosts.size() == 1 ? "" : "s", b.distinct_hosts, b.candidates, b.included.size(),
                     b.left_out.size());
  if (b.chosen) {
    out << "  from: " << b.chosen->origin << '\n';
    out << "  fingerprint: " << profile::fingerprint(b.chosen->view) << '\n';
    out << view_lines(b.chosen->view);
  } else {
    out << "  no view: no host can take part\n";
  }
  if (!b.left_out.empty()) out << fmt::format("Left out ({}):\n", b.left_out.size());
  for (const auto& l : b.left_out) out << "  " << l.name << ": " << l.reason << '\n';
  std::cout << out.str();
  return status;
}

}  // namespace

void add_baseline(CLI::App& app, Context& ctx) {
  auto args = std::make_shared<BaselineArgs>();
  CLI::App* sub = app.add_subcommand("baseline", "The richest guest view every host of a set can present");
  sub->add_option("FILE", args->files, "Host profiles (armcache capture, kernel-view --json)")->required();
  sub->add_option("--kernel", args->kernel, "The kernel every host runs (default: each file's own kernel)");
  sub->add_option("-o,--output", args->output, "Also write the baseline as a guest-view profile (for plan --from)");
  sub->add_flag("-J,--json", args->json,
                "Print {hosts, distinct_hosts, candidates, baseline (a profile or null), origin, included[], "
                "left_out[{file, reason}]}");
  sub->footer(
      "Candidates: each distinct host's default view under its kernel and its native view (the real\n"
      "hierarchy, as KVM_CAP_ARM_NATIVE_CACHE_CONFIG gives it), per CPU kind, and the view a 6.10+ kernel\n"
      "fabricates from the fleet's lowest CTR_EL0. A host can present a candidate when the planner says\n"
      "identical or restorable on every one of its CPU kinds with its kernel.\n"
      "Rule: the candidate the most hosts can present; among equals the richest (most caches with real\n"
      "geometry, then the largest total size, then the most caches); then the smallest fingerprint.\n"
      "A host is left out with the planner's first reason, or because its file lacks a kernel or CTR_EL0.\n\n"
      "Examples:\n  armcache baseline hosts/*.json --kernel 6.12\n"
      "  armcache baseline hosts/*.json -o fleet.json && armcache plan --from fleet.json --to h1.json --kernel 6.12\n\n"
      "Exit status: 0 every host can present the baseline; 1 some host is left out (or none can take part);\n"
      "2 bad input (a malformed profile, a file without a host).\n");
  sub->callback([args, &ctx] { ctx.status = run_baseline(*args); });
}

}  // namespace armcache::cli
