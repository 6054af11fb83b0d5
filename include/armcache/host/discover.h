// Host discovery in one call: read the requested sources, merge, group into
// kinds, synthesize registers, check, and convert to identity::Host.
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

#include "armcache/host/kinds.h"
#include "armcache/host/live_regs.h"
#include "armcache/host/merge.h"
#include "armcache/host/synth.h"
#include "armcache/identity/identity.h"
#include "armcache/util/json_writer.h"
#include "armcache/util/result.h"

namespace armcache::host {

struct DiscoverOptions {
  // Empty optionals mean "the live host's default": "/" for sysfs,
  // /sys/firmware/fdt (else /proc/device-tree) for DT,
  // /sys/firmware/acpi/tables/PPTT for PPTT; defaults that do not exist are
  // skipped silently, explicit paths that fail are errors.
  std::optional<std::string> sysfs_root;
  std::optional<std::string> dt_path;
  std::optional<std::string> pptt_path;
  // Live CTR_EL0/MIDR, only when every source is the live host's.
  bool live_registers = true;
};

struct HostKindReport {
  CacheKindGroup group;
  Synthesis synth;
};

struct HostReport {
  MergedHost merged;
  std::vector<HostKindReport> kinds;
  std::optional<LiveRegisters> live;
  std::vector<std::string> warnings;  // sources, conflicts, sanity, synthesis
};

Result<HostReport> discover(const DiscoverOptions& opts);
// Builds the report from already-read sources (tests, fuzzers).
HostReport analyze(const std::vector<SourceDescription>& sources, std::optional<LiveRegisters> live);

identity::Host to_identity(const HostReport& report, std::string name);

// One kind's caches as `show --json` writes them ("level", "type", "size_bytes", ...,
// "source": {field: source}); unknown numbers are null.
void write_caches(JsonWriter& w, const CacheKindGroup& kind);
// {field: confidence} for the synthesized CLIDR.
void write_confidence(JsonWriter& w, const Synthesis& s);
// The same, as documents (capture embeds them in a profile).
using Json = nlohmann::ordered_json;
Json caches_to_json(const CacheKindGroup& kind);
Json confidence_to_json(const Synthesis& s);
// `armcache show --json`: {"sources", "kinds": [...], "ctr_el0", "warnings"},
// pretty-printed, ending in a newline. Written directly, without a DOM: it
// is most of a small host's run time otherwise.
std::string report_to_json(const HostReport& report);

}  // namespace armcache::host
