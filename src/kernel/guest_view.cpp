#include "armcache/kernel/guest_view.h"

namespace armcache::kernel {

Result<identity::GuestView> initial_view(const KernelSpec& kernel, const HostInput& host, VmConfig vm) {
  VcpuModel model(kernel, host, vm);
  if (kernel.generation == Generation::kNative)
    if (auto st = model.enable_native(0, {}, host.current_cpu); !st) return st.error();
  return model.view();
}

std::vector<std::string> view_warnings(const KernelSpec& k, const HostInput& in, const identity::GuestView& v,
                                       VmConfig vm) {
  std::vector<std::string> w;
  if (k.generation == Generation::kPre63) {
    if (in.current_cpu.ccidx)
      w.push_back("FEAT_CCIDX host: the guest reads 64-bit CCSIDR values but the DEMUX registers hold only their low "
                  "32 bits, so a saved view loses the geometry (truncated CCIDX values)");
    bool ttype = false;
    for (unsigned l = 1; l <= reg::kMaxCacheLevels; ++l) ttype |= v.clidr.ttype(l) != 0;
    if (ttype && !vm.mte) w.push_back("CLIDR_EL1 passes the host's Ttype (tag cache) fields to a VM without MTE");
    if (in.boot_cpu.clidr != in.current_cpu.clidr || in.boot_cpu.ccsidr != in.current_cpu.ccsidr)
      w.push_back("heterogeneous host: DEMUX values (and restores) depend on the CPU the VMM thread runs on");
  } else if (k.generation != Generation::kNative) {
    w.push_back("fabricated cache registers: every cache reads as 1 set x 1 way; the real hierarchy is hidden");
    if (k.generation == Generation::k63To69)
      w.push_back("a vCPU reset (PSCI CPU_ON) re-fabricates CLIDR_EL1 and wipes a value the VMM wrote");
  }
  return w;
}

}  // namespace armcache::kernel
