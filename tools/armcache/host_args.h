// Source options shared by `armcache show` and `armcache capture`.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "armcache/host/discover.h"
#include "commands.h"

namespace armcache::cli {

struct HostArgs {
  std::string sysfs_root, dt, pptt;
};

inline void add_host_options(CLI::App* sub, HostArgs& a) {
  sub->add_option("--sysfs-root", a.sysfs_root,
                  "Directory holding sys/devices/system/cpu, as lscpu --sysroot (default: the live host)");
  sub->add_option("--dt", a.dt, "Device tree: a .dtb file or a /proc/device-tree directory");
  sub->add_option("--pptt", a.pptt, "ACPI PPTT table file (e.g. a copy of /sys/firmware/acpi/tables/PPTT)");
}

inline host::HostReport discover_or_fail(const HostArgs& a) {
  host::DiscoverOptions o;
  if (!a.sysfs_root.empty()) o.sysfs_root = a.sysfs_root;
  if (!a.dt.empty()) o.dt_path = a.dt;
  if (!a.pptt.empty()) o.pptt_path = a.pptt;
  return take(host::discover(o));
}

inline constexpr const char* kHostSourcesHelp =
    "With no source option, reads the live host: /sys/devices/system/cpu, /sys/firmware/fdt (or\n"
    "/proc/device-tree), /sys/firmware/acpi/tables/PPTT when present, and CTR_EL0/MIDR_EL1 on arm64.\n"
    "With any source option, reads only the sources given. Fields come from sysfs first, then PPTT,\n"
    "then the device tree; disagreements are warnings.\n";

}  // namespace armcache::cli
