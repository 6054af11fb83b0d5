#include "armcache/registers/catalog.h"

#include <fmt/format.h>

#include <cerrno>

#include "armcache/registers/ccsidr.h"
#include "armcache/registers/clidr.h"
#include "armcache/registers/csselr.h"
#include "armcache/registers/ctr.h"
#include "armcache/registers/id_regs.h"
#include "armcache/registers/kvm_reg_id.h"
#include "armcache/registers/midr.h"

namespace armcache::reg {

// Every table names each of the 64 bits exactly once.
static_assert(covers_all_bits(kClidrLayout));
static_assert(covers_all_bits(kCcsidrLayout));
static_assert(covers_all_bits(kCcsidrCcidxLayout));
static_assert(covers_all_bits(kCcsidr2Layout));
static_assert(covers_all_bits(kCsselrLayout));
static_assert(covers_all_bits(kCtrLayout));
static_assert(covers_all_bits(kMmfr2Layout));
static_assert(covers_all_bits(kPfr1Layout));
static_assert(covers_all_bits(kMidrLayout));
static_assert(covers_all_bits(kSysregIdLayout));
static_assert(covers_all_bits(kDemuxIdLayout));
static_assert(covers_all_bits(kOtherIdLayout));
// The ids docs/kvm-testbed.md lists.
static_assert(kClidrId == 0x603000000013c801ull);
static_assert(kCtrId == 0x603000000013d801ull);
static_assert(kCsselrId == 0x603000000013d000ull);
static_assert(kMmfr2Id == 0x603000000013c03aull);
static_assert(kMidrId == 0x603000000013c000ull);
static_assert(demux_ccsidr_id(2) == 0x6020000000110002ull);

namespace {
constexpr RegisterInfo kRegisters[] = {
    {RegisterKind::kClidr, "clidr", "CLIDR_EL1, cache levels and types"},
    {RegisterKind::kCcsidr, "ccsidr", "CCSIDR_EL1, one cache's geometry (32-bit or FEAT_CCIDX format)"},
    {RegisterKind::kCcsidr2, "ccsidr2", "CCSIDR2_EL1, NumSets for AArch32 with FEAT_CCIDX"},
    {RegisterKind::kCsselr, "csselr", "CSSELR_EL1, cache selector"},
    {RegisterKind::kCtr, "ctr", "CTR_EL0, smallest lines and coherence bits"},
    {RegisterKind::kMmfr2, "mmfr2", "ID_AA64MMFR2_EL1 (CCIDX)"},
    {RegisterKind::kPfr1, "pfr1", "ID_AA64PFR1_EL1 (MTE)"},
    {RegisterKind::kMidr, "midr", "MIDR_EL1, implementer and part"},
    {RegisterKind::kRegId, "reg-id", "KVM one-reg id (system register or DEMUX CCSIDR)"},
};
}  // namespace

std::span<const RegisterInfo> known_registers() { return kRegisters; }

Result<RegisterKind> find_register(std::string_view key) {
  std::string keys;
  for (const RegisterInfo& r : kRegisters) {
    if (r.key == key) return r.kind;
    keys += fmt::format("{}{}", keys.empty() ? "" : ", ", r.key);
  }
  return Error::make(fmt::format("unknown register '{}' (one of: {})", key, keys), EINVAL);
}

const RegisterInfo& register_info(RegisterKind kind) { return kRegisters[static_cast<unsigned>(kind)]; }

const Layout& decode_layout(RegisterKind kind, std::uint64_t raw, bool ccidx) {
  switch (kind) {
    case RegisterKind::kClidr: return kClidrLayout;
    case RegisterKind::kCcsidr: return Ccsidr::as_read(raw, ccidx).layout();
    case RegisterKind::kCcsidr2: return kCcsidr2Layout;
    case RegisterKind::kCsselr: return kCsselrLayout;
    case RegisterKind::kCtr: return kCtrLayout;
    case RegisterKind::kMmfr2: return kMmfr2Layout;
    case RegisterKind::kPfr1: return kPfr1Layout;
    case RegisterKind::kMidr: return kMidrLayout;
    case RegisterKind::kRegId: return reg_id_layout(raw);
  }
  return kClidrLayout;  // unreachable
}

const Layout& encode_layout(RegisterKind kind, bool ccidx, bool demux) {
  if (kind == RegisterKind::kRegId) return demux ? kDemuxIdLayout : kSysregIdLayout;
  if (kind == RegisterKind::kCcsidr) return ccidx ? kCcsidrCcidxLayout : kCcsidrLayout;
  return decode_layout(kind, 0, false);
}

std::uint64_t encode_base(RegisterKind kind, bool demux) {
  if (kind == RegisterKind::kRegId) return demux ? demux_ccsidr_id(0) : sysreg_id({0, 0, 0, 0, 0});
  return encode_layout(kind, false, false).res1_mask();
}

}  // namespace armcache::reg
