// The profile tools of the library: diff, baseline, Firecracker interop, firmware
// tables. Expected values come from docs/kvm-testbed.md (the QEMU models' registers,
// decoded by hand in the comments), never from this code's own output.
#include <gtest/gtest.h>

#include <bitset>
#include <fstream>
#include <sstream>

#include "armcache/firmware/firmware.h"
#include "armcache/host/devicetree.h"
#include "armcache/host/pptt.h"
#include "armcache/identity/qemu_models.h"
#include "armcache/kernel/vcpu_model.h"
#include "armcache/plan/baseline.h"
#include "armcache/profile/clidr_origin.h"
#include "armcache/profile/diff.h"
#include "armcache/profile/firecracker.h"
#include "armcache/registers/kvm_reg_id.h"

namespace armcache {
namespace {

using identity::GuestView;

std::string read(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

GuestView view_of(const char* model, const char* kernel) {
  const auto host = *identity::qemu_model_host(model);
  kernel::VcpuModel m(*kernel::parse_kernel(kernel), *kernel::host_input(host));
  if (std::string(kernel) == "native") {
    EXPECT_TRUE(m.enable_native(0, {}, host.kinds[0]).ok());
  }
  return m.view();
}

// ---- diff ----

TEST(Diff, N1From61To612InWords) {
  const auto items = profile::diff_views(view_of("neoverse-n1", "6.1"), view_of("neoverse-n1", "6.12"));
  auto find = [&](const std::string& item, profile::DiffScope s) -> const profile::DiffItem* {
    for (const auto& i : items)
      if (i.item == item && i.scope == s) return &i;
    return nullptr;
  };
  // docs/kvm-testbed.md: N1 CLIDR 0x82000023 on 6.1, 0x02000021 on 6.12; CTR 0x8444c004 -> 0x9444c004 (IDC).
  const auto* clidr = find("CLIDR_EL1", profile::DiffScope::kGuest);
  ASSERT_NE(clidr, nullptr);
  EXPECT_EQ(clidr->a, "0x82000023");
  EXPECT_EQ(clidr->b, "0x2000021");
  // Level by level: L1 I+D -> I only, L2 unified stays; LoUU 0, LoUIS 0 stay; ICB 2 -> 0.
  EXPECT_NE(clidr->text.find("L1 Separate I+D -> Instruction only"), std::string::npos) << clidr->text;
  EXPECT_NE(clidr->text.find("ICB 2 -> 0"), std::string::npos) << clidr->text;
  const auto* ctr = find("CTR_EL0", profile::DiffScope::kGuest);
  ASSERT_NE(ctr, nullptr);
  EXPECT_NE(ctr->text.find("IDC 0"), std::string::npos) << ctr->text;
  // L2 0x70ffe03a: Associativity 7 (8 ways), NumSets 0x7ff (2048 sets); 6.12 reads 0x2.
  const auto* l2 = find("L2", profile::DiffScope::kGuest);
  ASSERT_NE(l2, nullptr);
  EXPECT_EQ(l2->text, "L2: 8 ways x 2048 sets -> 1 way x 1 set (fabricated)");
  // 6.12's CLIDR has no L1 data cache (Ctype1 = 1, instruction only).
  const auto* l1d = find("L1D", profile::DiffScope::kGuest);
  ASSERT_NE(l1d, nullptr);
  EXPECT_EQ(l1d->b, "absent");
  // 6.1 lists DEMUX 0-2, 6.12 all 14.
  const auto* ids = find("DEMUX ids", profile::DiffScope::kKvm);
  ASSERT_NE(ids, nullptr);
  EXPECT_EQ(ids->a, "0,1,2");
  EXPECT_TRUE(profile::diff_views(view_of("neoverse-n1", "6.1"), view_of("neoverse-n1", "6.1")).empty());
}

TEST(Diff, HostKindsAndNothingToCompare) {
  const auto a = *identity::qemu_model_host("cortex-a53");
  const auto b = *identity::qemu_model_host("cortex-a35");
  // docs/kvm-testbed.md: the two differ only in L2: 0x707fe07a (1024 sets) vs 0x703fe03a (512 sets, 8 ways).
  const auto items = profile::diff_hosts(a, b);
  ASSERT_FALSE(items.empty());
  bool l2 = false;
  for (const auto& i : items) l2 |= i.item == "kind 0 L2" && i.text.find("16 ways x 1024 sets -> 8 ways x 512 sets") != std::string::npos;
  EXPECT_TRUE(l2) << items[0].text;
  profile::Profile host_only, guest_only;
  host_only.host = a;
  guest_only.guest = profile::GuestRecord{view_of("cortex-a53", "6.1"), "6.1", "pre-6.3"};
  EXPECT_FALSE(profile::diff(host_only, guest_only, "h.json", "g.json").ok());
}

// ---- baseline ----

plan::FleetHost fleet_host(const char* name, const char* model, std::optional<std::string> kernel) {
  return {name, *identity::qemu_model_host(model), std::move(kernel)};
}

TEST(Baseline, Pre63HostsOnlyPresentTheirOwnView) {
  // <= 6.2 CLIDR is invariant: the two N1 hosts win, the A57 (CLIDR 0x0a200023) is left out.
  const std::vector<plan::FleetHost> hosts = {fleet_host("n1-a", "neoverse-n1", "6.1"),
                                              fleet_host("a57", "cortex-a57", "6.1"),
                                              fleet_host("n1-b", "neoverse-n1", "6.1.0-50-cloud-arm64")};
  const plan::Baseline b = plan::compute_baseline(hosts, std::nullopt);
  ASSERT_TRUE(b.chosen);
  EXPECT_EQ(b.chosen->view.clidr.raw(), 0x82000023u);
  EXPECT_EQ(b.included, (std::vector<std::string>{"n1-a", "n1-b"}));
  ASSERT_EQ(b.left_out.size(), 1u);
  EXPECT_EQ(b.left_out[0].name, "a57");
  EXPECT_NE(b.left_out[0].reason.find("EINVAL"), std::string::npos) << b.left_out[0].reason;
  EXPECT_EQ(b.distinct_hosts, 2u);
}

TEST(Baseline, WritableKernelsTakeTheRichestView) {
  // 6.12 accepts any CLIDR that does not imply IDC wrongly and any CCSIDR with
  // a large enough line: every host can present every real hierarchy, so the
  // largest one wins: A57's L2 (0x70ffe07a: 16 ways x 2048 sets x 64 B = 2 MiB)
  // over N1's (8 x 2048 x 64 = 1 MiB) and A76's (0x707fe03a: 8 x 1024 x 64).
  const std::vector<plan::FleetHost> hosts = {fleet_host("n1", "neoverse-n1", "6.12"),
                                              fleet_host("a76", "cortex-a76", "6.12"),
                                              fleet_host("a57", "cortex-a57", "6.12")};
  const plan::Baseline b = plan::compute_baseline(hosts, std::nullopt);
  ASSERT_TRUE(b.chosen);
  EXPECT_TRUE(b.left_out.empty());
  EXPECT_EQ(b.chosen->view.ccsidr[2], 0x70ffe07au);
  EXPECT_EQ(plan::richness(b.chosen->view).total_bytes, 32768u + 49152u + 2097152u);
}

TEST(Baseline, HostsWithoutKernelOrCtrAreLeftOutWithReason) {
  auto no_ctr = fleet_host("no-ctr", "neoverse-n1", "6.12");
  no_ctr.host.kinds[0].ctr.reset();  // host discovery without a live arm64 host
  const std::vector<plan::FleetHost> hosts = {fleet_host("ok", "neoverse-n1", "6.12"), no_ctr,
                                              fleet_host("no-kernel", "neoverse-n1", std::nullopt)};
  const plan::Baseline b = plan::compute_baseline(hosts, std::nullopt);
  EXPECT_EQ(b.included, std::vector<std::string>{"ok"});
  ASSERT_EQ(b.left_out.size(), 2u);
  EXPECT_NE(b.left_out[0].reason.find("CTR_EL0"), std::string::npos);
  EXPECT_NE(b.left_out[1].reason.find("kernel"), std::string::npos);
  // --kernel covers the host that names none.
  EXPECT_EQ(plan::compute_baseline(hosts, *kernel::parse_kernel("6.12")).included.size(), 2u);
}

// ---- Firecracker ----

TEST(Firecracker, Bitmaps) {
  namespace fc = profile::firecracker;
  auto b = fc::parse_bitmap("0b" + std::string(30, '0') + "x1");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->value.lo, 1u);
  EXPECT_EQ(b->mask.lo, 0xfffffffdu);
  EXPECT_EQ(b->digits, 32u);
  // Shorter bitmaps give the low bits: "0b101" fixes bits 2..0 only.
  b = fc::parse_bitmap("0b101");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->value.lo, 5u);
  EXPECT_EQ(b->mask.lo, 7u);
  EXPECT_FALSE(fc::parse_bitmap(std::string(32, '2')).ok());
  EXPECT_FALSE(fc::parse_bitmap("0b").ok());
  EXPECT_FALSE(fc::parse_bitmap("0b" + std::string(129, '0')).ok());
  // 128 digits, bit 127 set: a V register's top bit.
  b = fc::parse_bitmap("0b1" + std::string(127, '0'));
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->value.hi, 0x8000000000000000u);
  EXPECT_EQ(b->value.lo, 0u);
  EXPECT_EQ(fc::format_bitmap(0x82000023, 64), "0b" + std::bitset<64>(0x82000023).to_string());
  // Widths from the one-reg id's size field (KVM: U32, U64, U128).
  EXPECT_EQ(reg::value_bits(0x6020000000110000), 32u);
  EXPECT_EQ(reg::value_bits(0x603000000013c801), 64u);
  EXPECT_EQ(reg::value_bits(0x6040000000100054), 128u);
  EXPECT_EQ(reg::value_bits(0x4030000000000000), 0u);
}

