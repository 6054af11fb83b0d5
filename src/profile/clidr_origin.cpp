#include "armcache/profile/clidr_origin.h"

#include <fmt/format.h>

#include <vector>

#include "armcache/cache/idc.h"
#include "armcache/kernel/vcpu_model.h"

namespace armcache::profile {

std::string_view to_string(ClidrOrigin o) {
  switch (o) {
    case ClidrOrigin::kHardware: return "hardware";
    case ClidrOrigin::kKvmFabricated: return "kvm-fabricated";
    case ClidrOrigin::kSysfsOverride: return "sysfs-override";
    case ClidrOrigin::kUserspace: return "userspace";
    case ClidrOrigin::kUnknown: break;
  }
  return "unknown";
}

namespace {

// Levels a CLIDR describes: Ctype1.. up to the first none or reserved one.
unsigned levels_of(reg::Clidr c) {
  auto described = [](unsigned t) {
    return t >= unsigned(reg::Ctype::kInstruction) && t <= unsigned(reg::Ctype::kUnified);
  };
  unsigned n = 0;
  while (n < reg::kMaxCacheLevels && described(c.ctype(n + 1))) ++n;
  return n;
}

// Every field but Ctype1..7 and LoC: what a sysfs override keeps from KVM.
std::uint64_t kept_fields(reg::Clidr c) {
  std::uint64_t mask = reg::clidr::kLoC.mask();
  for (const auto& f : reg::clidr::kCtype) mask |= f.mask();
  return c.raw() & ~mask;
}

bool sysfs_shape(reg::Clidr c, reg::Clidr kvm) {
  const unsigned n = levels_of(c);
  if (n == 0 || c.loc() != n || c == kvm) return false;
  for (unsigned l = n + 1; l <= reg::kMaxCacheLevels; ++l)
    if (c.ctype(l) != 0) return false;
  return kept_fields(c) == kept_fields(kvm);
}

std::string_view ctype_word(unsigned t) { return reg::kCtypeNames[t & 7].words; }

std::string ctr_words(reg::Ctr ctr) {
  return fmt::format("CTR_EL0 {:#x} (IDC {}, DIC {})", ctr.raw(), ctr.idc() ? 1 : 0, ctr.dic() ? 1 : 0);
}

}  // namespace

std::string clidr_changes(reg::Clidr from, reg::Clidr to) {
  std::vector<std::string> parts;
  for (unsigned l = 1; l <= reg::kMaxCacheLevels; ++l) {
    const unsigned a = from.ctype(l), b = to.ctype(l);
    if (a == b) continue;
    if (a == 0) parts.push_back(fmt::format("adds L{} ({})", l, ctype_word(b)));
    else if (b == 0) parts.push_back(fmt::format("drops L{} ({})", l, ctype_word(a)));
    else parts.push_back(fmt::format("L{} {} -> {}", l, ctype_word(a), ctype_word(b)));
  }
  auto num = [&](std::string_view name, unsigned a, unsigned b) {
    if (a != b) parts.push_back(fmt::format("{} {} -> {}", name, a, b));
  };
  num("LoC", from.loc(), to.loc());
  num("LoUU", from.louu(), to.louu());
  num("LoUIS", from.louis(), to.louis());
  num("ICB", from.icb(), to.icb());
  for (unsigned l = 1; l <= reg::kMaxCacheLevels; ++l) num(fmt::format("Ttype{}", l), from.ttype(l), to.ttype(l));
  if (reg::clidr::kRes0.get(from.raw()) != reg::clidr::kRes0.get(to.raw())) parts.push_back("RES0 bits [63:47] differ");
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : "; ") + p;
  return out;
}

reg::Clidr kvm_fabricated_clidr(reg::Ctr ctr, bool mte) {
  // The kernel model is the one place that knows reset_clidr(); a host
  // whose sanitised CTR_EL0 is `ctr` is all it needs for CLIDR.
  identity::HostKind kind;
  kind.cpus = "0";
  kind.ctr = ctr;
  const kernel::HostInput in{kind, kind, ctr};
  const kernel::VcpuModel m(*kernel::parse_kernel("6.12"), in, kernel::VmConfig{mte});
  return m.view().clidr;
}

reg::Clidr sysfs_override_clidr(reg::Clidr sysfs_levels, reg::Clidr kvm) {
  reg::Clidr c = kvm;
  for (unsigned l = 1; l <= reg::kMaxCacheLevels; ++l) c.set_ctype(l, sysfs_levels.ctype(l));
  return c.set_loc(sysfs_levels.loc());
}

