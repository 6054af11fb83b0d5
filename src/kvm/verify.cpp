#include "armcache/kvm/verify.h"

#include <fmt/format.h>

#include <algorithm>

#include "armcache/cache/selectors.h"
#include "armcache/registers/csselr.h"
#include "armcache/registers/kvm_reg_id.h"

namespace armcache::kvm {

std::string Mismatch::text() const {
  return fmt::format("vCPU {} {}: {} expected {:#x} seen {:#x}", vcpu, phase, reg, expected, seen);
}

std::vector<unsigned> compared_selectors(const identity::GuestView& expected, const CompareOptions& opt) {
  std::vector<unsigned> out;
  if (opt.all_selectors) {
    for (unsigned s = 0; s < 2 * identity::kGuestSelectors; ++s) out.push_back(s);
    return out;
  }
  // Described Level|InD selectors, and the same with TnD: both KVM 6.3+ (which
  // masks TnD) and QEMU (which drops it) then read the Level|InD entry.
  const auto sels = cache::level_ind_selectors(expected.clidr);
  for (unsigned s : sels) out.push_back(s);
  for (unsigned s : sels) out.push_back(unsigned(reg::Csselr(s).with_tnd().raw()));
  return out;
}

std::vector<Mismatch> compare(const identity::GuestView& want, const identity::GuestView& seen, unsigned vcpu,
                              const std::string& phase, const CompareOptions& opt) {
  std::vector<Mismatch> out;
  auto check = [&](std::string reg, std::uint64_t e, std::uint64_t s) {
    if (e != s) out.push_back(Mismatch{vcpu, phase, std::move(reg), e, s});
  };
  check("CLIDR_EL1", want.clidr.raw(), seen.clidr.raw());
  for (unsigned s : compared_selectors(want, opt)) {
    check(reg::ccsidr_name(reg::Csselr(s)), want.ccsidr_read(s), seen.ccsidr_read(s));
  }
  check("CTR_EL0", want.ctr.raw(), seen.ctr.raw());
  check("ID_AA64MMFR2_EL1.CCIDX", want.mmfr2_ccidx, seen.mmfr2_ccidx);
  if (opt.one_reg) {
    check("ONE_REG CLIDR_EL1", want.clidr_reg, seen.clidr_reg);
    check("ONE_REG CTR_EL0", want.ctr_reg, seen.ctr_reg);
    for (auto [sel, val] : want.demux) {
      auto it = seen.demux.find(sel);
      const std::string name = "ONE_REG " + reg::one_reg_name(reg::demux_ccsidr_id(sel));
      if (it == seen.demux.end()) {
        out.push_back(Mismatch{vcpu, phase, name + " (not listed)", val, 0});
        continue;
      }
      check(name, val, it->second);
    }
  }
  return out;
}

}  // namespace armcache::kvm