TEST(Firecracker, WidthRulesForFingerprintsAndTemplates) {
  namespace fc = profile::firecracker;
  using fc::Rules;
  const auto padded = *fc::parse_bitmap("0b" + std::string(96, '0') + std::bitset<32>(0x701fe01a).to_string());
  EXPECT_FALSE(fc::bitmap_problem(padded, 32, Rules::kFingerprint));  // zero padding is fine
  // Firecracker refuses a filter beyond the width in a template: 96 '0's fix bits 127..32.
  auto why = fc::bitmap_problem(padded, 32, Rules::kTemplate);
  ASSERT_TRUE(why);
  EXPECT_NE(why->find("fixes bit 127"), std::string::npos) << *why;
  const auto high = *fc::parse_bitmap("0b" + std::string(87, '0') + "1" + std::string(40, '0'));  // bit 40
  why = fc::bitmap_problem(high, 32, Rules::kFingerprint);
  ASSERT_TRUE(why);
  EXPECT_NE(why->find("32 bits wide, but bit 40 is set"), std::string::npos) << *why;
  EXPECT_FALSE(fc::bitmap_problem(high, 64, Rules::kFingerprint));
  const auto short32 = *fc::parse_bitmap("0b" + std::string(32, '1'));
  EXPECT_TRUE(fc::bitmap_problem(short32, 64, Rules::kFingerprint));  // a fingerprint gives every bit
  EXPECT_FALSE(fc::bitmap_problem(short32, 64, Rules::kTemplate));
  const auto with_x = *fc::parse_bitmap("0b" + std::string(127, '0') + "x");
  EXPECT_TRUE(fc::bitmap_problem(with_x, 64, Rules::kFingerprint));
  EXPECT_FALSE(fc::bitmap_problem(*fc::parse_bitmap("0b1" + std::string(127, 'x')), 128, Rules::kTemplate));
}