ClidrClass classify_clidr(const identity::GuestView& v, const ClidrContext& ctx) {
  ClidrClass out;
  const reg::Clidr c = v.clidr;
  reg::Ctr ctr(v.ctr_reg ? v.ctr_reg : v.ctr.raw());
  if (ctx.hardware) ctr = cache::sanitised_ctr(ctr, *ctx.hardware);
  const reg::Clidr fab = kvm_fabricated_clidr(ctr, false), fab_mte = kvm_fabricated_clidr(ctr, true);
  out.fabricated = fab;
  const std::string hw_words =
      ctx.hardware ? fmt::format("{:#x}{}", ctx.hardware->raw(),
                                 ctx.hardware_source.empty() ? "" : fmt::format(", from {}", ctx.hardware_source))
                   : "";
  const bool hw_equal = ctx.hardware && *ctx.hardware == c;

  if (ctx.generation == kernel::Generation::kPre63 || ctx.generation == kernel::Generation::kNative) {
    out.origin = ClidrOrigin::kHardware;
    out.text = ctx.generation == kernel::Generation::kPre63
                   ? "the hardware's: KVM before 6.3 shows the boot CPU's CLIDR_EL1 and refuses any other"
                   : "the hardware's: the native capability copies the physical CPU's CLIDR_EL1";
    if (ctx.hardware && !hw_equal) out.text += fmt::format(" (but the hardware's is given as {})", hw_words);
    return out;
  }
  const bool fabricated = c == fab || c == fab_mte;
  const reg::Clidr kvm = (c.without_ttype() == c) ? fab : fab_mte;
  const bool sysfs = sysfs_shape(c, fab) || sysfs_shape(c, fab_mte);
  const bool known = ctx.generation.has_value();
  const std::string if_63 = known ? "" : " (if the host kernel was 6.3 or later: the file does not say)";
  const std::string fab_words = fmt::format("{:#x}, what KVM 6.3+ fabricates for {}", fab.raw(), ctr_words(ctr));

  if (fabricated && !hw_equal) {
    out.origin = ClidrOrigin::kKvmFabricated;
    out.text = fmt::format("KVM's fabrication: 6.3+ makes {:#x} from {}{}{}", c.raw(), ctr_words(ctr),
                           c == fab ? "" : " for a VM with MTE", if_63);
    return out;
  }
  if (sysfs) {
    const unsigned n = levels_of(c);
    std::string text = fmt::format(
        "a sysfs-derived override of the Firecracker kind: Ctype1-{} and LoC {} as cpu0's sysfs lists the caches, "
        "LoUU {}, LoUIS {}, ICB {} and Ttype as KVM 6.3+ fabricates them for {}: {:#x}{}",
        n, c.loc(), c.louu(), c.louis(), c.icb(), ctr_words(ctr), kvm.raw(), if_63);
    if (hw_equal) {
      out.origin = ClidrOrigin::kHardware;
      out.text = fmt::format("the hardware's ({}); {} gives the same value here", hw_words,
                             "a sysfs-derived override of the Firecracker kind");
      return out;
    }
    if (ctx.hardware)
      text += fmt::format("; against the hardware's ({}): {}", hw_words, clidr_changes(*ctx.hardware, c));
    else
      text += "; without the hardware's CLIDR_EL1 the registers cannot rule out that it is the same value";
    out.origin = ClidrOrigin::kSysfsOverride;
    out.text = std::move(text);
    return out;
  }
  if (hw_equal) {
    out.origin = ClidrOrigin::kHardware;
    out.text = fmt::format("the hardware's ({}){}", hw_words,
                           known ? ", written back by userspace (KVM 6.3+ would fabricate " + fmt::format("{:#x})", fab.raw())
                                 : "");
    return out;
  }
  if (known) {
    out.origin = ClidrOrigin::kUserspace;
    out.text = fmt::format("written by userspace: not {}, nor of the Firecracker kind{}; whose values they are cannot be "
                           "told from the registers",
                           fab_words, ctx.hardware ? fmt::format(", nor the hardware's ({})", hw_words) : "");
    return out;
  }
  out.origin = ClidrOrigin::kUnknown;
  out.text = fmt::format("cannot tell: the host kernel is unknown, and it is neither {} nor of the Firecracker kind "
                         "(the hardware's, or one a VMM wrote)",
                         fab_words);
  return out;
}

}  // namespace armcache::profile
