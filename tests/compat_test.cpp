// The migration-compatibility planner on three real kernels' vCPU surfaces
// (tests/data/kvm-show, captured on an emulated Neoverse-N1). The expected
// hidden ids, ID writes and refusals are what QEMU 7.2 did with these
// kernels (docs/migration-compat.md: 6.12 -> 6.1 loads once the 17 ids are
// hidden and DebugVer is 6; stock 6.12 -> 6.1 and -> 7.3 are refused).
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>

#include "armcache/plan/compat.h"
#include "armcache/profile/profile.h"
#include "armcache/registers/kvm_reg_id.h"

namespace armcache::plan {
namespace {

CompatEnd load(const std::string& name) {
  auto p = profile::load(std::string(ARMCACHE_DATA) + "/kvm-show/neoverse-n1-" + name + ".json");
  EXPECT_TRUE(p) << p.error().message;
  auto k = kernel::parse_kernel(p->guest->kernel);
  EXPECT_TRUE(k);
  return CompatEnd{*k, p->guest->view, *p->surface};
}

constexpr std::uint64_t sysreg(unsigned op0, unsigned op1, unsigned crn, unsigned crm, unsigned op2) {
  return reg::sysreg_id({op0, op1, crn, crm, op2});
}
constexpr std::uint64_t kDfr0 = sysreg(3, 0, 0, 5, 0);
const std::set<std::uint64_t> kTcr2AndPir{sysreg(3, 0, 2, 0, 3), sysreg(3, 0, 10, 2, 2), sysreg(3, 0, 10, 2, 3)};

std::set<std::uint64_t> hidden(const CompatPlan& p) { return {p.hide.begin(), p.hide.end()}; }

TEST(Compat, SixTwelveToSixOneHidesTheSeventeenIdsAndLowersDebugVer) {
  const CompatPlan p = plan_compat(load("6.12"), load("6.1"));
  EXPECT_TRUE(p.possible());
  EXPECT_TRUE(p.needs_compat());
  std::set<std::uint64_t> want = kTcr2AndPir;
  for (unsigned s = 3; s < 14; ++s) want.insert(reg::demux_ccsidr_id(s));
  for (unsigned op2 : {1u, 2u}) want.insert(sysreg(3, 3, 14, 2, op2));  // CNTP_CTL_EL0, CNTP_CVAL_EL0
  want.insert(sysreg(3, 3, 14, 0, 1));                                 // CNTPCT_EL0
  EXPECT_EQ(hidden(p), want);
  ASSERT_EQ(p.id_writes.size(), 1u);
  EXPECT_EQ(p.id_writes[0].first, kDfr0);
  EXPECT_EQ(p.id_writes[0].second & 0xf, 6u);  // DebugVer: 6.1 shows 6, 6.12 shows 8
  EXPECT_EQ(p.id_writes[0].second & ~std::uint64_t{0xf}, 0x10305400u);  // the other fields as they are
  // The cache view written is 6.1's, its CTR_EL0 as 6.1's KVM holds it
  // (0x9444c004; a 6.1 guest reads the raw 0x8444c004 and 6.1 takes back only the former).
  ASSERT_TRUE(p.view);
  EXPECT_EQ(p.view->clidr_reg, 0x82000023u);
  EXPECT_EQ(p.view->ctr_reg, 0x9444c004u);
}

TEST(Compat, SixTwelveToSevenThreeHidesTcr2AndPir) {
  const CompatPlan p = plan_compat(load("6.12"), load("7.3"));
  EXPECT_TRUE(p.possible());
  EXPECT_EQ(hidden(p), kTcr2AndPir);
  EXPECT_TRUE(p.id_writes.empty());
  // 7.3 implements PSCI 1.3, 6.12 gives 1.1: kept, 7.3 takes the lower one.
  auto psci = std::find_if(p.items.begin(), p.items.end(), [](const CompatItem& i) { return i.id == 0x6030000000140000; });
  ASSERT_NE(psci, p.items.end());
  EXPECT_EQ(psci->action, CompatAction::kKeep);
  // 7.3 lists two ids 6.12 does not: they keep their reset values there.
  EXPECT_EQ(std::count_if(p.items.begin(), p.items.end(),
                          [](const CompatItem& i) { return i.action == CompatAction::kDestinationOnly; }),
            2);
}

TEST(Compat, SixOneMovesOnAsItIs) {
  // QEMU loads 6.1's stream on 6.12 and 7.3 without help.
  for (const char* dest : {"6.12", "7.3"}) {
    const CompatPlan p = plan_compat(load("6.1"), load(dest));
    EXPECT_TRUE(p.possible()) << dest;
    EXPECT_FALSE(p.needs_compat()) << dest;
  }
}

TEST(Compat, RefusesWhatNoWriteCanFix) {
  CompatEnd src = load("6.12"), dst = load("6.1");
  // A signed ID field (ID_AA64PFR0_EL1.FP, 0xf = no FP) differing: never lowered.
  dst.surface.values[sysreg(3, 0, 0, 4, 0)] |= std::uint64_t{0xf} << 16;
  CompatPlan p = plan_compat(src, dst);
  EXPECT_FALSE(p.possible());
  // A register the destination lacks that holds guest state (SCTLR_EL1 here).
  dst = load("6.1");
  const std::uint64_t sctlr = sysreg(3, 0, 1, 0, 0);
  ASSERT_TRUE(dst.surface.lists(sctlr));
  dst.surface.reg_list.erase(std::find(dst.surface.reg_list.begin(), dst.surface.reg_list.end(), sctlr));
  p = plan_compat(src, dst);
  EXPECT_FALSE(p.possible());
  auto it = std::find_if(p.items.begin(), p.items.end(), [&](const CompatItem& i) { return i.id == sctlr; });
  ASSERT_NE(it, p.items.end());
  EXPECT_EQ(it->action, CompatAction::kImpossible);
  // A destination with a higher ID value that cannot take a lower one (6.1:
  // no writable ID registers) and a source that cannot raise it.
  src = load("6.1");
  dst = load("6.12");
  dst.kernel = *kernel::parse_kernel("6.1.0-57-cloud-arm64");
  p = plan_compat(src, dst);
  EXPECT_FALSE(p.possible());
}

}  // namespace
}  // namespace armcache::plan
