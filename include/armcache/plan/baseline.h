// The fleet baseline: the richest guest view that every host of a set can
// present with its kernel, and the hosts that must be left out.
//
// Candidates: for every distinct host (same kernel generation and cache
// registers count as one) and each of its CPU kinds, the view its kernel
// shows by default and the view the native capability would give (the real
// hierarchy); plus the fabricated view a 6.10+ kernel builds from the
// fleet's lowest sanitised CTR_EL0. A candidate is acceptable for a host
// when plan_restore says identical or restorable on every CPU kind of it.
//
// Rule: the candidate the most hosts accept wins; among equals, the richest
// (most caches with real geometry, i.e. not 1 way x 1 set; then the largest
// total size; then the most caches); then the smallest fingerprint, so the
// answer does not depend on file order.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "armcache/identity/identity.h"
#include "armcache/kernel/generation.h"
#include "armcache/profile/profile.h"
#include "armcache/util/result.h"

namespace armcache::plan {

struct FleetHost {
  std::string name;  // the file it came from
  identity::Host host;
  std::optional<std::string> kernel;  // the host's kernel, when the file says
};

// A host of a profile named `name` (its file): the profile's host, and its
// kernel (the host's own record, else the kernel its guest view was taken
// on). Fails when the profile holds no host.
Result<FleetHost> fleet_host(profile::Profile p, std::string name);

struct BaselineCandidate {
  identity::GuestView view;  // DEMUX values cleared: the baseline is a guest-visible identity
  kernel::Generation generation = kernel::Generation::k610To615;
  std::string origin;        // "native view of <host> kind 0", "fleet-wide fabricated view"
};

struct LeftOut {
  std::string name;
  std::string reason;
};

struct Baseline {
  std::optional<BaselineCandidate> chosen;  // empty when no host can take part
  std::vector<std::string> included;        // in input order
  std::vector<LeftOut> left_out;            // in input order
  std::size_t distinct_hosts = 0;
  std::size_t candidates = 0;
};

// `kernel`, when given, is the kernel every host runs; otherwise each host's
// own, and a host without one is left out.
Baseline compute_baseline(const std::vector<FleetHost>& hosts, const std::optional<kernel::KernelSpec>& kernel);

// Richness used by the rule above: (real caches, total bytes, caches).
struct Richness {
  unsigned real_caches = 0;
  std::uint64_t total_bytes = 0;
  unsigned caches = 0;
  auto operator<=>(const Richness&) const = default;
};
Richness richness(const identity::GuestView& v);

}  // namespace armcache::plan
