// Firecracker interop: its cpu-template-helper fingerprint and custom CPU
// templates (FACTS.md section 8), to and from armcache profiles.
//
// Both carry "reg_modifiers": [{"addr": "0x6030...", "bitmap": "0b..."}],
// a KVM one-reg id and one character per bit, most significant first: '0',
// '1', or 'x' (keep KVM's value). Bitmaps have as many characters as the
// register has bits: 64 for system registers, 32 for DEMUX CCSIDR.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "armcache/profile/profile.h"
#include "armcache/util/result.h"

namespace armcache::profile::firecracker {

// A bitmap's fixed bits: `value` holds them where `mask` is 1.
struct Bitmap {
  std::uint64_t value = 0;
  std::uint64_t mask = 0;
  unsigned bits = 64;
};
// Accepts an optional "0b" prefix; `bits` is the register width.
Result<Bitmap> parse_bitmap(std::string_view text, unsigned bits);
// "0b" and `bits` characters, all fixed.
std::string format_bitmap(std::uint64_t value, unsigned bits);

// The fingerprint's CLIDR_EL1, CTR_EL0, ID_AA64MMFR2_EL1, MIDR_EL1 and DEMUX
// CCSIDR values and kernel_version, as a guest-view profile. CCSIDR values
// that are the low half of FEAT_CCIDX values are flagged in `warnings` and
// listed in provenance.truncated_ccidx. `where` names the file in errors.
Result<Profile> import_fingerprint(std::string_view text, std::string_view where);

// A custom CPU template that sets CLIDR_EL1, CTR_EL0 and the DEMUX CCSIDR of
// every Level|InD selector the CLIDR describes. Fails for views a template
// cannot express: FEAT_CCIDX (64-bit CCSIDR) and tag caches that read
// differently from the data cache of their level.
Result<Json> export_template(const Profile& p, std::string_view where);

// Reads a custom CPU template back (ours or hand-written). Needs CLIDR_EL1
// and CTR_EL0; a described selector without a CCSIDR modifier gets what
// KVM 6.3+ fabricates (LineSize only), with a warning.
Result<Profile> import_template(std::string_view text, std::string_view where);

}  // namespace armcache::profile::firecracker