std::string fc_data(const std::string& name) { return std::string(ARMCACHE_DATA) + "/firecracker/" + name; }

// Fingerprints in Firecracker's own layout (tests/data/firecracker/make-fingerprints.py).
TEST(Firecracker, RealLayoutFingerprintsImport) {
  struct Want {
    const char* file;
    std::uint64_t clidr, ctr;
    const char* generation;
    std::size_t registers, demux;
    unsigned ccidx;
  };
  // Counts: 75 core (41 U64, 32 U128, 2 U32), 7 firmware, 70 debug, 56 ID
  // space, the rest; 6.18 adds DEMUX 3-13 and 6 system registers.
  const Want want[] = {
      {"fingerprint-n1-5.10.json", 0x82000023, 0x8444c004, "pre-6.3", 243, 3, 0},
      {"fingerprint-n1-6.1.json", 0x82000023, 0x8444c004, "pre-6.3", 243, 3, 0},
      {"fingerprint-n1-6.18.json", 0x03000123, 0x9444c004, "6.16+", 260, 14, 0},
      {"fingerprint-v1-5.10.json", 0x82000023, 0xb444c004, "pre-6.3", 243, 3, 1},
      {"fingerprint-v1-6.1.json", 0x82000023, 0xb444c004, "pre-6.3", 243, 3, 1},
      {"fingerprint-v1-6.18.json", 0x03000123, 0xb444c004, "6.16+", 260, 14, 0},
      {"fingerprint-v2-6.1.json", 0x82000023, 0xb444c004, "pre-6.3", 243, 3, 1},
  };
  for (const Want& w : want) {
    auto p = profile::firecracker::import_fingerprint(read(fc_data(w.file)), w.file);
    ASSERT_TRUE(p.ok()) << p.error().message;
    const auto& g = *p->guest;
    EXPECT_EQ(g.view.clidr.raw(), w.clidr) << w.file;
    EXPECT_EQ(g.view.ctr.raw(), w.ctr) << w.file;
    EXPECT_EQ(g.generation, w.generation) << w.file;
    EXPECT_EQ(g.registers.size(), w.registers) << w.file;
    EXPECT_EQ(g.view.demux.size(), w.demux) << w.file;
    EXPECT_EQ(g.view.mmfr2_ccidx, w.ccidx) << w.file;
    // V0 is a U128 core register (offset 84 words), FPSR a U32 one.
    EXPECT_TRUE(g.registers.count(0x6040000000100054)) << w.file;
    EXPECT_TRUE(g.registers.count(0x60200000001000d4)) << w.file;
    // The profile keeps them through a write and a read.
    auto again = profile::from_json(profile::to_json(*p), "again");
    ASSERT_TRUE(again.ok()) << again.error().message;
    EXPECT_EQ(again->guest->registers, g.registers);
  }
}

