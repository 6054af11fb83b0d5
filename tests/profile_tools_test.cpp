// Issue 7 library parts: diff, baseline, Firecracker interop, firmware
// tables. Expected values come from FACTS.md (the QEMU models' registers,
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
#include "armcache/profile/diff.h"
#include "armcache/profile/firecracker.h"

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
    EXPECT_EQ(m.enable_native(0, {}, host.kinds[0]), 0);
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
  // FACTS.md 5: N1 CLIDR 0x82000023 on 6.1, 0x02000021 on 6.12; CTR 0x8444c004 -> 0x9444c004 (IDC).
  const auto* clidr = find("CLIDR_EL1", profile::DiffScope::kGuest);
  ASSERT_NE(clidr, nullptr);
  EXPECT_EQ(clidr->a, "0x82000023");
  EXPECT_EQ(clidr->b, "0x2000021");
  EXPECT_NE(clidr->text.find("Ctype1 3"), std::string::npos) << clidr->text;
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
  // FACTS.md 5: the two differ only in L2: 0x707fe07a (1024 sets) vs 0x703fe03a (512 sets, 8 ways).
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
  auto b = profile::firecracker::parse_bitmap("0b" + std::string(30, '0') + "x1", 32);
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->value, 1u);
  EXPECT_EQ(b->mask, 0xfffffffdu);
  EXPECT_FALSE(profile::firecracker::parse_bitmap("0b101", 32).ok());
  EXPECT_FALSE(profile::firecracker::parse_bitmap(std::string(32, '2'), 32).ok());
  EXPECT_EQ(profile::firecracker::format_bitmap(0x82000023, 64), "0b" + std::bitset<64>(0x82000023).to_string());
}

TEST(Firecracker, FingerprintFlagsTruncatedCcidx) {
  // N2 on 6.1 (FACTS.md 5): MMFR2.CCIDX = 1 and DEMUX 0x1a / 0x1a / 0x3a, the
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
  auto r = profile::firecracker::import_template(R"({"reg_modifiers": [{"addr": "0x603000000013c801", "bitmap": "0b1"}]})",
                                                 "t.json");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("t.json: reg_modifiers[0].bitmap"), std::string::npos) << r.error().message;
}

// ---- firmware ----

struct Expect {
  unsigned level;
  host::CacheType type;
  std::uint64_t size;
  std::uint32_t ways, sets, line;
};

// N1 native view = the hardware (FACTS.md 5): L1D 0x701fe01a and L1I 0x201fe01a
// = 4 ways x 256 sets x 64 B (64 KiB); L2 0x70ffe03a = 8 ways x 2048 sets x 64 B (1 MiB).
const Expect kN1[] = {{1, host::CacheType::kData, 65536, 4, 256, 64},
                      {1, host::CacheType::kInstruction, 65536, 4, 256, 64},
                      {2, host::CacheType::kUnified, 1048576, 8, 2048, 64}};

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
  EXPECT_EQ(d->cpus[0].caches[0].type, host::CacheType::kInstruction);
  EXPECT_EQ(d->cpus[0].caches[1].type, host::CacheType::kUnified);
  EXPECT_EQ(d->cpus[0].caches[1].size.value, 64u);
  auto t = host::parse_dt_blob(*firmware::device_tree_blob(v, {2, 1}));
  ASSERT_TRUE(t.ok());
  ASSERT_EQ(t->cpus[1].caches.size(), 2u);
  EXPECT_EQ(t->cpus[1].caches[0].type, host::CacheType::kInstruction);
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
