// armcache capture: the discovered host as a profile that kernel-view --host
// and plan --to read.
#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iostream>

#include "armcache/kvm/kvm.h"
#include "armcache/kvm/native_detect.h"
#include "armcache/profile/nfd.h"
#include "armcache/profile/profile.h"
#include "armcache/util/kernel_release.h"
#include "commands.h"
#include "host_args.h"
#include "inputs.h"

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

// KVM_CAP_ARM_NATIVE_CACHE_CONFIG on /dev/kvm, confirmed on a scratch VM (the
// number alone may answer for another capability); nullopt without KVM.
std::optional<bool> native_capability() {
  if (!kvm::backend_available()) return std::nullopt;
  auto sys = kvm::System::open();
  if (!sys) return std::nullopt;
  auto check = kvm::confirm_native_cap(*sys);
  if (!check) return std::nullopt;
  return check->present;
}

// Written next to the target and renamed over it, so nfd-worker never
// reads half a file.
void write_atomically(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream f(tmp);
    if (!f) throw Failure(fmt::format("cannot write {}", tmp), kExitSystem);
    f << text;
    if (!f.flush()) throw Failure(fmt::format("cannot write {}", tmp), kExitSystem);
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    throw Failure(fmt::format("cannot rename {} to {}", tmp, path), kExitSystem);
  }
}

}  // namespace

void add_capture(CLI::App& app, Context& ctx) {
  auto args = std::make_shared<HostArgs>();
  auto out = std::make_shared<std::string>();
  auto nfd_file = std::make_shared<std::string>();
  auto ctr = std::make_shared<std::string>();
  CLI::App* sub = app.add_subcommand("capture", "Write the discovered host as an armcache profile");
  add_host_options(sub, *args);
  sub->add_option("-o,--output", *out, "Write the profile here instead of stdout");
  sub->add_option("--ctr", *ctr, kCtrHelp);
  sub->add_option("--nfd", *nfd_file,
                  "Write node-feature-discovery labels (features.d name=value lines) here; the profile then "
                  "goes only to -o");
  sub->footer(std::string("Writes a profile (docs/profile-format.md) whose host has one entry per cache kind,\n"
                          "with the synthesized CLIDR_EL1 and CCSIDR_EL1, plus \"caches\" and \"confidence\".\n"
                          "kernel-view --host and plan --to read it.\n\n"
                          "--nfd writes fleet labels for Kubernetes: per CPU kind the cache identity (the\n"
                          "fingerprint of the view the native capability gives a guest), the identity a guest\n"
                          "gets by default on this kernel, and the MIDR; the node's combined identity, the\n"
                          "kernel generation and whether KVM_CAP_ARM_NATIVE_CACHE_CONFIG is available\n"
                          "(docs/fleet-labels.md). NFD puts the names under feature.node.kubernetes.io/.\n\n") +
              kHostSourcesHelp + "\nExamples:\n  armcache capture -o host.json\n"
              "  armcache capture --sysfs-root tests/fixtures/hetero\n"
              "  armcache capture --nfd /etc/kubernetes/node-feature-discovery/features.d/armcache\n\n" +
              exit_status_help());
  sub->callback([args, out, nfd_file, ctr, &ctx] {
    const host::HostReport r = discover_or_fail(*args);
    if (r.kinds.empty()) usage_error("no CPUs found in the given sources");
    profile::Profile p;
    p.host = host::to_identity(r, host_name(*args));
    apply_ctr_option(*p.host, *ctr);
    p.provenance = Json{{"tool", kTool}, {"command", "capture"}};
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
    if (!nfd_file->empty()) {
      profile::nfd::NodeFacts facts{*p.host, kernel_release(), std::nullopt};
      facts.native_cap = native_capability();
      const auto set = profile::nfd::labels(facts);
      write_atomically(*nfd_file, profile::nfd::features_file(
                                      set, fmt::format("{} capture --nfd: node-feature-discovery labels of {}\n"
                                                       "names and values: docs/fleet-labels.md",
                                                       kTool, p.host->name)));
      if (out->empty()) {
        ctx.status = kExitOk;
        return;
      }
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
