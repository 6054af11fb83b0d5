// plan --closest on the destination's kernel model. The expected CCSIDR
// values are the cores' caches from their technical reference manuals
// (Neoverse N2 and Cortex-A710 as QEMU configures them: 64 KiB 4-way L1 I
// and D, 512 KiB 8-way L2; Neoverse V1: the same L1s, 1 MiB 8-way L2; all
// with 64-byte lines) encoded by hand in the 32-bit
// CCSIDR_EL1 format (NumSets-1 [27:13], Associativity-1 [12:3], LineSize
// [2:0] = log2(line) - 4). The N1 CLIDR_EL1 is the bare-metal read of the
// test bed (docs/kvm-testbed.md); 0x2000021 is what 6.10+ fabricates there.
#include <gtest/gtest.h>

#include "armcache/identity/qemu_models.h"
#include "armcache/plan/closest.h"
#include "armcache/registers/kvm_reg_id.h"
#include "plan_inputs.h"

namespace armcache::plan {
namespace {

using testing::input;
using testing::saved;

bool any_has(const std::vector<std::string>& lines, std::string_view text) {
  for (const auto& l : lines)
    if (l.find(text) != std::string::npos) return true;
  return false;
}

constexpr std::uint64_t ccsidr32(unsigned sets, unsigned ways, unsigned line_log2) {
  return std::uint64_t(sets - 1) << 13 | std::uint64_t(ways - 1) << 3 | (line_log2 - 4);
}

struct Case {
  const char* model;
  std::uint64_t l2;  // the 32-bit L2 value
};

class ClosestCcidx : public ::testing::TestWithParam<std::tuple<Case, const char*>> {};

TEST_P(ClosestCcidx, KeepsTheHierarchyAndTheGeometryIn32Bits) {
  const auto [c, dest] = GetParam();
  const Source src = saved("6.1", c.model);
  const auto k = *kernel::parse_kernel(dest);
  ASSERT_EQ(plan_restore(src, k, input(c.model)).verdict, Verdict::kImpossible) << "the premise: exact is impossible";
  const Closest n = plan_closest(src, k, input(c.model));
  EXPECT_FALSE(n.exact());
  EXPECT_NE(n.plan.verdict, Verdict::kImpossible);
  EXPECT_EQ(n.view.clidr.raw(), src.view.clidr.raw()) << "the real CLIDR_EL1 comes first";
  EXPECT_EQ(n.view.ccsidr[0], ccsidr32(256, 4, 6));
  EXPECT_EQ(n.view.ccsidr[1], ccsidr32(256, 4, 6));
  EXPECT_EQ(n.view.ccsidr[2], c.l2);
  EXPECT_EQ(n.view.mmfr2_ccidx, 0u);
  EXPECT_TRUE(any_has(n.differs, "ID_AA64MMFR2_EL1.CCIDX: 0, not 1"));
  EXPECT_TRUE(any_has(n.differs, "CCSIDR_EL1[0]: 0x1fe01a, not 0xff0000001a: the same 4 ways x 256 sets"));
  EXPECT_FALSE(any_has(n.differs, "CLIDR_EL1:"));
  // Every write is one the model takes, and applying them in order gives the view.
  kernel::VcpuModel m(k, input(c.model));
  for (const Write& w : n.plan.writes) EXPECT_TRUE(m.set(w.id, w.value).ok()) << w.register_name;
  EXPECT_TRUE(m.view().same_guest_identity(n.view));
}

INSTANTIATE_TEST_SUITE_P(Cores, ClosestCcidx,
                         ::testing::Combine(::testing::Values(Case{"neoverse-n2", ccsidr32(1024, 8, 6)},
                                                              Case{"neoverse-v1", ccsidr32(2048, 8, 6)},
                                                              Case{"cortex-a710", ccsidr32(1024, 8, 6)}),
                                            ::testing::Values("6.12", "7.3.4+deb13-cloud-arm64")));

TEST(Closest, RestorableViewIsThePlanItself) {
  const Source src = saved("6.1", "neoverse-n1");
  const auto k = *kernel::parse_kernel("6.12");
  const Closest n = plan_closest(src, k, input("neoverse-n1"));
  const Plan p = plan_restore(src, k, input("neoverse-n1"));
  EXPECT_TRUE(n.exact());
  ASSERT_EQ(n.plan.writes.size(), p.writes.size());
  for (std::size_t i = 0; i < p.writes.size(); ++i) EXPECT_EQ(n.plan.writes[i].value, p.writes[i].value);
  EXPECT_TRUE(n.view.same_guest_identity(src.view));
}

TEST(Closest, PreSixThreeDestinationKeepsItsOwnValuesAndSaysWhy) {
  // 6.1 takes only the host's own registers: a 6.12 view of N1 (fabricated)
  // cannot be written there, so the nearest view is 6.1's own, and the
  // CLIDR_EL1 line names the kernel's refusal.
  const Source src = saved("6.12", "neoverse-n1");
  const Closest n = plan_closest(src, *kernel::parse_kernel("6.1"), input("neoverse-n1"));
  EXPECT_TRUE(n.plan.writes.empty());
  EXPECT_EQ(n.view.clidr.raw(), 0x82000023ull);
  EXPECT_TRUE(any_has(n.differs, "CLIDR_EL1: 0x82000023, not 0x2000021: the source's value is refused"));
  EXPECT_TRUE(any_has(n.differs, "(EINVAL)"));
}

}  // namespace
}  // namespace armcache::plan
