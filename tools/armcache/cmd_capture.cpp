// armcache capture: the discovered host as a profile that kernel-view --host
// and plan --to read.
#include <fmt/format.h>
#include <unistd.h>

#include <fstream>
#include <iostream>

#include "armcache/profile/profile.h"
#include "cli.h"
#include "host_args.h"

namespace armcache::cli {
namespace {

std::string host_name(const HostArgs& a) {
  if (!a.sysfs_root.empty()) return a.sysfs_root;
  if (!a.dt.empty()) return a.dt;
  if (!a.pptt.empty()) return a.pptt;
  char buf[256] = {};
  if (::gethostname(buf, sizeof buf - 1) == 0 && buf[0]) return buf;
  return "localhost";
}

}  // namespace

void add_capture(CLI::App& app, Context& ctx) {
  auto args = std::make_shared<HostArgs>();
  auto out = std::make_shared<std::string>();
  CLI::App* sub = app.add_subcommand("capture", "Write the discovered host as an armcache profile");
  add_host_options(sub, *args);
  sub->add_option("-o,--output", *out, "Write the profile here instead of stdout");
  sub->footer(std::string("Writes a profile (docs/profile-format.md) whose host has one entry per cache kind,\n"
                          "with the synthesized CLIDR_EL1 and CCSIDR_EL1, plus \"caches\" and \"confidence\".\n"
                          "kernel-view --host and plan --to read it.\n\n") +
              kHostSourcesHelp + "\nExamples:\n  armcache capture -o host.json\n"
              "  armcache capture --sysfs-root tests/fixtures/hetero\n\n" + exit_status_help());
  sub->callback([args, out, &ctx] {
    const host::HostReport r = discover_or_fail(*args);
    if (r.kinds.empty()) usage_error("no CPUs found in the given sources");
    profile::Profile p;
    p.host = host::to_identity(r, host_name(*args));
    p.provenance = Json{{"tool", "armcache 0.1.0"}, {"command", "capture"}};
    Json src = Json::object();
    if (!args->sysfs_root.empty()) src["sysfs_root"] = args->sysfs_root;
    if (!args->dt.empty()) src["dt"] = args->dt;
    if (!args->pptt.empty()) src["pptt"] = args->pptt;
    if (src.empty()) src["live"] = true;
    p.provenance["source"] = src;
    p.warnings = r.warnings;
    Json j = profile::to_json(p);
    for (std::size_t i = 0; i < r.kinds.size() && i < j["host"]["kinds"].size(); ++i) {
      j["host"]["kinds"][i]["caches"] = host::caches_to_json(r.kinds[i].group);
      j["host"]["kinds"][i]["confidence"] = host::confidence_to_json(r.kinds[i].synth);
      const std::string& missing = r.kinds[i].synth.missing_geometry;
      j["host"]["kinds"][i]["missing_geometry"] = missing.empty() ? Json(nullptr) : Json(missing);
    }
    if (out->empty() || *out == "-") {
      print_json(j);
    } else {
      std::ofstream f(*out);
      if (!f) throw Failure(fmt::format("cannot write {}", *out), kExitSystem);
      f << j.dump(2) << '\n';
      if (!f) throw Failure(fmt::format("cannot write {}", *out), kExitSystem);
    }
    ctx.status = kExitOk;
  });
}

}  // namespace armcache::cli