TEST(Firecracker, CcidxHostsBefore63FlagTruncatedDemux) {
  // V1/V2 on 5.10 and 6.1: DEMUX 0x1a / 0x1a / 0x3a with MMFR2.CCIDX = 1.
  for (const char* f : {"fingerprint-v1-5.10.json", "fingerprint-v1-6.1.json", "fingerprint-v2-6.1.json"}) {
    auto p = profile::firecracker::import_fingerprint(read(fc_data(f)), f);
    ASSERT_TRUE(p.ok()) << p.error().message;
    EXPECT_EQ(p->provenance["truncated_ccidx"], profile::Json::parse("[0, 1, 2]")) << f;
    EXPECT_FALSE(profile::firecracker::export_template(*p, f).ok());
  }
  for (const char* f : {"fingerprint-n1-6.1.json", "fingerprint-n1-6.18.json", "fingerprint-v1-6.18.json"}) {
    auto p = profile::firecracker::import_fingerprint(read(fc_data(f)), f);
    ASSERT_TRUE(p.ok()) << p.error().message;
    EXPECT_EQ(p->provenance["truncated_ccidx"], profile::Json::array()) << f;
  }
}

TEST(Firecracker, SetBitBeyondWidthIsOneLineNamingTheRegister) {
  auto j = profile::Json::parse(read(fc_data("fingerprint-n1-6.1.json")));
  // DEMUX CCSIDR[0] is 32 bits wide: set bit 32.
  for (auto& m : j["guest_cpu_config"]["reg_modifiers"])
    if (m["addr"] == "0x6020000000110000") {
      std::string b = m["bitmap"];
      b[b.size() - 33] = '1';
      m["bitmap"] = b;
    }
  auto r = profile::firecracker::import_fingerprint(j.dump(), "fp.json");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message.rfind("fp.json: guest_cpu_config.reg_modifiers[", 0), 0u) << r.error().message;
  EXPECT_NE(r.error().message.find("CCSIDR_EL1[0] (0x6020000000110000): is 32 bits wide, but bit 32 is set"),
            std::string::npos)
      << r.error().message;
  EXPECT_EQ(r.error().message.find('\n'), std::string::npos);
}

TEST(Firecracker, RoundTripThroughATemplateKeepsTheFingerprint) {
  for (const char* f : {"fingerprint-n1-5.10.json", "fingerprint-n1-6.1.json", "fingerprint-n1-6.18.json",
                        "fingerprint-v1-6.18.json"}) {
    auto p = profile::firecracker::import_fingerprint(read(fc_data(f)), f);
    ASSERT_TRUE(p.ok()) << p.error().message;
    auto t = profile::firecracker::export_template(*p, f);
    ASSERT_TRUE(t.ok()) << t.error().message;
    // Widths as Firecracker checks them: 64 digits for CLIDR/CTR, 32 for DEMUX.
    for (const auto& m : (*t)["reg_modifiers"]) {
      const std::string addr = m["addr"];
      EXPECT_EQ(m["bitmap"].get<std::string>().size(), 2u + (addr.rfind("0x602", 0) == 0 ? 32u : 64u)) << addr;
    }
    auto back = profile::firecracker::import_template(t->dump(), "t");
    ASSERT_TRUE(back.ok()) << back.error().message;
    EXPECT_EQ(profile::fingerprint(back->guest->view), profile::fingerprint(p->guest->view)) << f;
  }
}

