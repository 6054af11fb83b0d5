// Differences between two profiles, register by register and cache by cache,
// in words: what `armcache diff` prints.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "armcache/identity/identity.h"
#include "armcache/profile/clidr_origin.h"
#include "armcache/profile/profile.h"
#include "armcache/util/result.h"

namespace armcache::profile {

enum class DiffScope : std::uint8_t {
  kGuest,  // what the guest reads (part of the fingerprint)
  kKvm,    // KVM ONE_REG state only (DEMUX ids and values, CLIDR/CTR as ONE_REG returns them)
  kHost,   // host CPU kinds
};
std::string_view to_string(DiffScope s);  // "guest", "kvm", "host"

struct DiffItem {
  DiffScope scope;
  std::string item;  // "CLIDR_EL1", "L2", "DEMUX ids", "kind 0 L1D"
  std::string a, b;  // the values ("0x82000023"), "absent" when one side lacks it
  std::string text;  // one line: "L2: 8 ways x 2048 sets -> 1 way x 1 set (fabricated)"
};

struct DiffResult {
  bool compared_guest = false;
  bool compared_host = false;
  // What made each side's guest CLIDR_EL1, when both hold a guest view.
  std::optional<ClidrClass> clidr_origin_a, clidr_origin_b;
  std::vector<DiffItem> items;
  std::vector<std::string> notes;  // what was not compared, and why
};

// A cache's geometry in words, "16 ways x 2048 sets, 64-byte lines (2 MiB)".
std::string describe_geometry(std::uint64_t ccsidr, bool ccidx);
// "L1D", "L1I", "L2", "L3 tag" for a CSSELR value under a CLIDR.
std::string cache_name(reg::Clidr clidr, std::uint32_t csselr);

std::vector<DiffItem> diff_views(const identity::GuestView& a, const identity::GuestView& b);
// Register lists (ids only one side lists: a VMM restoring the whole list
// refuses those) and ID-space register values, for two views that carry
// every ONE_REG (Firecracker fingerprints). Empty when either has none.
std::vector<DiffItem> diff_registers(const GuestRecord& a, const GuestRecord& b);
// The context classify_clidr() needs for `g`: its kernel generation, and the
// hardware CLIDR from its own host or from `other` (a pre-6.3 or native view
// of the same MIDR).
ClidrContext clidr_context(const Profile& p, const Profile* other, std::string_view other_name);
std::vector<DiffItem> diff_hosts(const identity::Host& a, const identity::Host& b);
// Fails when the two profiles have nothing in common to compare (one holds
// only a guest view, the other only a host).
Result<DiffResult> diff(const Profile& a, const Profile& b, std::string_view name_a, std::string_view name_b);

}  // namespace armcache::profile
