#include "armcache/plan/compat.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>

#include "armcache/cache/selectors.h"
#include "armcache/registers/kvm_reg_id.h"
#include "armcache/registers/sysreg_names.h"

namespace armcache::plan {

namespace {

using identity::VcpuSurface;
using reg::SysRegEncoding;

// A 4-bit field of an ID register (Arm ARM D19.1.3: most ID fields are
// unsigned, a higher value adds features).
struct IdField {
  SysRegEncoding reg;
  unsigned lsb;
  std::string_view name;
};

// Fields that are not "unsigned, lower is a subset": signed fields (0xf
// means not implemented) and PMUVer (0xf is IMPLEMENTATION DEFINED).
// A difference there is never resolved by lowering.
constexpr std::array kNotLowerSafe{
    IdField{{3, 0, 0, 4, 0}, 16, "FP"},          IdField{{3, 0, 0, 4, 0}, 20, "AdvSIMD"},
    IdField{{3, 0, 0, 7, 0}, 24, "TGran64"},     IdField{{3, 0, 0, 7, 0}, 28, "TGran4"},
    IdField{{3, 0, 0, 5, 0}, 8, "PMUVer"},       IdField{{3, 0, 0, 5, 0}, 36, "DoubleLock"},
};

// Registers that only exist with a feature the VM may lack: the ID field
// that says whether the VM has it.
struct Gated {
  SysRegEncoding reg;
  SysRegEncoding id_reg;
  unsigned lsb;
  std::string_view field, feature;
};
constexpr std::array kGated{
    Gated{{3, 0, 2, 0, 3}, {3, 0, 0, 7, 3}, 0, "ID_AA64MMFR3_EL1.TCRX", "FEAT_TCR2"},
    Gated{{3, 0, 10, 2, 2}, {3, 0, 0, 7, 3}, 8, "ID_AA64MMFR3_EL1.S1PIE", "FEAT_S1PIE"},
    Gated{{3, 0, 10, 2, 3}, {3, 0, 0, 7, 3}, 8, "ID_AA64MMFR3_EL1.S1PIE", "FEAT_S1PIE"},
};

// The EL1 physical timer KVM lists from 6.4 (KVM_REG_ARM_PTIMER_*).
constexpr std::array<SysRegEncoding, 3> kPhysicalTimer{
    SysRegEncoding{3, 3, 14, 0, 1}, SysRegEncoding{3, 3, 14, 2, 1}, SysRegEncoding{3, 3, 14, 2, 2}};

// KVM_REG_ARM_PSCI_VERSION, KVM_REG_ARM_FW_REG(0): major << 16 | minor.
constexpr std::uint64_t kPsciVersionId =
    reg::reg_id::kCoproc.with(reg::kKvmRegArm64 | reg::kKvmRegSizeU64, reg::kCoprocFw);
static_assert(kPsciVersionId == 0x6030000000140000ull);

unsigned field(std::uint64_t v, unsigned lsb) { return unsigned(v >> lsb) & 0xf; }

bool lower_safe(SysRegEncoding e, unsigned lsb) {
  return std::none_of(kNotLowerSafe.begin(), kNotLowerSafe.end(),
                      [&](const IdField& f) { return f.reg == e && f.lsb == lsb; });
}

// Writable ID registers: KVM takes a userspace value of a sanitised ID
// register, lower than its own in the writable fields, before the VM first
// runs from 6.7 ("KVM: arm64: Enable writable sanitised ID registers").
// Measured for ID_AA64DFR0_EL1.DebugVer on 6.12 and 7.3 (e2e/run-migrate.sh).
bool id_regs_writable(const kernel::KernelSpec& k) { return k.version >= KernelVersion{6, 7}; }

// The value the VM has for an id after the plan's ID writes.
std::uint64_t vm_value(const CompatPlan& p, const VcpuSurface& src, std::uint64_t id) {
  for (auto [wid, v] : p.id_writes)
    if (wid == id) return v;
  auto it = src.values.find(id);
  return it == src.values.end() ? 0 : it->second;
}

void plan_cache(const CompatEnd& source, const CompatEnd& dest, CompatPlan& p) {
  const bool same = source.view.same_guest_identity(dest.view) && source.view.clidr_reg == dest.view.clidr_reg &&
                    source.view.ctr_reg == dest.view.ctr_reg && source.view.demux == dest.view.demux;
  if (same) return;
  CompatItem it{"cache", reg::kClidrId, "CLIDR_EL1, CCSIDR, CTR_EL0", CompatAction::kWriteView,
                source.view.clidr_reg, dest.view.clidr_reg, ""};
  const bool source_fixed = source.kernel.generation == kernel::Generation::kPre63;
  const bool dest_fixed = dest.kernel.generation == kernel::Generation::kPre63;
  if (source_fixed && dest_fixed) {
    it.action = CompatAction::kImpossible;
    it.why = fmt::format("kernels {} and {} both give guests the host's cache registers and take no other value "
                         "(sys_regs.c before 6.3: invariant registers): the hosts differ",
                         source.kernel.label, dest.kernel.label);
  } else if (source_fixed) {
    // The source can only show its host's registers; a 6.3+ destination
    // takes a VMM's values on load, so the guest keeps them.
    it.action = CompatAction::kKeep;
    it.why = fmt::format("kernel {} gives guests the host's cache registers; kernel {} takes them from the stream "
                         "on load (its KVM_SET_ONE_REG checks against its host decide; plan --to with a host "
                         "profile models them), so the guest keeps its view",
                         source.kernel.label, dest.kernel.label);
  } else {
    it.why = "the destination's ONE_REG values on every vCPU after each KVM_ARM_VCPU_INIT, in apply_view's order; "
             "the source kernel's own KVM_SET_ONE_REG checks decide when the VMM starts (the init fails otherwise)";
    if (dest.view.ctr_reg != dest.view.ctr.raw())
      it.why += fmt::format(". CTR_EL0 is {:#x} as the destination's KVM holds it, the only value it takes back on "
                            "load; its own guests read {:#x}, a guest started here reads {:#x}",
                            dest.view.ctr_reg, dest.view.ctr.raw(), dest.view.ctr_reg);
    p.view = dest.view;
  }
  p.items.push_back(std::move(it));
}

void plan_id_registers(const CompatEnd& source, const CompatEnd& dest, CompatPlan& p) {
  for (auto [id, sv] : source.surface.values) {
    auto d = dest.surface.values.find(id);
    if (d == dest.surface.values.end() || d->second == sv) continue;
    const std::uint64_t dv = d->second;
    CompatItem it{reg::is_firmware_register(id) ? "firmware register" : "ID register", id, reg::one_reg_name(id),
                  CompatAction::kImpossible, sv, dv, ""};
    const auto enc = reg::sysreg_encoding(id);
    if (id == kPsciVersionId) {
      // KVM implements every PSCI version up to its own and lets the VMM
      // pick one before the VM runs (arch/arm64/kvm/hypercalls.c,
      // kvm_arm_set_fw_reg): the lower of the two is the one both take.
      if (dv < sv) {
        it.action = CompatAction::kWriteId;
        it.why = fmt::format("PSCI {}.{} on the source, {}.{} on the destination: the source offers the lower "
                             "version before the VM runs",
                             sv >> 16, sv & 0xffff, dv >> 16, dv & 0xffff);
        p.id_writes.emplace_back(id, dv);
      } else {
        it.action = CompatAction::kKeep;
        it.why = fmt::format("PSCI {}.{} on the source: the destination, at {}.{}, takes a lower version on load",
                             sv >> 16, sv & 0xffff, dv >> 16, dv & 0xffff);
      }
      p.items.push_back(std::move(it));
      continue;
    }
    if (!enc) {
      it.why = "KVM's firmware interface differs between the kernels; armcache does not change it";
      p.items.push_back(std::move(it));
      continue;
    }
    std::vector<std::string> lower, higher, exact;
    for (unsigned lsb = 0; lsb < 64; lsb += 4) {
      const unsigned a = field(sv, lsb), b = field(dv, lsb);
      if (a == b) continue;
      const std::string f = fmt::format("bits [{}:{}] {} -> {}", lsb + 3, lsb, a, b);
      if (!lower_safe(*enc, lsb))
        exact.push_back(f);
      else if (b < a)
        lower.push_back(f);
      else
        higher.push_back(f);
    }
    auto join = [](const std::vector<std::string>& v) {
      std::string s;
      for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
      return s;
    };
    if (!exact.empty()) {
      it.why = fmt::format("{} differs in a field where a lower value is not a subset (signed or IMPLEMENTATION "
                           "DEFINED): {}",
                           it.name, join(exact));
    } else if (!lower.empty() && !id_regs_writable(source.kernel)) {
      it.why = fmt::format("the destination's value is lower ({}), and kernel {} has no writable ID registers "
                           "(6.7 and later have)",
                           join(lower), source.kernel.label);
    } else if (!higher.empty() && !id_regs_writable(dest.kernel)) {
      it.why = fmt::format("the destination's value is higher ({}) and kernel {} takes no other value than its own "
                           "(writable ID registers came with 6.7); the source cannot raise it",
                           join(higher), dest.kernel.label);
    } else if (!lower.empty()) {
      // Lower where the destination is lower; where it is higher, keep the
      // source's value, which a writable-ID destination takes on load.
      std::uint64_t v = sv;
      for (unsigned lsb = 0; lsb < 64; lsb += 4)
        if (field(dv, lsb) < field(sv, lsb)) v = (v & ~(std::uint64_t{0xf} << lsb)) | (dv & (std::uint64_t{0xf} << lsb));
      it.action = CompatAction::kWriteId;
      it.dest_value = v;
      it.why = fmt::format("{}: the destination's lower value, a subset of the features (Arm ARM D19.1.3, the ID "
                           "scheme); written before the VM first runs{}",
                           join(lower),
                           higher.empty() ? "" : fmt::format("; kept where the destination is higher ({})", join(higher)));
      p.id_writes.emplace_back(id, v);
    } else {
      it.action = CompatAction::kKeep;
      it.why = fmt::format("the source's value is lower ({}); kernel {} takes a lower value of a writable field on "
                           "load",
                           join(higher), dest.kernel.label);
    }
    p.items.push_back(std::move(it));
  }
}

void plan_register_list(const CompatEnd& source, const CompatEnd& dest, CompatPlan& p) {
  const identity::GuestView& vm_view = p.view ? *p.view : source.view;
  for (std::uint64_t id : source.surface.reg_list) {
    if (!reg::qemu_migrates_via_cpreg_list(id) || dest.surface.lists(id)) continue;
    CompatItem it{"register list", id, reg::one_reg_name(id), CompatAction::kImpossible, std::nullopt, std::nullopt, ""};
    const auto enc = reg::sysreg_encoding(id);
    if (reg::is_demux_ccsidr_id(id)) {
      const unsigned sel = reg::demux_ccsidr_index(id);
      const auto described = cache::level_ind_selectors(vm_view.clidr);
      if (std::find(described.begin(), described.end(), sel) == described.end()) {
        it.action = CompatAction::kHide;
        it.why = fmt::format("CSSELR {} selects no cache the VM's CLIDR_EL1 ({:#x}) describes, so the CCSIDR_EL1 a "
                             "guest reads there is UNKNOWN (Arm ARM, CCSIDR_EL1) and holds nothing it can rely on",
                             sel, vm_view.clidr_reg);
      } else {
        it.why = fmt::format("the VM's CLIDR_EL1 describes CSSELR {}, but the destination does not list it", sel);
      }
    } else if (auto g = std::find_if(kGated.begin(), kGated.end(), [&](const Gated& x) { return enc && x.reg == *enc; });
               g != kGated.end()) {
      const std::uint64_t idv = vm_value(p, source.surface, reg::sysreg_id(g->id_reg));
      if (field(idv, g->lsb) == 0) {
        it.action = CompatAction::kHide;
        it.why = fmt::format("the VM has no {} ({} = 0): the register is UNDEFINED to the guest and KVM keeps it "
                             "at its reset value",
                             g->feature, g->field);
      } else {
        it.why = fmt::format("the VM has {} ({} = {}), so the register holds guest state the destination cannot take",
                             g->feature, g->field, field(idv, g->lsb));
      }
    } else if (enc && std::find(kPhysicalTimer.begin(), kPhysicalTimer.end(), *enc) != kPhysicalTimer.end()) {
      it.action = CompatAction::kHide;
      it.why = "the EL1 physical timer, which the destination kernel does not list, so no VMM carries it to or "
               "between hosts on that kernel: its state is lost as on every migration there (Linux guests at EL1 "
               "use the virtual timer, which is carried)";
    } else {
      it.why = "guest state the destination kernel does not list: QEMU refuses the stream (cpu_post_load)";
    }
    if (it.action == CompatAction::kHide) p.hide.push_back(id);
    p.items.push_back(std::move(it));
  }
  for (std::uint64_t id : dest.surface.reg_list) {
    if (!reg::qemu_migrates_via_cpreg_list(id) || source.surface.lists(id)) continue;
    p.items.push_back({"register list", id, reg::one_reg_name(id), CompatAction::kDestinationOnly, std::nullopt, std::nullopt,
                       "listed only by the destination: QEMU skips it on load and it keeps its reset value"});
  }
}

}  // namespace

std::string_view compat_action_name(CompatAction a) {
  switch (a) {
    case CompatAction::kWriteView: return "write-view";
    case CompatAction::kHide: return "hide";
    case CompatAction::kWriteId: return "write-id";
    case CompatAction::kKeep: return "keep";
    case CompatAction::kDestinationOnly: return "destination-only";
    case CompatAction::kImpossible: return "impossible";
  }
  return "?";
}

bool CompatPlan::possible() const {
  return std::none_of(items.begin(), items.end(), [](const CompatItem& i) { return i.action == CompatAction::kImpossible; });
}

Verdict CompatPlan::verdict() const {
  if (!possible()) return Verdict::kImpossible;
  return items.empty() ? Verdict::kIdentical : Verdict::kRestorable;
}

bool CompatPlan::needs_compat() const {
  return std::any_of(items.begin(), items.end(), [](const CompatItem& i) {
    return i.action == CompatAction::kWriteView || i.action == CompatAction::kHide || i.action == CompatAction::kWriteId;
  });
}

CompatPlan plan_compat(const CompatEnd& source, const CompatEnd& dest) {
  CompatPlan p;
  plan_cache(source, dest, p);
  plan_id_registers(source, dest, p);  // before the list: a gated register depends on the VM's ID values
  plan_register_list(source, dest, p);
  std::sort(p.hide.begin(), p.hide.end());
  return p;
}

}  // namespace armcache::plan