TEST(Firecracker, ShortTemplateBitmapsKeepKvmBits) {
  auto p = profile::firecracker::import_template(read(fc_data("template-short.json")), "t.json");
  ASSERT_TRUE(p.ok()) << p.error().message;
  const auto& v = p->guest->view;
  // Bits 63..32 of CLIDR are 'x': KVM 6.3+ for CTR 0x8444c004 (IDC 0, DIC 0)
  // fabricates 0x09200003, whose upper half is 0.
  EXPECT_EQ(v.clidr.raw(), 0x82000023u);
  EXPECT_EQ(v.ctr.raw(), 0x8444c004u);
  EXPECT_EQ(v.ccsidr[0], 0x701fe01au);
  // CCSIDR[2] bits [31:28] are 'x': KVM's LineSize-only value 0x2 has them 0.
  EXPECT_EQ(v.ccsidr[2], 0x00ffe03au);
  EXPECT_EQ(p->provenance["other_registers"], 2);  // ID_AA64PFR0_EL1 and V0
  // A template that fixes bits beyond a register's width is refused, naming it.
  auto j = profile::Json::parse(read(fc_data("template-short.json")));
  j["reg_modifiers"][1]["bitmap"] = "0b" + std::string(96, '0') + std::bitset<32>(0x82000023).to_string();
  auto r = profile::firecracker::import_template(j.dump(), "t.json");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("t.json: reg_modifiers[1].bitmap: CLIDR_EL1 (0x603000000013c801): is 64 bits wide"),
            std::string::npos)
      << r.error().message;
}

// ---- what made a CLIDR ----

TEST(ClidrOrigin, KvmFabricationFromCtr) {
  // KVM 6.3+ (sys_regs.c reset_clidr): IDC/DIC 0/0 -> 0x09200003, 0/1 ->
  // 0x09200002, 1/0 -> 0x02000021, 1/1 -> 0x01000004; MTE adds Ttype(LoC) = 2.
  EXPECT_EQ(profile::kvm_fabricated_clidr(reg::Ctr(0x8444c004), false).raw(), 0x09200003u);
  EXPECT_EQ(profile::kvm_fabricated_clidr(reg::Ctr(0xa444c004), false).raw(), 0x09200002u);
  EXPECT_EQ(profile::kvm_fabricated_clidr(reg::Ctr(0x9444c004), false).raw(), 0x02000021u);
  EXPECT_EQ(profile::kvm_fabricated_clidr(reg::Ctr(0xb444c004), false).raw(), 0x01000004u);
  // Ttype2 is bits [36:35].
  EXPECT_EQ(profile::kvm_fabricated_clidr(reg::Ctr(0x9444c004), true).raw(), 0x02000021u | (2ull << 35));
  // Firecracker-style: Ctype1-3 and LoC 3 from sysfs, the rest KVM's.
  const reg::Clidr sysfs = reg::Clidr().set_ctype(1, 3).set_ctype(2, 4).set_ctype(3, 4).set_loc(3);
  EXPECT_EQ(profile::sysfs_override_clidr(sysfs, reg::Clidr(0x02000021)).raw(), 0x03000123u);
}

TEST(ClidrOrigin, FingerprintsSayWhatMadeTheirClidr) {
  auto origin = [](const char* f) {
    auto p = profile::firecracker::import_fingerprint(read(fc_data(f)), f);
    EXPECT_TRUE(p.ok());
    return p->provenance["clidr_origin"];
  };
  EXPECT_EQ(origin("fingerprint-n1-6.1.json")["origin"], "hardware");
  EXPECT_EQ(origin("fingerprint-n1-5.10.json")["origin"], "hardware");
  const auto n1 = origin("fingerprint-n1-6.18.json");
  EXPECT_EQ(n1["origin"], "sysfs-override");
  // KVM would fabricate 0x2000021 for CTR_EL0 0x9444c004 (IDC 1, DIC 0).
  EXPECT_NE(n1["text"].get<std::string>().find(": 0x2000021"), std::string::npos) << n1["text"];
  EXPECT_EQ(origin("fingerprint-v1-6.18.json")["origin"], "sysfs-override");
  // The hand template: CLIDR 0x82000023 with an unknown kernel.
  auto t = profile::firecracker::import_template(read(fc_data("template-hand.json")), "t");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->provenance["clidr_origin"]["origin"], "unknown");
}

