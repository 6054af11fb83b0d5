#include "armcache/kernel/vcpu_model.h"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>

#include "armcache/cache/geometry.h"
#include "armcache/cache/idc.h"
#include "armcache/cache/selectors.h"
#include "armcache/registers/csselr.h"
#include "armcache/registers/kvm_reg_id.h"

namespace armcache::kernel {

using identity::GuestView;
using identity::HostKind;

namespace {
// CLIDR_EL1 RES0 [63:47] (arch/arm64/tools/sysreg), from the field table.
constexpr std::uint64_t kClidrRes0 = reg::kClidrLayout.res0_mask();
// KVM's writable CTR_EL0 fields (sys_regs.c, the CTR_EL0 ID_WRITABLE entry, 6.11+;
// 7.3's ID_FILTERED entry adds L1Ip).
constexpr std::uint64_t kCtrWritable = reg::ctr::kDIC.mask() | reg::ctr::kIDC.mask() |
                                       reg::ctr::kDminLine.mask() | reg::ctr::kIminLine.mask();
// CTR_EL0.L1Ip values (Arm ARM): 0b00 VPIPT and 0b01 AIVIVT are reserved now.
constexpr unsigned kL1IpVipt = 2;
}  // namespace

reg::Ctr sanitise_ctr(const std::vector<HostKind>& kinds) {
  // arch/arm64/kernel/cpufeature.c: ftr_ctr and read_cpuid_effective_cachetype().
  std::optional<std::uint64_t> out;
  for (const HostKind& k : kinds) {
    if (!k.ctr) continue;
    const reg::Ctr c = cache::sanitised_ctr(*k.ctr, k.clidr);
    std::uint64_t v = 0;
    v = reg::ctr::kIminLine.with(v, c.imin_line());
    v = reg::ctr::kL1Ip.with(v, c.l1ip());
    v = reg::ctr::kDminLine.with(v, c.dmin_line());
    v = reg::ctr::kERG.with(v, c.erg());
    v = reg::ctr::kCWG.with(v, c.cwg());
    v = reg::ctr::kIDC.with(v, c.idc());
    v = reg::ctr::kDIC.with(v, c.dic());
    v = reg::ctr::kRes1.with(v, 1);
    if (!out) {
      out = v;
      continue;
    }
    auto lower = [&](const reg::Field& f) { *out = f.with(*out, std::min(f.get(*out), f.get(v))); };
    auto higher_or_zero = [&](const reg::Field& f) {
      const auto a = f.get(*out), b = f.get(v);
      *out = f.with(*out, (a == 0 || b == 0) ? 0 : std::max(a, b));
    };
    lower(reg::ctr::kIminLine);
    lower(reg::ctr::kDminLine);
    lower(reg::ctr::kIDC);
    lower(reg::ctr::kDIC);
    higher_or_zero(reg::ctr::kERG);
    higher_or_zero(reg::ctr::kCWG);
    if (reg::ctr::kL1Ip.get(*out) != reg::ctr::kL1Ip.get(v)) *out = reg::ctr::kL1Ip.with(*out, 2);  // VIPT
  }
  return reg::Ctr(out.value_or(0));
}

Result<HostInput> host_input(const identity::Host& host, std::size_t current_kind) {
  if (host.kinds.empty()) return Error::make("host has no CPU kinds");
  if (current_kind >= host.kinds.size())
    return Error::make(fmt::format("host has {} CPU kinds, no kind {}", host.kinds.size(), current_kind));
  for (std::size_t i = 0; i < host.kinds.size(); ++i)
    if (!host.kinds[i].ctr)
      return Error::make(fmt::format("host kind {} has no CTR_EL0 (capture it on the arm64 host itself)", i));
  return HostInput{identity::boot_kind(host), host.kinds[current_kind], sanitise_ctr(host.kinds)};
}

VcpuModel::VcpuModel(KernelSpec kernel, HostInput host, VmConfig vm)
    : kernel_(std::move(kernel)), host_(std::move(host)), vm_(vm), vm_ctr_(host_.sanitised_ctr) {
  // sys_regs.c: reset_clidr() at the first KVM_ARM_VCPU_INIT (6.3+).
  if (fabricated()) clidr_ = fabricate_clidr();
}

// The CTR_EL0 KVM's cache rules read (reset_clidr, set_clidr,
// get_min_cache_line_size): the host's sanitised value, even after 6.11
// made CTR_EL0 a per-VM register (checked in the 6.12 source).
reg::Ctr VcpuModel::cache_rules_ctr() const { return host_.sanitised_ctr; }

std::uint64_t VcpuModel::fabricate_clidr() const {
  // sys_regs.c: reset_clidr().
  const reg::Ctr ctr = cache_rules_ctr();
  reg::Clidr c;
  unsigned loc;
  if (ctr.idc()) {
    loc = ctr.dic() ? 1 : 2;
    c.set_ctype(loc, unsigned(reg::Ctype::kUnified));
  } else {
    loc = 1;
    c.set_louu(1).set_louis(1).set_ctype(1, unsigned(reg::Ctype::kData));
  }
  if (!ctr.dic()) c.set_ctype(1, c.ctype(1) | unsigned(reg::Ctype::kInstruction));
  c.set_loc(loc);
  if (vm_.mte) c.set_ttype(loc, unsigned(reg::Ttype::kUnifiedLines));
  return c.raw();
}

unsigned VcpuModel::min_line_log2(bool icache) const {
  // sys_regs.c: get_min_cache_line_size(): log2(words) + 2 = log2(bytes).
  const reg::Ctr ctr = cache_rules_ctr();
  return (icache ? ctr.imin_line() : ctr.dmin_line()) + 2;
}

std::uint32_t VcpuModel::get_ccsidr(unsigned csselr) const {
  // sys_regs.c: get_ccsidr(): the override array if any, else LineSize only.
  if (ccsidr_) return (*ccsidr_)[csselr];
  return std::uint32_t(reg::ccsidr::kLineSize.with(0, min_line_log2(reg::Csselr(csselr).ind()) - 4));
}

std::uint64_t VcpuModel::host_ccsidr(const HostKind& cpu, std::uint32_t csselr) const {
  auto it = cpu.ccsidr.find(csselr);
  return it == cpu.ccsidr.end() ? 0 : it->second;
}

GuestView VcpuModel::view() const {
  GuestView v;
  if (!fabricated()) {
    // <= 6.2: no trap (TID2 only for mismatched caches), so the guest reads
    // the hardware of the CPU it runs on; ONE_REG reports the invariants.
    const HostKind& cpu = host_.current_cpu;
    v.clidr = cpu.clidr;
    for (unsigned i = 0; i < identity::kGuestSelectors; ++i) {
      v.ccsidr[i] = host_ccsidr(cpu, i);
      // QEMU drops TnD; a host that knows its tag caches lists 0x10|i.
      auto t = cpu.ccsidr.find(std::uint32_t(reg::csselr::kTnD.with(i, 1)));
      v.ccsidr_tnd[i] = t != cpu.ccsidr.end() ? t->second : v.ccsidr[i];
    }
    v.ctr = cpu.ctr.value_or(host_.sanitised_ctr);
    v.mmfr2_ccidx = cpu.ccidx ? 1 : 0;
    v.clidr_reg = host_.boot_cpu.clidr.raw();
    v.ctr_reg = host_.sanitised_ctr.raw();
    for (unsigned sel : demux_ids()) v.demux[sel] = std::uint32_t(host_ccsidr(cpu, sel));
    return v;
  }
  // 6.3+: CLIDR/CCSIDR/CSSELR trap (TID2, or TID4 with FEAT_EVT);
  // access_ccsidr() masks CSSELR to Level|InD and ignores Level 7.
  v.clidr = reg::Clidr(clidr_);
  for (unsigned i = 0; i < identity::kGuestSelectors; ++i) {
    v.ccsidr[i] = i < kDemuxCount ? get_ccsidr(i) : 0;
    v.ccsidr_tnd[i] = v.ccsidr[i];
  }
  const reg::Ctr reg_ctr = kernel_.per_vm_ctr() ? vm_ctr_ : host_.sanitised_ctr;
  // With FEAT_EVT KVM uses TID4, which leaves CTR_EL0 untrapped unless the
  // VM's CTR_EL0 differs from the host's (6.11+: then TID2).
  const bool evt = host_.current_cpu.evt != 0;
  const bool ctr_trapped = !evt || (kernel_.per_vm_ctr() && vm_ctr_ != host_.sanitised_ctr);
  v.ctr = ctr_trapped ? reg_ctr : host_.current_cpu.ctr.value_or(reg_ctr);
  v.mmfr2_ccidx = 0;  // KVM hides FEAT_CCIDX
  v.clidr_reg = clidr_;
  v.ctr_reg = reg_ctr.raw();
  for (unsigned sel = 0; sel < kDemuxCount; ++sel) v.demux[sel] = get_ccsidr(sel);
  return v;
}

std::vector<unsigned> VcpuModel::demux_ids() const {
  std::vector<unsigned> ids;
  if (!fabricated()) {
    // sys_regs.c (<= 6.2): is_valid_cache() over the boot CPU's CLIDR.
    for (unsigned sel : cache::level_ind_selectors(host_.boot_cpu.clidr))
      if (sel < kDemuxCount) ids.push_back(sel);
    return ids;
  }
  for (unsigned sel = 0; sel < kDemuxCount; ++sel) ids.push_back(sel);
  return ids;
}

// arch/arm64/kvm/guest.c: kvm_arm_get_reg()/kvm_arm_set_reg() refuse an id
// whose bits above the size field and [51:32] are not exactly arm64's,
// before looking anything up.
static bool arm64_id_shape(std::uint64_t id) {
  return reg::reg_id::kArch.get(id) == reg::reg_id::kArch.get(reg::kKvmRegArm64) && reg::reg_id::kRes0.get(id) == 0;
}

Result<std::vector<std::uint64_t>> VcpuModel::reg_list() {
  if (!initialized_) return Error::make("the vCPU has not been through KVM_ARM_VCPU_INIT", ENOEXEC);
  std::vector<std::uint64_t> ids{reg::kClidrId, reg::kCtrId};
  for (unsigned sel : demux_ids()) ids.push_back(reg::demux_ccsidr_id(sel));
  return ids;
}

// What KVM refuses before looking at the id itself: ONE_REG before
// VCPU_INIT (arm.c: kvm_arch_vcpu_ioctl()) and an id that is not arm64's.
Status VcpuModel::check_access(std::uint64_t id) const {
  if (!initialized_) return Error::make("the vCPU has not been through KVM_ARM_VCPU_INIT", ENOEXEC);
  if (!arm64_id_shape(id))
    return Error::make(fmt::format("register id {:#x} is not an arm64 id (bits [51:32] or the arch field)", id),
                       EINVAL);
  return Ok{};
}

Result<std::uint64_t> VcpuModel::get(std::uint64_t id) {
  if (auto st = check_access(id); !st) return st.error();
  const GuestView v = view();
  if (id == reg::kClidrId) return v.clidr_reg;
  if (id == reg::kCtrId) return v.ctr_reg;
  auto rid = reg::decode_reg_id(id);
  if (rid && rid->kind == reg::RegIdKind::kDemuxCcsidr && !reg::reg_id_problem(*rid)) {
    auto it = v.demux.find(rid->csselr);
    if (it != v.demux.end()) return std::uint64_t{it->second};
    return Error::make(fmt::format("{} does not exist on a pre-6.3 destination", reg::one_reg_name(id)), ENOENT);
  }
  return Error::make(fmt::format("register id {:#x} does not exist", id), ENOENT);
}

Status VcpuModel::set(std::uint64_t id, std::uint64_t value) {
  if (auto st = check_access(id); !st) return st;
  if (id == reg::kClidrId) return set_clidr(value);
  if (id == reg::kCtrId) return set_ctr(value);
  auto rid = reg::decode_reg_id(id);
  // DEMUX registers are 32 bits: sys_regs.c demux_c15_set() reads 4 bytes.
  if (rid && rid->kind == reg::RegIdKind::kDemuxCcsidr && !reg::reg_id_problem(*rid))
    return set_ccsidr(rid->csselr, std::uint32_t(value));
  return Error::make(fmt::format("register id {:#x} does not exist", id), ENOENT);  // sys_regs.c: unknown ids
}

Status VcpuModel::set_clidr(std::uint64_t value) {
  if (!fabricated()) {
    // sys_regs.c (<= 6.2): set_invariant_sys_reg(): only the host value.
    if (value == host_.boot_cpu.clidr.raw()) return Ok{};
    return Error::make(fmt::format("CLIDR_EL1 {:#x} is not the destination host's {:#x}; pre-6.3 KVM accepts only that",
                                   value, host_.boot_cpu.clidr.raw()),
                       EINVAL);
  }
  if (auto st = check_clidr(value); !st) return st;
  clidr_ = value;
  return Ok{};
}

Status VcpuModel::check_clidr(std::uint64_t value) const {
  // sys_regs.c: set_clidr(): RES0, and no IDC implied unless CTR_EL0.IDC.
  if (value & kClidrRes0) {
    return Error::make(fmt::format("CLIDR_EL1 {:#x} sets RES0 bits [63:47]", value), EINVAL);
  }
  if (!cache_rules_ctr().idc() && cache::clidr_implies_idc(reg::Clidr(value))) {
    return Error::make(
        fmt::format("CLIDR_EL1 {:#x} implies IDC (LoC 0, or LoUU and LoUIS 0) but the destination's CTR_EL0.IDC is 0",
                    value),
        EINVAL);
  }
  return Ok{};
}

Status VcpuModel::check_line_size(unsigned csselr, std::uint64_t value) const {
  // sys_regs.c: set_ccsidr(): LineSize at least the minimum line of that side.
  const unsigned line_log2 = unsigned(reg::ccsidr::kLineSize.get(value)) + 4;
  const reg::Csselr sel(csselr);
  if (line_log2 < min_line_log2(sel.ind())) {
    return Error::make(fmt::format("L{}{} line size {} below host minimum {}", sel.level(), sel.ind() ? "I" : "D",
                                   1u << line_log2, 1u << min_line_log2(sel.ind())),
                       EINVAL);
  }
  return Ok{};
}

Status VcpuModel::set_ccsidr(unsigned csselr, std::uint64_t value) {
  if (!fabricated()) {
    // sys_regs.c (<= 6.2): demux_c15_set(): listed selectors only, and only
    // the current CPU's value.
    const auto ids = demux_ids();
    if (std::find(ids.begin(), ids.end(), csselr) == ids.end()) {
      return Error::make(
          fmt::format("{} does not exist on a pre-6.3 destination", reg::ccsidr_name(reg::Csselr(csselr))), ENOENT);
    }
    const std::uint64_t host = std::uint32_t(host_ccsidr(host_.current_cpu, csselr));
    if (value == host) return Ok{};
    return Error::make(fmt::format("{} {:#x} is not the destination CPU's {:#x}; pre-6.3 KVM accepts only that",
                                   reg::ccsidr_name(reg::Csselr(csselr)), value, host),
                       EINVAL);
  }
  if (csselr >= kDemuxCount) {
    return Error::make(fmt::format("DEMUX id {} is beyond the {} KVM has", csselr, kDemuxCount), ENOENT);
  }
  if (auto st = check_line_size(csselr, value); !st) return st;
  if (!ccsidr_) {
    if (value == get_ccsidr(csselr)) return Ok{};
    std::array<std::uint32_t, kDemuxCount> a{};
    for (unsigned i = 0; i < kDemuxCount; ++i) a[i] = get_ccsidr(i);
    ccsidr_ = a;
  }
  (*ccsidr_)[csselr] = std::uint32_t(value);
  return Ok{};
}

Status VcpuModel::set_ctr(std::uint64_t value) {
  const reg::Ctr current(view().ctr_reg);
  if (!kernel_.per_vm_ctr()) {
    // sys_regs.c (<= 6.10): CTR_EL0 is invariant: only the sanitised value.
    if (value == current.raw()) return Ok{};
    return Error::make(
        fmt::format("CTR_EL0 {:#x} is not the destination's {:#x}; before 6.11 CTR_EL0 cannot be written", value,
                    current.raw()),
        EINVAL);
  }
  const bool l1ip = kernel_.ctr_l1ip_writable();
  // sys_regs.c (6.16+): set_ctr_el0() refuses the reserved L1Ip values
  // before set_id_reg() looks at anything, so even after the VM ran.
  if (l1ip && reg::ctr::kL1Ip.get(value) < kL1IpVipt) {
    return Error::make(fmt::format("CTR_EL0.L1Ip {} is a reserved value (VPIPT/AIVIVT)", reg::ctr::kL1Ip.get(value)),
                       EINVAL);
  }
  // sys_regs.c: set_id_reg(): immutable once the VM ran.
  if (ran_) {
    if (value == current.raw()) return Ok{};
    return Error::make("CTR_EL0 cannot change after the VM ran", EBUSY);
  }
  // sys_regs.c: arm64_check_features(): writable fields may only move the
  // safe way (all four are lower-safe), the rest must equal the host's;
  // set_id_reg() turns its E2BIG into EINVAL.
  const std::uint64_t limit = host_.sanitised_ctr.raw();
  const std::uint64_t writable = kCtrWritable | (l1ip ? reg::ctr::kL1Ip.mask() : 0);
  if ((value & ~writable) != (limit & ~writable)) {
    return Error::make(
        fmt::format("CTR_EL0 {:#x} changes fields other than IminLine, DminLine, IDC, DIC{} of the host's {:#x}", value,
                    l1ip ? ", L1Ip" : "", limit),
        EINVAL);
  }
  // 6.16+: L1Ip is FTR_EXACT with VIPT as its safe value (cpufeature.c
  // ftr_ctr, checked by arm64_check_features()): the host's, or VIPT.
  if (l1ip && reg::ctr::kL1Ip.get(value) != reg::ctr::kL1Ip.get(limit) && reg::ctr::kL1Ip.get(value) != kL1IpVipt) {
    return Error::make(fmt::format("CTR_EL0.L1Ip {} is neither the host's {} nor VIPT", reg::ctr::kL1Ip.get(value),
                                   reg::ctr::kL1Ip.get(limit)),
                       EINVAL);
  }
  for (const reg::Field* f : {&reg::ctr::kDIC, &reg::ctr::kIDC, &reg::ctr::kDminLine, &reg::ctr::kIminLine})
    if (f->get(value) > f->get(limit)) {
      return Error::make(fmt::format("CTR_EL0.{} {} is above the host's {}", f->name, f->get(value), f->get(limit)),
                         EINVAL);
    }
  vm_ctr_ = reg::Ctr(value);
  return Ok{};
}

void VcpuModel::reset() {
  // 6.3-6.9: reset_clidr() runs at every reset and wipes a userspace CLIDR;
  // 6.10+ fabricates only at the first VCPU_INIT. The CCSIDR array and the
  // VM's CTR_EL0 survive every reset.
  if (kernel_.generation == Generation::k63To69) clidr_ = fabricate_clidr();
}

Status VcpuModel::enable_native(std::uint32_t flags, const std::array<std::uint64_t, 4>& args, const HostKind& source) {
  // linux/ patch: arm.c kvm_arch_vcpu_ioctl(KVM_ENABLE_CAP) and
  // sys_regs.c kvm_vcpu_set_native_cache_config().
  if (kernel_.generation != Generation::kNative)
    return Error::make("KVM_ENABLE_CAP: this kernel has no KVM_CAP_ARM_NATIVE_CACHE_CONFIG", EINVAL);
  if (flags != 0 || std::any_of(args.begin(), args.end(), [](std::uint64_t a) { return a != 0; }))
    return Error::make("KVM_CAP_ARM_NATIVE_CACHE_CONFIG takes no flags or arguments", EINVAL);
  if (!initialized_) return Error::make("the vCPU has not been through KVM_ARM_VCPU_INIT", ENOEXEC);
  // v3 refuses once any vCPU of the VM has run; a model vCPU stands for its VM here.
  if (ran_) return Error::make("a vCPU of the VM has run", EBUSY);
  reg::Clidr clidr = source.clidr;
  if (!vm_.mte) {
    clidr = clidr.without_ttype();
  } else {
    // No TnD slot in the DEMUX array: a separate tag cache cannot be shown.
    for (unsigned n = 1; n <= reg::kMaxCacheLevels; ++n)
      if (clidr.ttype(n) == unsigned(reg::Ttype::kSeparate))
        return Error::make(fmt::format("L{} has a separate tag cache, which KVM cannot show", n), ERANGE);
  }
  // The same acceptance KVM_SET_ONE_REG applies (set_clidr, set_ccsidr).
  if (auto st = check_clidr(clidr.raw()); !st)
    return Error::make(fmt::format("the host's CLIDR_EL1 is one KVM_SET_ONE_REG would refuse: {}", st.error().message),
                       EINVAL);
  std::array<std::uint32_t, kDemuxCount> a{};
  for (unsigned i = 0; i < kDemuxCount; ++i) a[i] = get_ccsidr(i);
  for (unsigned sel : cache::level_ind_selectors(clidr)) {
    if (sel >= kDemuxCount) continue;
    const reg::Ccsidr hw(host_ccsidr(source, sel), source.ccsidr_format());
    auto as32 = cache::convert(hw, reg::CcsidrFormat::k32);
    if (!as32)
      return Error::make(fmt::format("{}: {}", reg::ccsidr_name(reg::Csselr(sel)), as32.error().message), ERANGE);
    // A 32-bit host value keeps its UNKNOWN bits [31:28] as the hardware has them.
    const std::uint32_t v = source.ccidx ? std::uint32_t(as32->raw()) : std::uint32_t(hw.raw());
    if (auto st = check_line_size(sel, v); !st)
      return Error::make(fmt::format("{}: {}", reg::ccsidr_name(reg::Csselr(sel)), st.error().message), EINVAL);
    a[sel] = v;
  }
  clidr_ = clidr.raw();
  ccsidr_ = a;
  return Ok{};
}

GuestView one_reg_target(const GuestView& view, const KernelSpec& kernel) {
  GuestView v = view;
  if (kernel.per_vm_ctr() && v.ctr.raw() != v.ctr_reg) v.ctr_reg = v.ctr.raw();
  return v;
}

GuestView one_reg_target(const GuestView& view, std::string_view release) {
  auto k = parse_kernel(release);
  return k ? one_reg_target(view, *k) : view;
}

}  // namespace armcache::kernel
