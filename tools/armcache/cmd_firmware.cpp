// armcache firmware: device tree and ACPI PPTT cache descriptions that agree
// with a profile's CLIDR_EL1 and CCSIDR values.
#include <fmt/format.h>

#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

#include "armcache/firmware/firmware.h"
#include "armcache/profile/diff.h"
#include "armcache/util/file.h"
#include "commands.h"
#include "inputs.h"

namespace armcache::cli {
namespace {

struct FirmwareArgs {
  std::string profile;
  unsigned vcpus = 0;
  unsigned clusters = 1;
  std::string dts, dtb, pptt;
  std::string into_dtb, out;
};

void write_file(const std::string& path, std::string_view data) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f.write(data.data(), std::streamsize(data.size()));
  if (!f.flush()) usage_error(fmt::format("{}: cannot write", path));
}

// --into-dtb: the cache description added to the VMM's own device tree.
int run_into_dtb(const FirmwareArgs& a) {
  if (a.out.empty()) usage_error("--into-dtb needs -o OUT.dtb");
  if (!a.dts.empty() || !a.dtb.empty() || !a.pptt.empty()) usage_error("--into-dtb writes only -o (no --dts/--dtb/--pptt)");
  const profile::Profile p = load_guest_profile(a.profile);
  const identity::GuestView& v = p.guest->view;
  const std::string in = take(read_file(a.into_dtb));
  auto merged = firmware::merge_into_dtb(v, a.clusters, bytes_of(in));
  if (!merged) usage_error(fmt::format("{}: {}", a.into_dtb, merged.error().message));
  const unsigned n = merged->topology.vcpus;
  if (a.vcpus && a.vcpus != n) usage_error(fmt::format("--vcpus {} but {} has {} CPUs", a.vcpus, a.into_dtb, n));
  write_file(a.out, std::string_view(reinterpret_cast<const char*>(merged->blob.data()), merged->blob.size()));
  const firmware::Description& d = merged->description;
  std::ostringstream out;
  out << fmt::format("{}: CLIDR_EL1 {:#x} into {} ({} CPU{} in {} cluster{}): wrote {}\n", a.profile, v.clidr.raw(),
                     a.into_dtb, n, n == 1 ? "" : "s", a.clusters, a.clusters == 1 ? "" : "s", a.out);
  for (const auto& w : d.warnings) out << "warning: " << w << '\n';
  std::cout << out.str();
  return kExitOk;
}

int run_firmware(const FirmwareArgs& a) {
  if (!a.into_dtb.empty()) return run_into_dtb(a);
  if (a.vcpus == 0) usage_error("--vcpus is required (except with --into-dtb, where the tree says)");
  const profile::Profile p = load_guest_profile(a.profile);
  const identity::GuestView& v = p.guest->view;
  const firmware::Topology t{a.vcpus, a.clusters};
  const firmware::Description d = take(firmware::describe(v, t));
  if (!a.dts.empty()) write_file(a.dts, take(firmware::device_tree_source(v, t)));
  if (!a.dtb.empty()) {
    const auto blob = take(firmware::device_tree_blob(v, t));
    write_file(a.dtb, std::string_view(reinterpret_cast<const char*>(blob.data()), blob.size()));
  }
  if (!a.pptt.empty()) {
    const auto table = take(firmware::pptt(v, t));
    write_file(a.pptt, std::string_view(reinterpret_cast<const char*>(table.data()), table.size()));
  }
  std::ostringstream out;
  out << fmt::format("{}: CLIDR_EL1 {:#x}, {} vCPU{} in {} cluster{}\n", a.profile, v.clidr.raw(), t.vcpus,
                     t.vcpus == 1 ? "" : "s", t.clusters, t.clusters == 1 ? "" : "s");
  for (const auto& c : d.caches) {
    const char* ty = c.type == cache::CacheKind::kData ? "D" : c.type == cache::CacheKind::kInstruction ? "I" : "";
    out << fmt::format("  L{}{:<2} {} ways x {} sets x {}-byte lines = {} bytes, {}\n", c.level, ty, c.geometry.ways,
                       c.geometry.sets, c.geometry.line_bytes, c.geometry.size_bytes(),
                       c.cluster_shared ? "one per cluster" : "one per vCPU");
  }
  for (const auto& [path, what] : {std::pair{a.dts, "device tree source"}, std::pair{a.dtb, "device tree blob"},
                                   std::pair{a.pptt, "ACPI PPTT revision 3"}})
    if (!path.empty()) out << fmt::format("  wrote {} ({})\n", path, what);
  for (const auto& w : d.warnings) out << "warning: " << w << '\n';
  std::cout << out.str();
  return kExitOk;
}

}  // namespace

void add_firmware(CLI::App& app, Context& ctx) {
  auto args = std::make_shared<FirmwareArgs>();
  CLI::App* sub = app.add_subcommand("firmware", "Device tree and ACPI PPTT cache descriptions for a guest view");
  sub->add_option("PROFILE", args->profile, "A profile holding a guest view")->required();
  sub->add_option("--vcpus", args->vcpus, "Number of vCPUs (with --into-dtb: the tree's cpu nodes)")
      ->check(CLI::Range(1, 4096));
  sub->add_option("--clusters", args->clusters, "Number of equal clusters (default 1)")->check(CLI::Range(1, 4096));
  sub->add_option("--dts", args->dts, "Write the /cpus subtree as device tree source");
  sub->add_option("--dtb", args->dtb, "Write the same tree as a flattened device tree blob");
  sub->add_option("--pptt", args->pptt, "Write an ACPI PPTT (revision 3)");
  sub->add_option("--into-dtb", args->into_dtb,
                  "Add the cache nodes to this device tree the VMM generated (QEMU: -machine dumpdtb=FILE)");
  sub->add_option("-o,--output", args->out, "With --into-dtb: the merged device tree (QEMU: -dtb FILE)");
  sub->footer(
      "Describes exactly the levels and types of the view's CLIDR_EL1, with the geometry of its CCSIDR\n"
      "values, so a Linux guest counts as many cache leaves in the tables as CLIDR gives types for.\n"
      "L1 is private to each vCPU, the highest level above L1 is shared by a cluster, levels between\n"
      "are private. cpu reg values are KVM's default MPIDR for each vCPU (Aff0 = i % 16, Aff1 = i / 16).\n"
      "The PPTT has a package, a node per cluster and a leaf per vCPU (ACPI processor id = vCPU index);\n"
      "every cache structure has all validity flags set and a unique cache id.\n"
      "--into-dtb keeps the VMM's tree and adds the L1 properties and next-level-cache to each cpu node\n"
      "(taken in reg order as vCPU 0, 1, ...) and the cache nodes under /cpus; it refuses a tree that\n"
      "already describes caches.\n\n"
      "Examples:\n  armcache kernel-view --kernel native --qemu-model neoverse-n1 --json > n1.json\n"
      "  armcache firmware n1.json --vcpus 8 --clusters 2 --dts n1.dts --pptt n1-pptt.bin\n"
      "  qemu-system-aarch64 -M virt,gic-version=3,dumpdtb=qemu.dtb -accel kvm -cpu host -smp 2 ...\n"
      "  armcache firmware n1.json --into-dtb qemu.dtb -o guest.dtb    # then: qemu-system-aarch64 -dtb guest.dtb ...\n\n" +
      exit_status_help());
  sub->callback([args, &ctx] { ctx.status = run_firmware(*args); });
}

}  // namespace armcache::cli
