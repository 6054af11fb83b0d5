// The documented C++ API through libarmcache.so (not the archive): decoding,
// profiles and the transactional apply on a program's own RegisterFile. A
// symbol the version script does not export fails the link of this test.
#include <gtest/gtest.h>

#include <cerrno>
#include <cstring>
#include <map>

#include "armcache/armcache_kvm.h"
#include "armcache/cache/geometry.h"
#include "armcache/vcpu/apply.h"
#include "armcache/profile/profile.h"
#include "armcache/registers/ccsidr.h"
#include "armcache/registers/clidr.h"
#include "armcache/registers/kvm_reg_id.h"
#include "armcache/version.h"
#include "fake_regs.h"

namespace {

using namespace armcache;

TEST(SharedLibrary, VersionIsProjectVersion) {
  EXPECT_STREQ(armcache_version(), ARMCACHE_VERSION_STRING);
}

TEST(SharedLibrary, DecodesCcsidr) {
  // Neoverse-N1 L2 (Arm TRM): 64-byte lines, 8 ways, 2048 sets = 1 MiB.
  const reg::Ccsidr c(0x70ffe03a, reg::CcsidrFormat::k32);
  const cache::Geometry g = cache::geometry_of(c);
  EXPECT_EQ(g.line_bytes, 64u);
  EXPECT_EQ(g.ways, 8u);
  EXPECT_EQ(g.sets, 2048u);
  EXPECT_EQ(g.size_bytes(), 1024u * 1024u);
}

TEST(SharedLibrary, LoadsAProfileAndAppliesIt) {
  auto p = profile::load(ARMCACHE_FIXTURE_VIEW);
  ASSERT_TRUE(p) << p.error().message;
  ASSERT_TRUE(p->guest);
  armcache::testing::FakeRegs vcpu;  // a 6.10+ default vCPU
  vcpu.regs[reg::kCtrId] = p->guest->view.ctr_reg;
  const auto rep = vcpu::apply_view(p->guest->view, vcpu);
  ASSERT_TRUE(rep.ok) << vcpu::describe(rep);
  EXPECT_EQ(vcpu.regs[reg::kClidrId], p->guest->view.clidr_reg);
  auto back = vcpu::read_view(vcpu);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->clidr_reg, p->guest->view.clidr_reg);
}

}  // namespace
