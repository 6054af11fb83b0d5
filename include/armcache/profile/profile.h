// The armcache profile: one JSON format for host descriptions, guest views,
// their provenance and a fingerprint of the guest-visible identity.
// docs/profile-format.md documents it; docs/profile.schema.json is its schema.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "armcache/identity/identity.h"
#include "armcache/identity/vcpu_surface.h"
#include "armcache/kernel/generation.h"
#include "armcache/util/result.h"

namespace armcache::profile {

using Json = nlohmann::ordered_json;

inline constexpr std::string_view kFormatName = "armcache-profile";
inline constexpr int kFormatVersion = 1;

// A KVM ONE_REG value of up to 128 bits (FP/SIMD V registers are U128).
struct RegValue {
  std::uint64_t lo = 0;
  std::uint64_t hi = 0;  // bits [127:64]
  bool operator==(const RegValue&) const = default;
};
// "0x..." lowercase, no padding; U128 values as one number.
std::string to_hex(const RegValue& v);
// The inverse, at most `bits` (<= 128) significant bits.
Result<RegValue> parse_reg_value(std::string_view text, unsigned bits);

// A guest view with what produced it.
struct GuestRecord {
  identity::GuestView view;
  std::string kernel;      // the host kernel the view was taken on: "6.1.0-50-cloud-arm64", "native"
  std::string generation;  // the kernel model's name for it: "pre-6.3", "6.3-6.9", "6.10-6.15", "6.16+", "native"
  // Every ONE_REG id the source listed and its value (a Firecracker
  // fingerprint lists ~240: core, FP/SIMD, system, DEMUX); empty when the
  // source gave only the cache registers. Not part of the fingerprint.
  std::map<std::uint64_t, RegValue> registers;
};
// The generation of the kernel a record was taken on: its generation name,
// else the one its kernel release names; nullopt when neither names one.
std::optional<kernel::Generation> generation_of(const GuestRecord& g);

struct Profile {
  std::optional<identity::Host> host;
  std::optional<GuestRecord> guest;
  // The destination side of a migration: the register list and ID values
  // of this kernel's default vCPU (`kvm show` records it).
  std::optional<identity::VcpuSurface> surface;
  Json provenance = Json::object();  // {"tool": ..., "command": ..., "source": ...}
  std::vector<std::string> warnings;
};

// Registers of one kind: {"cpus", "midr", "clidr": {"value"}, "ccsidr": {"sel": "0x.."},
// "ctr_el0", "mmfr2_ccidx", "pfr1_mte"}; unknown values are null. Callers may add
// keys (host discovery adds "caches" and "confidence"); readers ignore them.
Json host_kind_to_json(const identity::HostKind& kind);
Json guest_view_to_json(const identity::GuestView& view);

Json to_json(const Profile& p);
// `where` names the file in error messages: "<where>: guest.clidr: ...".
Result<Profile> from_json(const Json& j, std::string_view where);
Result<Profile> parse(std::string_view text, std::string_view where);
Result<Profile> load(const std::string& path);

// Stable hash of the guest-visible identity (CLIDR, CCSIDR reads, CTR_EL0,
// CCIDX): "fnv1a64:<16 hex digits>".
std::string fingerprint(const identity::GuestView& view);

}  // namespace armcache::profile
