#include "armcache/kvm/verify_view.h"

#include <fmt/format.h>

#include "armcache/kvm/probe.h"
#include "armcache/registers/kvm_reg_id.h"

namespace armcache::kvm {

std::vector<std::string> VerifyReport::problems() const {
  std::vector<std::string> out;
  if (!applies.empty() && !applies.back().ok)
    out.push_back(fmt::format("vCPU {} apply: {}", applies.size() - 1, vcpu::describe(applies.back())));
  for (const auto& m : mismatches) out.push_back(m.text());
  return out;
}

Result<VerifyReport> verify_view(System& sys, const identity::GuestView& want, const VerifyOptions& opt) {
  auto vm = probe::ProbeVm::create(sys, opt.vcpus);
  if (!vm) return vm.error();
  // What each vCPU held before the view: lose_on_reset puts it back.
  std::vector<identity::GuestView> defaults;
  for (unsigned i = 0; i < opt.vcpus; ++i) {
    auto d = vcpu::read_view(vm->vcpu(i));
    if (!d) return d.error();
    defaults.push_back(*d);
  }
  VerifyReport out;
  out.compared = compared_selectors(want, opt.compare);
  for (unsigned i = 0; i < opt.vcpus && !(opt.only_vcpu0 && i > 0); ++i) {
    out.applies.push_back(vcpu::apply_view(want, vm->vcpu(i)));
    if (!out.applies.back().ok) return out;
  }
  for (const char* phase : {"boot", "after-reset"}) {
    if (std::string_view(phase) == "after-reset") {
      for (unsigned i = 0; i < opt.vcpus; ++i) {
        if (auto st = vm->reset(i, !opt.no_complete); !st) return st.error();
        if (opt.lose_on_reset)
          if (auto st = vm->vcpu(i).set(reg::kClidrId, defaults[i].clidr_reg); !st) return st.error();
      }
    }
    for (unsigned i = 0; i < opt.vcpus; ++i) {
      auto s = probe_vcpu(*vm, i);
      if (!s) return s.error();
      for (auto& m : compare(want, s->view, i, phase, opt.compare)) out.mismatches.push_back(std::move(m));
      if (s->reads.start != probe::kStartMagic)
        out.mismatches.push_back({i, phase, "probe entry (first instruction skipped: PC one instruction late)",
                                  probe::kStartMagic, s->reads.start});
      out.reads.push_back({i, phase, std::move(*s)});
    }
  }
  return out;
}

}  // namespace armcache::kvm