TEST(ClidrOrigin, ViewsOfEachKind) {
  // The kernel model's own 6.12 view is KVM's fabrication; 6.1's the hardware's.
  auto cls = [](const GuestView& v, std::optional<kernel::Generation> g, std::optional<reg::Clidr> hw = {}) {
    return profile::classify_clidr(v, profile::ClidrContext{g, hw, "test"}).origin;
  };
  EXPECT_EQ(cls(view_of("neoverse-n1", "6.12"), kernel::Generation::k610To615), profile::ClidrOrigin::kKvmFabricated);
  EXPECT_EQ(cls(view_of("cortex-a53", "6.5"), kernel::Generation::k63To69), profile::ClidrOrigin::kKvmFabricated);
  EXPECT_EQ(cls(view_of("neoverse-n1", "6.1"), kernel::Generation::kPre63), profile::ClidrOrigin::kHardware);
  EXPECT_EQ(cls(view_of("neoverse-n1", "native"), kernel::Generation::kNative), profile::ClidrOrigin::kHardware);
  // 6.12 with N1's hardware CLIDR written back: userspace, or the hardware's when that is known.
  GuestView v = view_of("neoverse-n1", "6.12");
  v.clidr = reg::Clidr(0x82000023);
  EXPECT_EQ(cls(v, kernel::Generation::k610To615), profile::ClidrOrigin::kUserspace);
  EXPECT_EQ(cls(v, kernel::Generation::k610To615, reg::Clidr(0x82000023)), profile::ClidrOrigin::kHardware);
  EXPECT_EQ(cls(v, std::nullopt), profile::ClidrOrigin::kUnknown);
}

TEST(Firecracker, FingerprintFlagsTruncatedCcidx) {
  // N2 on 6.1 (docs/kvm-testbed.md): MMFR2.CCIDX = 1 and DEMUX 0x1a / 0x1a / 0x3a, the
  // low halves of 0xff0000001a / 0xff0000001a / 0x3ff0000003a.
  const std::string path = std::string(ARMCACHE_DATA) + "/firecracker/fingerprint-n2-61.json";
  auto p = profile::firecracker::import_fingerprint(read(path), path);
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_EQ(p->guest->generation, "pre-6.3");
  EXPECT_EQ(p->guest->view.clidr.raw(), 0x1482000023u);
  EXPECT_EQ(p->guest->view.mmfr2_ccidx, 1u);
  EXPECT_EQ(p->provenance["truncated_ccidx"], profile::Json::parse("[0, 1, 2]"));
  EXPECT_EQ(p->provenance["midr"], "0x410fd490");
  ASSERT_EQ(p->warnings.size(), 3u);
  EXPECT_NE(p->warnings[2].find("truncated"), std::string::npos);
  // A CCIDX view cannot go into a template.
  EXPECT_FALSE(profile::firecracker::export_template(*p, "n2").ok());
}

TEST(Firecracker, ExportImportKeepsFingerprint) {
  for (const char* model : {"neoverse-n1", "cortex-a53", "a64fx", "max"})
    for (const char* k : {"6.1", "6.5", "6.12", "native"}) {
      profile::Profile p;
      p.guest = profile::GuestRecord{view_of(model, k), k, ""};
      auto t = profile::firecracker::export_template(p, "p");
      ASSERT_TRUE(t.ok()) << t.error().message;
      auto back = profile::firecracker::import_template(t->dump(), "t");
      ASSERT_TRUE(back.ok()) << back.error().message;
      EXPECT_EQ(profile::fingerprint(back->guest->view), profile::fingerprint(p.guest->view)) << model << " " << k;
      EXPECT_TRUE(back->warnings.empty());
      // CLIDR's modifier is the register's 64 bits, most significant first.
      EXPECT_EQ((*t)["reg_modifiers"][0]["addr"], "0x603000000013c801");
      EXPECT_EQ((*t)["reg_modifiers"][0]["bitmap"], "0b" + std::bitset<64>(p.guest->view.clidr.raw()).to_string());
    }
}

