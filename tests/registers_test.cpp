#include <gtest/gtest.h>

#include <cerrno>
#include <random>

#include "armcache/registers/catalog.h"
#include "armcache/registers/ccsidr.h"
#include "armcache/registers/clidr.h"
#include "armcache/registers/codec.h"
#include "armcache/registers/csselr.h"
#include "armcache/registers/ctr.h"
#include "armcache/registers/id_regs.h"
#include "armcache/registers/kvm_reg_id.h"
#include "armcache/registers/midr.h"
#include "golden.h"

namespace armcache::reg {
namespace {

std::uint64_t field(const Layout& l, std::uint64_t raw, std::string_view name) {
  for (const auto& f : decode(l, raw))
    if (f.field->name == name) return f.value;
  ADD_FAILURE() << "no field " << name << " in " << l.name;
  return ~0ull;
}

TEST(Clidr, GoldenFieldsFromFacts) {
  for (const auto& g : fixtures::kGoldenClidr) {
    SCOPED_TRACE(::testing::Message() << std::hex << g.raw);
    const Clidr c(g.raw);
    EXPECT_EQ(c.ctype(1), g.ctype1);
    EXPECT_EQ(c.ctype(2), g.ctype2);
    EXPECT_EQ(c.louis(), g.louis);
    EXPECT_EQ(c.loc(), g.loc);
    EXPECT_EQ(c.louu(), g.louu);
    EXPECT_EQ(c.icb(), g.icb);
    EXPECT_EQ(c.ttype(1), g.ttype1);
    EXPECT_EQ(c.ttype(2), g.ttype2);
    // The generic decoder reads the same table.
    EXPECT_EQ(field(kClidrLayout, g.raw, "LoC"), g.loc);
    EXPECT_EQ(field(kClidrLayout, g.raw, "Ttype2"), g.ttype2);
    EXPECT_TRUE(check_reserved(kClidrLayout, g.raw).ok());
  }
}

TEST(Clidr, Res0BitsAboveTtype7AreRejected) {
  EXPECT_FALSE(check_reserved(kClidrLayout, 1ull << 47).ok());
  EXPECT_FALSE(check_reserved(kClidrLayout, 1ull << 63).ok());
  EXPECT_TRUE(check_reserved(kClidrLayout, 3ull << 45).ok());  // Ttype7
  auto st = check_reserved(kClidrLayout, 0x8000000000000023ull);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message.find("[63]"), std::string::npos) << st.error().message;
}

TEST(Clidr, SettersWriteOnlyTheirField) {
  Clidr c;
  c.set_ctype(1, 3).set_ctype(2, 4).set_loc(2).set_icb(2).set_ttype(1, 2).set_ttype(2, 2);
  EXPECT_EQ(c.raw(), 0x1482000023ull);
  EXPECT_EQ(c.without_ttype().raw(), 0x82000023ull);
}

TEST(Ccsidr, FormatsPickFieldPositions) {
  const Ccsidr x(0x000007ff0000003aull, CcsidrFormat::kCcidx);
  EXPECT_EQ(x.line_size(), 2u);
  EXPECT_EQ(x.associativity(), 7u);
  EXPECT_EQ(x.num_sets(), 2047u);
  const Ccsidr y(0x70ffe03a, CcsidrFormat::k32);
  EXPECT_EQ(y.associativity(), 7u);
  EXPECT_EQ(y.num_sets(), 2047u);
  // The policy bits of ARMv8.0 parts are kept, not treated as RES0.
  EXPECT_TRUE(check_reserved(kCcsidrLayout, 0xf0000000).ok());
  EXPECT_FALSE(check_reserved(kCcsidrLayout, 1ull << 32).ok());
  // In the 64-bit format [31:24] and [63:56] are RES0.
  EXPECT_FALSE(check_reserved(kCcsidrCcidxLayout, 0x700fe01a).ok());
  EXPECT_FALSE(check_reserved(kCcsidrCcidxLayout, 1ull << 56).ok());
  EXPECT_TRUE(check_reserved(kCcsidrCcidxLayout, 0x00ffffff00ffffffull).ok());
}

TEST(Csselr, SelectorEncoding) {
  EXPECT_EQ(Csselr::select(1, false).raw(), 0u);
  EXPECT_EQ(Csselr::select(1, true).raw(), 1u);
  EXPECT_EQ(Csselr::select(2, false).raw(), 2u);
  EXPECT_EQ(Csselr::select(7, true).raw(), 13u);
  EXPECT_EQ(Csselr::select(2, false, true).raw(), 0x12u);
  const Csselr s(0x13);
  EXPECT_EQ(s.level(), 2u);
  EXPECT_TRUE(s.ind());
  EXPECT_TRUE(s.tnd());
  EXPECT_EQ(s.level_ind_index(), 3u);
  EXPECT_EQ(Csselr(0x3).with_tnd().raw(), 0x13u);
  EXPECT_EQ(s.with_tnd(false).raw(), 0x3u);
  EXPECT_EQ(s.with_tnd().raw(), 0x13u);
}

TEST(Ctr, FieldsOfMeasuredValues) {
  const Ctr n1(0x8444c004);  // IminLine 4, L1Ip 3, DminLine 4, ERG 4, CWG 4
  EXPECT_EQ(n1.imin_line_bytes(), 64u);
  EXPECT_EQ(n1.dmin_line_bytes(), 64u);
  EXPECT_EQ(n1.l1ip(), 3u);
  EXPECT_EQ(n1.erg(), 4u);
  EXPECT_EQ(n1.cwg(), 4u);
  EXPECT_FALSE(n1.idc());
  EXPECT_FALSE(n1.dic());
  const Ctr v1(0xb444c004);
  EXPECT_TRUE(v1.idc());
  EXPECT_TRUE(v1.dic());
  const Ctr n2(0x4b444c004);
  EXPECT_EQ(n2.tmin_line(), 4u);
  const Ctr a64fx(0x86668006);
  EXPECT_EQ(a64fx.imin_line_bytes(), 256u);
  EXPECT_EQ(a64fx.dmin_line_bytes(), 256u);
  EXPECT_EQ(a64fx.l1ip(), 2u);
  // RES1 bit 31 must be set, bit 30 and [13:4] clear.
  EXPECT_FALSE(check_reserved(kCtrLayout, 0x0444c004).ok());
  EXPECT_FALSE(check_reserved(kCtrLayout, 0xc444c004).ok());
  EXPECT_FALSE(check_reserved(kCtrLayout, 0x8444c014).ok());
  EXPECT_TRUE(check_reserved(kCtrLayout, 0x4b444c004).ok());
}

TEST(IdRegs, CcidxAndMte) {
  EXPECT_EQ(Mmfr2{0x00100000}.ccidx(), 1u);
  EXPECT_EQ(Mmfr2{0x1221011110001011}.ccidx(), 0u);
  EXPECT_EQ(Mmfr2{0x1221011110101011}.ccidx(), 1u);
  EXPECT_EQ(Pfr1{0x0000000000000220}.mte(), 2u);
  EXPECT_FALSE(check_reserved(kMmfr2Layout, 1ull << 44).ok());
  EXPECT_FALSE(check_reserved(kPfr1Layout, 1ull << 20).ok());
}

TEST(Midr, NamesFromFacts) {
  const Midr n1{0x413fd0c1};
  EXPECT_EQ(n1.implementer(), 0x41u);
  EXPECT_EQ(n1.part_num(), 0xd0cu);
  EXPECT_EQ(n1.variant(), 3u);
  EXPECT_EQ(n1.revision(), 1u);
  // Spelled as util-linux's lscpu prints them (the Arm ARM's implementer
  // codes; part numbers from each core's TRM). tests/host_sysfs_test.cpp
  // checks the whole table against the installed lscpu.
  EXPECT_EQ(implementer_name(0x41), "ARM");
  EXPECT_EQ(implementer_name(0x61), "Apple");
  EXPECT_EQ(implementer_name(0xc0), "Ampere");
  EXPECT_EQ(implementer_name(0x46), "FUJITSU");
  EXPECT_EQ(implementer_name(0x48), "HiSilicon");
  EXPECT_EQ(implementer_name(0x4e), "NVIDIA");
  EXPECT_EQ(implementer_name(0x51), "Qualcomm");
  EXPECT_EQ(implementer_name(0x6d), "Microsoft");
  const std::pair<unsigned, std::string_view> parts[] = {
      {0xd04, "Cortex-A35"},  {0xd03, "Cortex-A53"},  {0xd05, "Cortex-A55"},  {0xd07, "Cortex-A57"},
      {0xd08, "Cortex-A72"},  {0xd0b, "Cortex-A76"},  {0xd0c, "Neoverse-N1"}, {0xd40, "Neoverse-V1"},
      {0xd46, "Cortex-A510"}, {0xd47, "Cortex-A710"}, {0xd48, "Cortex-X2"},   {0xd49, "Neoverse-N2"},
      {0xd4a, "Neoverse-E1"}, {0xd4d, "Cortex-A715"}, {0xd4e, "Cortex-X3"},   {0xd4f, "Neoverse-V2"},
      {0xd80, "Cortex-A520"}, {0xd81, "Cortex-A720"}, {0xd82, "Cortex-X4"},   {0xd84, "Neoverse-V3"},
      {0xd85, "Cortex-X925"}, {0xd87, "Cortex-A725"}, {0xd8e, "Neoverse-N3"},
  };
  for (auto [part, name] : parts) EXPECT_EQ(part_name(0x41, part), name);
  EXPECT_EQ(part_name(0xc0, 0xac3), "Ampere-1");
  EXPECT_EQ(part_name(0x46, 0x001), "A64FX");
  EXPECT_EQ(part_name(0x6d, 0xd49), "Azure-Cobalt-100");
  EXPECT_EQ(part_name(0x61, 0x033), "Avalanche-M2");
  EXPECT_EQ(describe_midr(0x413fd0c1), "ARM Neoverse-N1 r3p1");
  EXPECT_EQ(describe_midr(0x990f0011), "implementer 0x99 part 0x1 r0p1");
  EXPECT_EQ(part_name(0x51, 0xd0c), "");  // part numbers belong to an implementer
}

TEST(RegId, FactsIdsBothDirections) {
  EXPECT_EQ(sysreg_id(kClidrEl1), 0x603000000013c801ull);
  EXPECT_EQ(sysreg_id(kCtrEl0), 0x603000000013d801ull);
  EXPECT_EQ(sysreg_id(kCsselrEl1), 0x603000000013d000ull);
  EXPECT_EQ(sysreg_id(kIdAa64Mmfr2El1), 0x603000000013c03aull);
  EXPECT_EQ(sysreg_id(kMidrEl1), 0x603000000013c000ull);
  auto id = decode_reg_id(0x603000000013c801ull);
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(id->kind, RegIdKind::kSysreg);
  EXPECT_EQ(id->name, "CLIDR_EL1");
  EXPECT_EQ(id->size_bytes, 8u);
  for (unsigned sel = 0; sel < 14; ++sel) {
    auto d = decode_reg_id(demux_ccsidr_id(sel));
    ASSERT_TRUE(d.ok());
    EXPECT_EQ(d->kind, RegIdKind::kDemuxCcsidr);
    EXPECT_EQ(d->csselr, sel);
    EXPECT_EQ(d->size_bytes, 4u);
    EXPECT_FALSE(reg_id_problem(*d).has_value());
  }
  EXPECT_EQ(demux_ccsidr_id(0), 0x6020000000110000ull);
  auto bad = decode_reg_id(demux_ccsidr_id(14));
  ASSERT_TRUE(bad.ok());
  EXPECT_TRUE(reg_id_problem(*bad).has_value());
  EXPECT_FALSE(decode_reg_id(0x403000000013c801ull).ok());  // not arm64
  auto ccsidr = decode_reg_id(sysreg_id(kCcsidrEl1));
  ASSERT_TRUE(ccsidr.ok());
  EXPECT_TRUE(reg_id_problem(*ccsidr).has_value());  // only via DEMUX
}

// Coproc numbers from the kernel's arm64 uapi asm/kvm.h: KVM_REG_ARM_CORE
// 0x10, DEMUX 0x11, SYSREG 0x13, FW 0x14, SVE 0x15, FW_FEAT_BMAP 0x16 (the
// bitmap id 0x6030000000160003 is listed by 7.3, docs/arm-cache-registers.md).
TEST(RegId, CoprocNamesFollowTheUapi) {
  auto coproc = [](std::uint64_t id) {
    for (const auto& f : decode(reg_id_layout(id), id))
      if (f.field->name == std::string_view("Coproc")) return f.meaning;
    return std::string("no Coproc field");
  };
  EXPECT_EQ(coproc(0x6030000000100000ull), "core");
  EXPECT_EQ(coproc(0x6020000000110000ull), "DEMUX");
  EXPECT_EQ(coproc(0x603000000013c801ull), "system register");
  EXPECT_EQ(coproc(0x6030000000140000ull), "firmware");
  EXPECT_EQ(coproc(0x6080000000150000ull), "SVE");
  EXPECT_EQ(coproc(0x6030000000160003ull), "firmware features");
  EXPECT_EQ(coproc(0x6030000000120000ull), "unknown");  // 32-bit Arm's VFP
}

// One name per register in every message: ids worked out from asm/kvm.h
// (KVM_REG_ARM64 | size | coproc | index).
TEST(RegId, OneNamePerRegister) {
  EXPECT_EQ(one_reg_name(0x603000000013c801ull), "CLIDR_EL1");  // op0 3, op1 1, CRn 0, CRm 0, op2 1
  EXPECT_EQ(one_reg_name(0x6020000000110002ull), "CCSIDR_EL1[2]");  // DEMUX CCSIDR index 2
  EXPECT_EQ(ccsidr_name(Csselr::select(2, false)), "CCSIDR_EL1[2]");
  EXPECT_EQ(ccsidr_name(Csselr::select(1, true, true)), "CCSIDR_EL1[1,TnD]");
  EXPECT_EQ(one_reg_name(0x6030000000140000ull), "KVM_REG_ARM_PSCI_VERSION");
  EXPECT_EQ(one_reg_name(0x6030000000140003ull), "KVM_REG_ARM_SMCCC_ARCH_WORKAROUND_3");
  EXPECT_EQ(one_reg_name(0x6030000000140009ull), "KVM_REG_ARM_FW_REG(9)");
  EXPECT_EQ(one_reg_name(0x6030000000160001ull), "KVM_REG_ARM_STD_HYP_BMAP");
}

// ICB names the highest inner cacheable level, 1 to 7 (Arm ARM CLIDR_EL1.ICB).
TEST(Clidr, IcbSevenIsLevelSeven) {
  for (const auto& f : decode(kClidrLayout, 7ull << 30))
    if (f.field->name == std::string_view("ICB")) {
      EXPECT_EQ(f.meaning, "L7 is the highest inner cache");
    }
}

TEST(RegId, EverySysregEncodingRoundTrips) {
  for (unsigned op0 = 0; op0 < 4; ++op0)
    for (unsigned op1 = 0; op1 < 8; ++op1)
      for (unsigned crn = 0; crn < 16; ++crn)
        for (unsigned crm = 0; crm < 16; ++crm)
          for (unsigned op2 = 0; op2 < 8; ++op2) {
            const SysRegEncoding e{op0, op1, crn, crm, op2};
            auto d = decode_reg_id(sysreg_id(e));
            ASSERT_TRUE(d.ok());
            ASSERT_EQ(d->sysreg, e);
          }
}

TEST(Codec, EncodeRejectsUnknownRepeatedAndWideFields) {
  std::vector<FieldAssignment> a{{"Ctype9", 1}};
  EXPECT_FALSE(encode(kClidrLayout, a).ok());
  a = {{"Ctype1", 3}, {"Ctype1", 3}};
  EXPECT_FALSE(encode(kClidrLayout, a).ok());
  a = {{"Ctype1", 8}};
  auto r = encode(kClidrLayout, a);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("3 bits"), std::string::npos);
  a = {{"RES0", 1}};
  EXPECT_FALSE(encode(kClidrLayout, a).ok());
  a = {};
  EXPECT_EQ(*encode(kCtrLayout, a), 0x80000000ull);  // RES1 set
}

