// Cache identity: what the cache ID registers hold, independent of where the
// values came from. Host discovery produces HostKinds; the kernel models turn
// a HostKind into the GuestView a KVM guest gets; the KVM backend reads and
// writes GuestViews; profiles store both.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "armcache/registers/ccsidr.h"
#include "armcache/registers/clidr.h"
#include "armcache/registers/csselr.h"
#include "armcache/registers/ctr.h"

namespace armcache::identity {

// One kind of CPU: a set of CPUs whose cache registers are identical.
struct HostKind {
  std::string cpus;                 // cpulist, "0-3,8"; empty when unknown
  std::optional<std::uint64_t> midr;
  reg::Clidr clidr;
  // CCSIDR_EL1 as the hardware reads for each described CSSELR value (Level|InD,
  // and 0x10|Level for a separate tag cache), in the host's own format.
  std::map<std::uint32_t, std::uint64_t> ccsidr;
  std::optional<reg::Ctr> ctr;      // raw CTR_EL0; unknown without a live arm64 host
  bool ccidx = false;               // ID_AA64MMFR2_EL1.CCIDX != 0
  unsigned mte = 0;                 // ID_AA64PFR1_EL1.MTE
  // ID_AA64MMFR2_EL1.EVT: with FEAT_EVT, 6.3+ KVM traps cache ID reads with
  // TID4, which leaves guest CTR_EL0 reads untrapped.
  unsigned evt = 0;

  reg::CcsidrFormat ccsidr_format() const { return ccidx ? reg::CcsidrFormat::kCcidx : reg::CcsidrFormat::k32; }
  bool operator==(const HostKind&) const = default;
};

struct Host {
  std::string name;                 // "qemu:neoverse-n1", a hostname, a file
  std::optional<std::string> kernel;  // uname -r of the host, when known
  std::vector<HostKind> kinds;      // at least one
  bool operator==(const Host&) const = default;
};

// The kind whose CPU list starts with CPU 0, the CPU Linux boots on (KVM's
// invariant CLIDR_EL1 of pre-6.3 kernels is its value), else the first kind.
// host.kinds must not be empty.
const HostKind& boot_kind(const Host& host);

// Number of CSSELR Level|InD encodings a guest can select (Level field 0..7).
inline constexpr unsigned kGuestSelectors = 16;

// What a guest sees, and what KVM's ONE_REG interface holds, for one vCPU.
struct GuestView {
  reg::Clidr clidr;
  // CCSIDR_EL1 the guest reads after writing CSSELR = index (0..15), and
  // after writing CSSELR = 0x10 | index (TnD set). 64-bit when the guest
  // sees FEAT_CCIDX.
  std::array<std::uint64_t, kGuestSelectors> ccsidr{};
  std::array<std::uint64_t, kGuestSelectors> ccsidr_tnd{};
  reg::Ctr ctr;                     // CTR_EL0 as the guest reads it
  unsigned mmfr2_ccidx = 0;         // ID_AA64MMFR2_EL1.CCIDX as the guest reads it
  // DEMUX CCSIDR ids KVM lists (index 0..13) and the 32-bit value
  // KVM_GET_ONE_REG returns for each.
  std::map<unsigned, std::uint32_t> demux;
  // CLIDR_EL1 and CTR_EL0 as KVM_GET_ONE_REG returns them (CTR may differ
  // from the guest's read: pre-6.3 ONE_REG reports the sanitised value).
  std::uint64_t clidr_reg = 0;
  std::uint64_t ctr_reg = 0;

  // The CCSIDR_EL1 the guest reads after writing `csselr` to CSSELR_EL1:
  // Level and InD pick the entry, TnD the tag-cache array.
  constexpr std::uint64_t ccsidr_read(reg::Csselr csselr) const {
    return csselr.tnd() ? ccsidr_tnd[csselr.level_ind_index()] : ccsidr[csselr.level_ind_index()];
  }
  constexpr std::uint64_t ccsidr_read(std::uint32_t csselr) const { return ccsidr_read(reg::Csselr(csselr)); }

  bool operator==(const GuestView&) const = default;
  // Same guest-visible identity (see guest_identity_differences).
  bool same_guest_identity(const GuestView& o) const;
};

// CSSELR values whose CCSIDR reads are part of the identity: the selectors
// this view's CLIDR describes (Level|InD below Level 8, and TnD for a
// separate tag cache). Reads of other selectors are architecturally
// UNKNOWN, so no guest may depend on them and no kernel is held to them.
std::vector<std::uint32_t> identity_selectors(const GuestView& v);

}  // namespace armcache::identity
