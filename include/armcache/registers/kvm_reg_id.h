// KVM one-reg ids for arm64 (Documentation/virt/kvm/api.rst, asm/kvm.h):
// system registers and the DEMUX CCSIDR space, in both directions.
// The id layout in words: docs/arm-cache-registers.md#one-reg-ids.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "armcache/registers/describers.h"
#include "armcache/registers/field.h"
#include "armcache/util/result.h"

namespace armcache::reg {

inline constexpr std::uint64_t kKvmRegArm64 = 0x6000000000000000ull;
inline constexpr std::uint64_t kKvmRegSizeU32 = 0x0020000000000000ull;
inline constexpr std::uint64_t kKvmRegSizeU64 = 0x0030000000000000ull;
// The Coproc field's values (asm/kvm.h KVM_REG_ARM_*; 0x0012 is 32-bit Arm's VFP).
inline constexpr std::uint32_t kCoprocCore = 0x0010;
inline constexpr std::uint32_t kCoprocDemux = 0x0011;
inline constexpr std::uint32_t kCoprocSysreg = 0x0013;
inline constexpr std::uint32_t kCoprocFw = 0x0014;
inline constexpr std::uint32_t kCoprocSve = 0x0015;
inline constexpr std::uint32_t kCoprocFwFeatBitmap = 0x0016;
inline constexpr std::uint32_t kDemuxIdCcsidr = 0x00;

namespace reg_id {
using enum FieldRole;
inline constexpr Field kArch{"Arch", 63, 56, kValue, describe::reg_arch, true};
inline constexpr Field kSize{"Size", 55, 52, kValue, describe::reg_size};
inline constexpr Field kRes0{"RES0", 51, 32, kReserved0};
inline constexpr Field kCoproc{"Coproc", 31, 16, kValue, describe::reg_coproc, true};
inline constexpr Field kOp0{"Op0", 15, 14};
inline constexpr Field kOp1{"Op1", 13, 11};
inline constexpr Field kCRn{"CRn", 10, 7};
inline constexpr Field kCRm{"CRm", 6, 3};
inline constexpr Field kOp2{"Op2", 2, 0};
inline constexpr Field kDemuxId{"DemuxId", 15, 8, kValue, describe::demux_id};
inline constexpr Field kIndex{"Index", 7, 0, kValue, describe::demux_index};
inline constexpr Field kOther{"Index", 15, 0, kValue, nullptr, true};
inline constexpr Field kSysregTable[] = {kOp2, kCRm, kCRn, kOp1, kOp0, kCoproc, kRes0, kSize, kArch};
inline constexpr Field kDemuxTable[] = {kIndex, kDemuxId, kCoproc, kRes0, kSize, kArch};
inline constexpr Field kOtherTable[] = {kOther, kCoproc, kRes0, kSize, kArch};
}  // namespace reg_id

inline constexpr Layout kSysregIdLayout{"KVM one-reg id (system register)", 64, reg_id::kSysregTable};
inline constexpr Layout kDemuxIdLayout{"KVM one-reg id (DEMUX)", 64, reg_id::kDemuxTable};
inline constexpr Layout kOtherIdLayout{"KVM one-reg id", 64, reg_id::kOtherTable};

struct SysRegEncoding {
  unsigned op0, op1, crn, crm, op2;
  constexpr bool operator==(const SysRegEncoding&) const = default;
};

inline constexpr SysRegEncoding kMidrEl1{3, 0, 0, 0, 0};
inline constexpr SysRegEncoding kRevidrEl1{3, 0, 0, 0, 6};
inline constexpr SysRegEncoding kCcsidrEl1{3, 1, 0, 0, 0};
inline constexpr SysRegEncoding kClidrEl1{3, 1, 0, 0, 1};
inline constexpr SysRegEncoding kCcsidr2El1{3, 1, 0, 0, 2};
inline constexpr SysRegEncoding kCsselrEl1{3, 2, 0, 0, 0};
inline constexpr SysRegEncoding kCtrEl0{3, 3, 0, 0, 1};
inline constexpr SysRegEncoding kIdAa64Pfr1El1{3, 0, 0, 4, 1};
inline constexpr SysRegEncoding kIdAa64Mmfr2El1{3, 0, 0, 7, 2};

constexpr std::uint64_t sysreg_id(SysRegEncoding e) {
  std::uint64_t id = reg_id::kCoproc.with(kKvmRegArm64 | kKvmRegSizeU64, kCoprocSysreg);
  id = reg_id::kOp0.with(id, e.op0);
  id = reg_id::kOp1.with(id, e.op1);
  id = reg_id::kCRn.with(id, e.crn);
  id = reg_id::kCRm.with(id, e.crm);
  return reg_id::kOp2.with(id, e.op2);
}

// An id of the arm64 architecture (Arch 0x60).
constexpr bool is_arm64_id(std::uint64_t id) { return reg_id::kArch.get(id) == reg_id::kArch.get(kKvmRegArm64); }
// Bits of an id's value, 8 << Size (32 for DEMUX, 64 for system registers);
// 0 for an id that is not arm64.
constexpr unsigned value_bits(std::uint64_t id) { return is_arm64_id(id) ? 8u << reg_id::kSize.get(id) : 0; }

// csselr is the Level|InD index, 0..13.
constexpr std::uint64_t demux_ccsidr_id(unsigned csselr) {
  const std::uint64_t id = reg_id::kCoproc.with(kKvmRegArm64 | kKvmRegSizeU32, kCoprocDemux);
  return reg_id::kIndex.with(reg_id::kDemuxId.with(id, kDemuxIdCcsidr), csselr);
}
// Whether `id` is a DEMUX CCSIDR id, whatever its index (KVM has 0..13), and
// that index.
constexpr bool is_demux_ccsidr_id(std::uint64_t id) { return (id & ~reg_id::kIndex.mask()) == demux_ccsidr_id(0); }
constexpr unsigned demux_ccsidr_index(std::uint64_t id) { return unsigned(reg_id::kIndex.get(id)); }
static_assert(demux_ccsidr_id(2) == 0x6020000000110002ull);  // arch/arm64/include/uapi/asm/kvm.h

inline constexpr std::uint64_t kClidrId = sysreg_id(kClidrEl1);
inline constexpr std::uint64_t kCtrId = sysreg_id(kCtrEl0);
inline constexpr std::uint64_t kCsselrId = sysreg_id(kCsselrEl1);
inline constexpr std::uint64_t kMmfr2Id = sysreg_id(kIdAa64Mmfr2El1);
inline constexpr std::uint64_t kMidrId = sysreg_id(kMidrEl1);

enum class RegIdKind : std::uint8_t { kSysreg, kDemuxCcsidr, kOther };

struct RegId {
  RegIdKind kind = RegIdKind::kOther;
  std::uint64_t raw = 0;
  unsigned size_bytes = 0;
  SysRegEncoding sysreg{};  // kSysreg
  unsigned csselr = 0;      // kDemuxCcsidr: the Level|InD index
  std::string_view name;    // "CLIDR_EL1", "CCSIDR_EL1 (DEMUX)"; one_reg_name() names the register itself
};

// Decodes an arm64 one-reg id; errors for non-arm64 ids or sizes KVM does not
// define. Ids KVM would reject (DEMUX index >= 14) decode with a note from
// reg_id_problem().
Result<RegId> decode_reg_id(std::uint64_t raw);
const Layout& reg_id_layout(std::uint64_t raw);
// Why KVM would refuse this id, or empty.
std::optional<std::string_view> reg_id_problem(const RegId& id);
// The one name of a one-reg id in messages and output: a system register's
// Arm ARM name (else "S3_0_C0_C4_0"), a DEMUX CCSIDR as ccsidr_name() spells
// it ("CCSIDR_EL1[2]"), a core register by its struct kvm_regs member ("X0",
// "PC", "SPSR[1]", "V31", "FPSR"), a firmware pseudo-register by its uapi
// name ("KVM_REG_ARM_PSCI_VERSION", else "KVM_REG_ARM_FW_REG(5)"), else the
// id in hex.
std::string one_reg_name(std::uint64_t raw);

}  // namespace armcache::reg