// encode(decode(x)) == x for random values that respect RES0/RES1, for every
// layout armcache knows.
TEST(Codec, PropertyEncodeOfDecodeIsIdentity) {
  const Layout* layouts[] = {&kClidrLayout, &kCcsidrLayout, &kCcsidrCcidxLayout, &kCcsidr2Layout, &kCsselrLayout,
                             &kCtrLayout,   &kMmfr2Layout,  &kPfr1Layout,        &kMidrLayout,    &kSysregIdLayout,
                             &kDemuxIdLayout, &kOtherIdLayout};
  std::mt19937_64 rng(12345);
  for (const Layout* l : layouts) {
    for (int i = 0; i < 2000; ++i) {
      const std::uint64_t raw = (rng() & ~l->res0_mask()) | l->res1_mask();
      ASSERT_TRUE(check_reserved(*l, raw).ok());
      std::vector<FieldAssignment> fields;
      for (const auto& f : decode(*l, raw)) fields.push_back({std::string(f.field->name), f.value});
      auto back = encode(*l, fields, 0);
      ASSERT_TRUE(back.ok()) << back.error().message;
      ASSERT_EQ(*back | l->res1_mask(), raw) << l->name;
    }
  }
}

TEST(Catalog, NamesAndLayouts) {
  EXPECT_EQ(*find_register("clidr"), RegisterKind::kClidr);
  EXPECT_EQ(*find_register("reg-id"), RegisterKind::kRegId);
  const auto upper = find_register("CLIDR");
  ASSERT_FALSE(upper.ok());
  EXPECT_EQ(upper.error().errnum, EINVAL);
  EXPECT_EQ(upper.error().message,
            "unknown register 'CLIDR' (one of: clidr, ccsidr, ccsidr2, csselr, ctr, mmfr2, pfr1, midr, reg-id)");
  EXPECT_EQ(&decode_layout(RegisterKind::kCcsidr, 0x700fe01a, false), &kCcsidrLayout);
  EXPECT_EQ(&decode_layout(RegisterKind::kCcsidr, 0x7ff0000003a, false), &kCcsidrCcidxLayout);
  EXPECT_EQ(&decode_layout(RegisterKind::kCcsidr, 0x3a, true), &kCcsidrCcidxLayout);
  EXPECT_EQ(&decode_layout(RegisterKind::kRegId, 0x6020000000110002, false), &kDemuxIdLayout);
  EXPECT_EQ(&decode_layout(RegisterKind::kRegId, 0x603000000013c801, false), &kSysregIdLayout);
}

}  // namespace
}  // namespace armcache::reg