TEST(Firecracker, MalformedInputIsOneLineNamingFileAndPath) {
  const std::pair<const char*, const char*> cases[] = {
      {"{", "not valid JSON"},
      {"[]", "top level"},
      {R"({"guest_cpu_config": {}})", "guest_cpu_config.reg_modifiers"},
      {R"({"guest_cpu_config": {"reg_modifiers": [{"addr": "0x603000000013c801", "bitmap": "0b12"}]}})",
       "reg_modifiers[0].bitmap"},
      {R"({"guest_cpu_config": {"reg_modifiers": [{"addr": "zz", "bitmap": "0b1"}]}})", "reg_modifiers[0].addr"},
      {R"({"guest_cpu_config": {"reg_modifiers": [{"addr": "0x602000000011000e", "bitmap": "0b1"}]}})", "0 to 13"},
      {R"({"guest_cpu_config": {"reg_modifiers": []}})", "CLIDR_EL1"},
  };
  for (auto [text, what] : cases) {
    auto r = profile::firecracker::import_fingerprint(text, "fp.json");
    ASSERT_FALSE(r.ok()) << text;
    EXPECT_EQ(r.error().message.rfind("fp.json: ", 0), 0u) << r.error().message;
    EXPECT_NE(r.error().message.find(what), std::string::npos) << r.error().message;
    EXPECT_EQ(r.error().message.find('\n'), std::string::npos);
  }
  // 65 characters for a 64-bit register, the first one set.
  auto r = profile::firecracker::import_template(
      R"({"reg_modifiers": [{"addr": "0x603000000013c801", "bitmap": "0b1)" + std::string(64, '0') + "\"}]}", "t.json");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("t.json: reg_modifiers[0].bitmap"), std::string::npos) << r.error().message;
}

// ---- firmware ----

struct Expect {
  unsigned level;
  cache::CacheKind type;
  std::uint64_t size;
  std::uint32_t ways, sets, line;
};

// N1 native view = the hardware (docs/kvm-testbed.md): L1D 0x701fe01a and L1I 0x201fe01a
// = 4 ways x 256 sets x 64 B (64 KiB); L2 0x70ffe03a = 8 ways x 2048 sets x 64 B (1 MiB).
const Expect kN1[] = {{1, cache::CacheKind::kData, 65536, 4, 256, 64},
                      {1, cache::CacheKind::kInstruction, 65536, 4, 256, 64},
                      {2, cache::CacheKind::kUnified, 1048576, 8, 2048, 64}};

void check_parsed(const host::SourceDescription& d, bool has_ways, unsigned vcpus, unsigned clusters) {
  ASSERT_EQ(d.cpus.size(), vcpus);
  for (unsigned cpu = 0; cpu < vcpus; ++cpu) {
    const auto& caches = d.cpus[cpu].caches;
    ASSERT_EQ(caches.size(), 3u) << "cpu" << cpu;
    for (std::size_t i = 0; i < 3; ++i) {
      EXPECT_EQ(caches[i].level, kN1[i].level);
      EXPECT_EQ(caches[i].type, kN1[i].type);
      EXPECT_EQ(caches[i].size.value, kN1[i].size);
      EXPECT_EQ(caches[i].sets.value, kN1[i].sets);
      EXPECT_EQ(caches[i].line.value, kN1[i].line);
      if (has_ways) {
        EXPECT_EQ(caches[i].ways.value, kN1[i].ways);
      }
    }
    // L2 shared by the CPUs of one cluster, L1 private.
    const unsigned per = vcpus / clusters, first = cpu / per * per;
    std::vector<unsigned> cluster;
    for (unsigned i = first; i < first + per; ++i) cluster.push_back(i);
    EXPECT_EQ(caches[2].shared_cpus.value, cluster);
    EXPECT_EQ(caches[0].shared_cpus.value, std::vector<unsigned>{cpu});
  }
}

TEST(Firmware, PpttParsesBackToTheProfile) {
  const GuestView v = view_of("neoverse-n1", "native");
  auto t = firmware::pptt(v, {4, 2});
  ASSERT_TRUE(t.ok()) << t.error().message;
  std::uint8_t sum = 0;
  for (std::uint8_t b : *t) sum = std::uint8_t(sum + b);
  EXPECT_EQ(sum, 0);
  EXPECT_EQ((*t)[8], 3);  // revision
  auto d = host::parse_pptt(*t);
  ASSERT_TRUE(d.ok()) << d.error().message;
  EXPECT_TRUE(d->warnings.empty()) << d->warnings[0];
  check_parsed(*d, true, 4, 2);
  // Cache ids: unique and non-zero.
  std::set<std::uint32_t> ids;
  for (const auto& cpu : d->cpus)
    for (const auto& c : cpu.caches) {
      ASSERT_TRUE(c.id.known());
      ids.insert(*c.id.value);
    }
  EXPECT_EQ(ids.size(), 4u * 2 + 2);  // private L1D+L1I per CPU, one L2 per cluster
  EXPECT_EQ(ids.count(0), 0u);
}

