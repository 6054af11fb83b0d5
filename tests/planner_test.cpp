// The planner on the migrations operators ask about (same kernel, 6.1 -> 6.12 and back,
// across models, Apple M2 clusters, CCIDX, the 6.3-6.9 reset). Expectations follow from the
// kernel rules in docs/kernel-generations.md, worked out by hand.
#include <gtest/gtest.h>

#include "armcache/identity/qemu_models.h"
#include "armcache/plan/planner.h"
#include "armcache/registers/kvm_reg_id.h"
#include "armcache/vcpu/apply.h"
#include "plan_inputs.h"

namespace armcache::plan {
namespace {

using kernel::Generation;

using testing::input;
using testing::saved;

bool any_reason_has(const Plan& p, std::string_view text) {
  for (const auto& r : p.reasons)
    if (r.find(text) != std::string::npos) return true;
  return false;
}

TEST(Planner, Same61ToSame612IsRestorable) {
  const Plan p = plan_restore(saved("6.1", "neoverse-n1"), *kernel::parse_kernel("6.12"), input("neoverse-n1"));
  ASSERT_EQ(p.verdict, Verdict::kRestorable) << (p.reasons.empty() ? "" : p.reasons[0]);
  // In apply_view's order: CTR_EL0 (IDC lowered to the raw value the 6.1
  // guest read), the three described selectors with the ground truth, then
  // CLIDR_EL1.
  ASSERT_EQ(p.writes.size(), 5u);
  EXPECT_EQ(p.writes[0].id, reg::kCtrId);
  EXPECT_EQ(p.writes[0].value, 0x8444c004ull);
  EXPECT_EQ(p.writes[1].id, reg::demux_ccsidr_id(0));
  EXPECT_EQ(p.writes[1].value, 0x701fe01aull);
  EXPECT_EQ(p.writes[2].value, 0x201fe01aull);
  EXPECT_EQ(p.writes[3].value, 0x70ffe03aull);
  EXPECT_EQ(p.writes[4].id, reg::kClidrId);
  EXPECT_EQ(p.writes[4].value, 0x82000023ull);
  EXPECT_TRUE(p.warnings.empty()) << "6.10+ keeps CLIDR across resets";
}

// What `kvm apply` of the saved view does on a fresh vCPU of the destination
// (the model); `vcpu` is left as apply left it.
vcpu::ApplyReport apply_on(kernel::VcpuModel& vcpu, const Source& src, const kernel::KernelSpec& k) {
  return vcpu::apply_view(kernel::one_reg_target(src.view, k), vcpu);
}

// The plan is what `kvm apply` does with the saved view: its writes are the
// ones apply_view makes on a fresh destination vCPU, in the same order, and a
// refused restore's first reason is apply's first failure.
TEST(Planner, PlanIsWhatApplyDoes) {
  const Source src = saved("6.1", "neoverse-n1");
  const auto k612 = *kernel::parse_kernel("6.12");
  const Plan p = plan_restore(src, k612, input("neoverse-n1"));
  ASSERT_EQ(p.verdict, Verdict::kRestorable);
  kernel::VcpuModel fresh(k612, input("neoverse-n1"));
  const vcpu::ApplyReport rep = apply_on(fresh, src, k612);
  ASSERT_TRUE(rep.ok) << vcpu::describe(rep);
  ASSERT_EQ(rep.written.size(), p.writes.size());
  for (std::size_t i = 0; i < p.writes.size(); ++i) {
    EXPECT_EQ(rep.written[i].id, p.writes[i].id) << i;
    EXPECT_EQ(rep.written[i].value, p.writes[i].value) << i;
  }
  EXPECT_TRUE(fresh.view().same_guest_identity(src.view));
}

TEST(Planner, ImpossiblePlanStartsWithApplysRefusal) {
  const Source back = saved("6.12", "neoverse-n1");
  const auto k61 = *kernel::parse_kernel("6.1");
  const Plan q = plan_restore(back, k61, input("neoverse-n1"));
  ASSERT_EQ(q.verdict, Verdict::kImpossible);
  kernel::VcpuModel old(k61, input("neoverse-n1"));
  const vcpu::ApplyReport refused = apply_on(old, back, k61);
  ASSERT_FALSE(refused.ok);
  ASSERT_FALSE(q.reasons.empty());
  EXPECT_EQ(q.reasons[0].rfind(refused.failure->message, 0), 0u) << q.reasons[0];
}

TEST(Planner, SameKernelSameHostIsIdentical) {
  const Plan p = plan_restore(saved("6.12", "neoverse-n1"), *kernel::parse_kernel("6.12.5"), input("neoverse-n1"));
  EXPECT_EQ(p.verdict, Verdict::kIdentical);
  EXPECT_TRUE(p.writes.empty());
}

TEST(Planner, Back612To61IsImpossible) {
  const Plan p = plan_restore(saved("6.12", "neoverse-n1"), *kernel::parse_kernel("6.1.0-50-cloud-arm64"),
                              input("neoverse-n1"));
  EXPECT_EQ(p.verdict, Verdict::kImpossible);
  EXPECT_TRUE(any_reason_has(p, "CCSIDR_EL1[5] does not exist on a pre-6.3 destination (ENOENT); the saved register list includes it"));
  EXPECT_TRUE(any_reason_has(p, "is not the destination host's 0x82000023"));  // CLIDR, EINVAL
  EXPECT_TRUE(any_reason_has(p, "(EINVAL)"));
  EXPECT_TRUE(p.writes.empty());
}

TEST(Planner, AcrossModelsOn612FollowsLineAndIdcRules) {
  // a53's 6.12 view (IDC 0, 64-byte lines) onto a64fx (256-byte lines): CCSIDR
  // line sizes below the host minimum and a CTR_EL0 that changes CWG/ERG.
  Plan p = plan_restore(saved("6.12", "cortex-a53"), *kernel::parse_kernel("6.12"), input("a64fx"));
  EXPECT_EQ(p.verdict, Verdict::kImpossible);
  EXPECT_TRUE(any_reason_has(p, "L1D line size 64 below host minimum 256 (EINVAL)"));
  EXPECT_TRUE(any_reason_has(p, "changes fields other than IminLine, DminLine, IDC, DIC"));
  // n1's 6.12 view onto a53: CLIDR 0x02000021 implies IDC, a53 has no IDC.
  p = plan_restore(saved("6.12", "neoverse-n1"), *kernel::parse_kernel("6.12"), input("cortex-a53"));
  EXPECT_EQ(p.verdict, Verdict::kImpossible);
  EXPECT_TRUE(any_reason_has(p, "implies IDC"));
  // a53's view onto n1 works: lower IDC in CTR_EL0, write CLIDR and CCSIDR.
  p = plan_restore(saved("6.1", "cortex-a53"), *kernel::parse_kernel("6.12"), input("neoverse-n1"));
  EXPECT_EQ(p.verdict, Verdict::kImpossible) << "a53's CTR has VIPT L1Ip, n1's PIPT: L1Ip is not writable";
  EXPECT_TRUE(any_reason_has(p, "changes fields other than IminLine, DminLine, IDC, DIC"));
}

TEST(Planner, AppleM2ClustersDiffer) {
  // docs/host-discovery.md: one M2 host, two clusters with different CCSIDR.
  identity::HostKind a, b;
  a.cpus = "0-3";
  a.clidr = b.clidr = reg::Clidr(0x82000023);
  a.ctr = b.ctr = reg::Ctr(0x8444c004);
  a.ccsidr = {{0, 0x700fe03a}, {1, 0x203fe01a}, {2, 0x70ffe07b}};
  b.cpus = "4-7";
  b.ccsidr = {{0, 0x701fe03a}, {1, 0x203fe02a}, {2, 0x73ffe07b}};
  const identity::Host m2{"m2", std::nullopt, {a, b}};
  const auto on_a = *kernel::host_input(m2, 0);
  const auto on_b = *kernel::host_input(m2, 1);
  const Source saved_on_a{kernel::VcpuModel(*kernel::parse_kernel("6.1"), on_a).view(), Generation::kPre63};
  // Pre-6.3, the same host refuses the restore when the VMM thread runs on
  // the other cluster: the DEMUX set must equal the current CPU's value.
  Plan p = plan_restore(saved_on_a, *kernel::parse_kernel("6.1"), on_b);
  EXPECT_EQ(p.verdict, Verdict::kImpossible);
  EXPECT_TRUE(any_reason_has(p, "CCSIDR_EL1[0] 0x700fe03a is not the destination CPU's 0x701fe03a"));
  p = plan_restore(saved_on_a, *kernel::parse_kernel("6.1"), on_a);
  EXPECT_EQ(p.verdict, Verdict::kIdentical);
  // On 6.12 either cluster can present cluster A's view.
  p = plan_restore(saved_on_a, *kernel::parse_kernel("6.12"), on_b);
  EXPECT_EQ(p.verdict, Verdict::kRestorable);
}

TEST(Planner, TruncatedCcidxValuesAreNotRestored) {
  // A 6.1 view of a V1 host: the guest read 64-bit values, DEMUX held 0x1a.
  Plan p = plan_restore(saved("6.1", "neoverse-v1"), *kernel::parse_kernel("6.12"), input("neoverse-v1"));
  EXPECT_EQ(p.verdict, Verdict::kImpossible);
  EXPECT_TRUE(any_reason_has(p, "source values are truncated CCIDX values"));
  EXPECT_TRUE(any_reason_has(p, "CCIDX = 1"));
  // A view that holds only the truncated values (as a VMM snapshot taken
  // through ONE_REG does): flagged from the values alone.
  identity::GuestView v = saved("6.12", "neoverse-v1").view;
  v.clidr = reg::Clidr(0x82000023);
  v.ccsidr[0] = 0x1a;
  v.ccsidr[1] = 0x1a;
  v.ccsidr[2] = 0x3a;
  p = plan_restore({v, Generation::k610To615}, *kernel::parse_kernel("6.12"), input("neoverse-v1"));
  EXPECT_EQ(p.verdict, Verdict::kImpossible);
  EXPECT_TRUE(any_reason_has(p, "CCSIDR_EL1[2] = 0x3a (8 ways, 1 set) is the low half"));
}

TEST(Planner, Warns63To69ResetWipesClidr) {
  const Plan p = plan_restore(saved("6.1", "cortex-a53"), *kernel::parse_kernel("6.6"), input("cortex-a53"));
  EXPECT_EQ(p.verdict, Verdict::kRestorable);
  ASSERT_EQ(p.warnings.size(), 1u);
  EXPECT_NE(p.warnings[0].find("re-fabricates CLIDR_EL1"), std::string::npos);
}

}  // namespace
}  // namespace armcache::plan
