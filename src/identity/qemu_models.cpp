#include "armcache/identity/qemu_models.h"

#include <string>

#include "armcache/registers/id_regs.h"

namespace armcache::identity {
namespace {
// Read with e2e/groundtruth.sh on the QEMU named; equal to docs/kvm-testbed.md.
constexpr QemuModel kModels[] = {
    {"cortex-a35", "7.2", 0x411fd040, 0x0a200023, 0x84448004, 0x0, 0x0, {0x700fe01a, 0x201fe00a, 0x703fe03a}},
    {"cortex-a53", "7.2", 0x410fd034, 0x0a200023, 0x84448004, 0x0, 0x0, {0x700fe01a, 0x201fe00a, 0x707fe07a}},
    {"cortex-a57", "7.2", 0x411fd070, 0x0a200023, 0x8444c004, 0x0, 0x0, {0x701fe00a, 0x201fe012, 0x70ffe07a}},
    {"cortex-a72", "7.2", 0x410fd083, 0x0a200023, 0x8444c004, 0x0, 0x0, {0x701fe00a, 0x201fe012, 0x707fe07a}},
    {"cortex-a76", "7.2", 0x414fd0b1, 0x82000023, 0x8444c004, 0x1011, 0x10, {0x701fe01a, 0x201fe01a, 0x707fe03a}},
    {"neoverse-n1", "7.2", 0x414fd0c1, 0x82000023, 0x8444c004, 0x1011, 0x20, {0x701fe01a, 0x201fe01a, 0x70ffe03a}},
    {"a64fx", "7.2", 0x461f0010, 0x80000023, 0x86668006, 0x1011, 0x0, {0x7007e01c, 0x2007e01c, 0x70ffe07c}},
    {"max", "7.2", 0x000f0510, 0x02000023, 0x8444c004, 0x1021011010011011, 0x1000021,
     {0x701fe00a, 0x201fe012, 0x70ffe07a}},
    {"cortex-a55", "10.0", 0x412fd050, 0x82000023, 0x84448004, 0x1011, 0x10, {0x700fe01a, 0x200fe01a, 0x703fe07a}},
    {"neoverse-v1", "10.0", 0x411fd402, 0x82000023, 0xb444c004, 0x0220011102101011, 0x20,
     {0xff0000001a, 0xff0000001a, 0x7ff0000003a}},
    {"neoverse-n2", "10.0", 0x410fd493, 0x1482000023, 0x4b444c004, 0x1221011112101011, 0x121,
     {0xff0000001a, 0xff0000001a, 0x3ff0000003a}},
    {"cortex-a710", "10.0", 0x412fd471, 0x1482000023, 0x49444c004, 0x1221011110101011, 0x121,
     {0xff0000001a, 0xff0000001a, 0x3ff0000003a}},
};
}  // namespace

std::span<const QemuModel> qemu_models() { return kModels; }

std::optional<Host> qemu_model_host(std::string_view name) {
  for (const QemuModel& m : kModels) {
    if (m.name != name) continue;
    HostKind k;
    k.cpus = "0";
    k.midr = m.midr;
    k.clidr = reg::Clidr(m.clidr);
    k.ctr = reg::Ctr(m.ctr);
    k.ccidx = reg::Mmfr2{m.mmfr2}.ccidx() != 0;
    k.evt = unsigned(reg::mmfr2::kEVT.get(m.mmfr2));
    k.mte = reg::Pfr1{m.pfr1}.mte();
    for (std::uint32_t sel = 0; sel < 3; ++sel) k.ccsidr[sel] = m.ccsidr[sel];
    return Host{"qemu:" + std::string(m.name), std::nullopt, {k}};
  }
  return std::nullopt;
}

}  // namespace armcache::identity
