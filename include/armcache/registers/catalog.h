// The registers armcache decodes by name, and the layout a value is
// decoded with.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "armcache/registers/field.h"
#include "armcache/util/result.h"

namespace armcache::reg {

enum class RegisterKind : std::uint8_t { kClidr, kCcsidr, kCcsidr2, kCsselr, kCtr, kMmfr2, kPfr1, kMidr, kRegId };

struct RegisterInfo {
  RegisterKind kind;
  std::string_view key;      // command-line name: "clidr"
  std::string_view summary;  // one line for --help
};

std::span<const RegisterInfo> known_registers();
// The register `key` names ("clidr", "reg-id"); fails with EINVAL, naming
// every key, for any other.
Result<RegisterKind> find_register(std::string_view key);
const RegisterInfo& register_info(RegisterKind kind);

// The layout used to decode `raw`. CCSIDR uses the FEAT_CCIDX format when
// bits [63:32] are non-zero or `ccidx` is set; a one-reg id picks the
// system-register, DEMUX or generic layout from its Coproc field.
const Layout& decode_layout(RegisterKind kind, std::uint64_t raw, bool ccidx);

// The layout `encode` fills. For reg-id the layout follows the fields named
// (Op0.. for a system register, DemuxId/Index for DEMUX).
const Layout& encode_layout(RegisterKind kind, bool ccidx, bool demux);
// The value encode starts from: RES1 bits, and for reg-id the arm64 Arch,
// Size and Coproc of the chosen kind of id.
std::uint64_t encode_base(RegisterKind kind, bool demux);

}  // namespace armcache::reg
