// Firecracker interop: its cpu-template-helper fingerprint and custom CPU
// templates, to and from armcache profiles (docs/profile-format.md).
//
// Both carry "reg_modifiers": [{"addr": "0x6030...", "bitmap": "0b..."}],
// a KVM one-reg id and one character per bit, most significant first: '0',
// '1', or 'x' (keep KVM's value). A bitmap gives the low bits of the
// register; bits above its last character are not fixed.
// - A fingerprint lists every register KVM_GET_REG_LIST gives (core, FP/SIMD
//   V registers of 128 bits, system registers, DEMUX CCSIDR) and writes every
//   bitmap as exactly 128 digits, zero-padded, whatever the register's width.
// - A template may be shorter and hold 'x'; Firecracker refuses a template
//   whose value or fixed bits reach beyond the register's width, and ids
//   other than 32-, 64- and 128-bit ones.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "armcache/profile/profile.h"
#include "armcache/util/result.h"

namespace armcache::profile::firecracker {

inline constexpr unsigned kMaxBitmapDigits = 128;

// A bitmap's fixed bits: `value` holds them where `mask` is 1.
struct Bitmap {
  RegValue value;
  RegValue mask;
  unsigned digits = 0;  // bit characters given
};
// Accepts an optional "0b" prefix and 1 to 128 characters '0', '1', 'x'.
Result<Bitmap> parse_bitmap(std::string_view text);
// "0b" and `bits` characters, all fixed.
std::string format_bitmap(std::uint64_t value, unsigned bits);

// Why Firecracker would not take this bitmap for a register `width` bits
// wide, in words, or nullopt. Fingerprint rules: every bit of the register
// given, no 'x', no bit set beyond the width (zero padding is fine).
// Template rules: neither a value bit nor a fixed bit beyond the width.
enum class Rules : std::uint8_t { kFingerprint, kTemplate };
std::optional<std::string> bitmap_problem(const Bitmap& b, unsigned width, Rules rules);

// The fingerprint as a guest-view profile: CLIDR_EL1, CTR_EL0,
// ID_AA64MMFR2_EL1.CCIDX and the DEMUX CCSIDR values make the view, and
// every register it lists is kept in `registers` (for diff and register-list
// comparisons). CCSIDR values that are the low half of FEAT_CCIDX values are
// flagged in `warnings` and listed in provenance.truncated_ccidx; what made
// the CLIDR (hardware, KVM, a Firecracker override) is in
// provenance.clidr_origin. `where` names the file in errors.
Result<Profile> import_fingerprint(std::string_view text, std::string_view where);

// A custom CPU template that sets CLIDR_EL1, CTR_EL0 and the DEMUX CCSIDR of
// every Level|InD selector the CLIDR describes, each bitmap as wide as its
// register. Fails for views a template cannot express: FEAT_CCIDX (64-bit
// CCSIDR) and tag caches that read differently from the data cache of their
// level.
Result<Json> export_template(const Profile& p, std::string_view where);

// Reads a custom CPU template back (ours or Firecracker's). Needs CLIDR_EL1
// and CTR_EL0. 'x' bits of CLIDR_EL1 and of CCSIDR take what KVM 6.3+
// fabricates for the template's CTR_EL0, as they would on a 6.3+ host; a
// described selector without a CCSIDR modifier reads as KVM fabricates it;
// each with a warning. Registers other than the cache ones are counted in
// provenance.other_registers, not modelled.
Result<Profile> import_template(std::string_view text, std::string_view where);

}  // namespace armcache::profile::firecracker