TEST(Firmware, DeviceTreeParsesBackToTheProfile) {
  const GuestView v = view_of("neoverse-n1", "native");
  auto blob = firmware::device_tree_blob(v, {4, 2});
  ASSERT_TRUE(blob.ok()) << blob.error().message;
  auto d = host::parse_dt_blob(*blob);
  ASSERT_TRUE(d.ok()) << d.error().message;
  check_parsed(*d, false, 4, 2);  // DT has no ways property
  EXPECT_EQ(*d->cpus[3].cluster_id.value, 1);
}

TEST(Firmware, LeavesMatchClidrTypes) {
  // 6.12 on N1: CLIDR 0x02000021 = L1 instruction only, L2 unified; every
  // CCSIDR 0x2 (64-byte lines, 1 way, 1 set). The tables must describe
  // exactly two leaves per CPU, of those types.
  const GuestView v = view_of("neoverse-n1", "6.12");
  auto d = host::parse_pptt(*firmware::pptt(v, {2, 1}));
  ASSERT_TRUE(d.ok());
  ASSERT_EQ(d->cpus[0].caches.size(), 2u);
  EXPECT_EQ(d->cpus[0].caches[0].type, cache::CacheKind::kInstruction);
  EXPECT_EQ(d->cpus[0].caches[1].type, cache::CacheKind::kUnified);
  EXPECT_EQ(d->cpus[0].caches[1].size.value, 64u);
  auto t = host::parse_dt_blob(*firmware::device_tree_blob(v, {2, 1}));
  ASSERT_TRUE(t.ok());
  ASSERT_EQ(t->cpus[1].caches.size(), 2u);
  EXPECT_EQ(t->cpus[1].caches[0].type, cache::CacheKind::kInstruction);
  auto desc = firmware::describe(v, {2, 1});
  ASSERT_TRUE(desc.ok());
  EXPECT_FALSE(desc->warnings.empty());  // fabricated values are called out
  EXPECT_FALSE(firmware::describe(v, {3, 2}).ok());  // clusters must be equal
}

TEST(Firmware, ThreeLevelsPrivateL2SharedL3) {
  // CLIDR 0x03000123: L1 separate, L2 and L3 unified, LoC 3. CCSIDR by hand:
  // 0x1fe01a = 4 ways x 256 sets x 64 B; 0x7fe03a = 8 ways x 1024 sets (512 KiB);
  // 0x1ffe07a = 16 ways x 4096 sets (4 MiB).
  GuestView v;
  v.clidr = reg::Clidr(0x03000123);
  v.ccsidr[0] = v.ccsidr[1] = 0x1fe01a;
  v.ccsidr[2] = 0x7fe03a;
  v.ccsidr[4] = 0x1ffe07a;
  for (int pass = 0; pass < 2; ++pass) {
    auto d = pass == 0 ? host::parse_pptt(*firmware::pptt(v, {4, 2}))
                       : host::parse_dt_blob(*firmware::device_tree_blob(v, {4, 2}));
    ASSERT_TRUE(d.ok());
    EXPECT_TRUE(d->warnings.empty()) << d->warnings[0];
    ASSERT_EQ(d->cpus.size(), 4u);
    for (unsigned cpu = 0; cpu < 4; ++cpu) {
      const auto& c = d->cpus[cpu].caches;
      ASSERT_EQ(c.size(), 4u) << pass;
      EXPECT_EQ(c[2].level, 2u);
      EXPECT_EQ(c[2].size.value, 512u * 1024);
      EXPECT_EQ(c[2].shared_cpus.value, std::vector<unsigned>{cpu});  // private L2
      EXPECT_EQ(c[3].level, 3u);
      EXPECT_EQ(c[3].size.value, 4u << 20);
      EXPECT_EQ(c[3].sets.value, 4096u);
      const std::vector<unsigned> cluster = cpu < 2 ? std::vector<unsigned>{0, 1} : std::vector<unsigned>{2, 3};
      EXPECT_EQ(c[3].shared_cpus.value, cluster);
      if (pass == 0) {
        EXPECT_EQ(c[3].ways.value, 16u);
      }
    }
  }
}

}  // namespace
}  // namespace armcache
