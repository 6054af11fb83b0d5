// sysfs discovery against lscpu -C --sysroot on every fixture (the fixtures
// are real kernels' sysfs, see tests/fixtures/make-*.sh).
#include <nlohmann/json.hpp>

#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "armcache/util/cpulist.h"
#include "armcache/host/discover.h"
#include "armcache/util/file.h"
#include "armcache/host/sysfs.h"
#include "armcache/registers/midr.h"
#include "host_test_util.h"

namespace armcache::host::test {
namespace {

using Json = nlohmann::json;

Json lscpu(const std::string& root) {
  int rc = 0;
  const std::string out = run("lscpu -C -B -J --sysroot " + root + " 2>/dev/null", &rc);
  if (rc != 0) return Json();
  return Json::parse(out)["caches"];
}

Json show_json(const std::string& root) {
  int rc = 0;
  const std::string out = run(std::string(ARMCACHE_CLI) + " show --json --sysfs-root " + root, &rc);
  EXPECT_EQ(rc, 0) << out;
  return Json::parse(out);
}

// lscpu prints one row per level and type with the first CPU's values; the
// kind holding cpu0 must agree with it on every row.
void expect_agrees_with_lscpu(const std::string& name) {
  SCOPED_TRACE(name);
  ARMCACHE_REQUIRE_ORACLE("lscpu", "util-linux");
  const std::string root = fixture(name);
  const Json rows = lscpu(root);
  ASSERT_TRUE(rows.is_array()) << "lscpu failed on " << root;
  ASSERT_FALSE(rows.empty());
  const Json show = show_json(root);
  const Json& kind0 = show["kinds"][0];
  auto cpus = parse_cpulist(kind0["cpus"].get<std::string>());
  ASSERT_TRUE(cpus.ok());
  ASSERT_EQ(cpus->front(), 0u);
  std::size_t matched = 0;
  for (const Json& row : rows) {
    const Json* mine = nullptr;
    for (const Json& c : kind0["caches"])
      if (c["level"] == row["level"] && c["type"] == row["type"]) mine = &c;
    ASSERT_NE(mine, nullptr) << row.dump();
    ++matched;
    const auto num = [](const Json& v) -> Json {  // lscpu prints sizes as strings with -B
      if (v.is_string()) return Json(std::stoull(v.get<std::string>()));
      return v;
    };
    EXPECT_EQ((*mine)["size_bytes"], num(row["one-size"])) << row.dump();
    EXPECT_EQ((*mine)["ways"], row["ways"]) << row.dump();
    EXPECT_EQ((*mine)["sets"], row["sets"]) << row.dump();
    EXPECT_EQ((*mine)["line_bytes"], row["coherency-size"]) << row.dump();
  }
  EXPECT_EQ(matched, rows.size());
}

TEST(HostSysfs, HomogeneousAgreesWithLscpu) { expect_agrees_with_lscpu("homogeneous"); }
TEST(HostSysfs, HeteroAgreesWithLscpu) { expect_agrees_with_lscpu("hetero"); }
TEST(HostSysfs, MissingAgreesWithLscpu) { expect_agrees_with_lscpu("missing"); }
TEST(HostSysfs, InconsistentAgreesWithLscpu) { expect_agrees_with_lscpu("inconsistent"); }

TEST(HostSysfs, LevelsOnlyAgreesWithLscpu) { expect_agrees_with_lscpu("levels-only"); }

// make-levels-only.sh: 6 x cortex-a53 on 6.12 with a DT that gives the
// hierarchy but no geometry; L2 shared by cpus 0-1 and by 2-3, private to 4
// and to 5. The kernel made only level, type and shared_cpu_* files.
TEST(HostSysfs, LevelsOnlyGivesKindsLevelsSharingAndOneNotePerKind) {
  const Json show = show_json(fixture("levels-only"));
  // Same MIDR and caches, different sharing: one kind (the registers are the same).
  ASSERT_EQ(show["kinds"].size(), 1u);
  const Json& k = show["kinds"][0];
  EXPECT_EQ(k["cpus"], "0-5");
  ASSERT_EQ(k["caches"].size(), 3u);
  const char* types[] = {"Data", "Instruction", "Unified"};
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(k["caches"][i]["type"], types[i]);
    EXPECT_EQ(k["caches"][i]["level"], i < 2 ? 1 : 2);
    EXPECT_TRUE(k["caches"][i]["size_bytes"].is_null());
  }
  EXPECT_EQ(k["caches"][0]["sharing"], Json::parse(R"(["0", "1", "2", "3", "4", "5"])"));
  EXPECT_EQ(k["caches"][2]["sharing"], Json::parse(R"(["0-1", "2-3", "4", "5"])"));
  // QEMU's cortex-a53 CLIDR_EL1 is 0x0a200023 (L1 I+D, L2 unified, LoC 2,
  // LoUU = LoUIS = 1): the levels alone give it.
  EXPECT_EQ(k["clidr"]["value"], "0xa200023");
  EXPECT_TRUE(k["ccsidr"].empty());
  ASSERT_TRUE(k["missing_geometry"].is_string());
  EXPECT_NE(k["missing_geometry"].get<std::string>().find("for L1d, L1i, L2"), std::string::npos);
  // Said once: no per-file or per-cache warnings about the missing geometry.
  std::size_t notes = 0;
  for (const auto& w : show["warnings"]) {
    const std::string s = w;
    EXPECT_EQ(s.find(" missing"), std::string::npos) << s;
    EXPECT_EQ(s.find("heterogeneous"), std::string::npos) << s;
    notes += s.find("no cache geometry") != std::string::npos;
  }
  EXPECT_EQ(notes, 1u);
  // capture keeps the sharing groups and the note.
  int rc = 0;
  const Json cap = Json::parse(run(std::string(ARMCACHE_CLI) + " capture --sysfs-root " + fixture("levels-only"), &rc));
  ASSERT_EQ(rc, 0);
  EXPECT_EQ(cap["host"]["kinds"][0]["caches"][2]["sharing"], Json::parse(R"(["0-1", "2-3", "4", "5"])"));
  EXPECT_EQ(cap["host"]["kinds"][0]["missing_geometry"], k["missing_geometry"]);
  EXPECT_EQ(cap["host"]["kinds"][0]["clidr"]["value"], "0xa200023");
}

TEST(HostSysfs, LevelsOnlyTextNamesTheCoreAndTheGuestClidrs) {
  int rc = 0;
  // CTR_EL0 of QEMU's cortex-a53: 0x84448004 (IDC 0, DIC 0): KVM 6.3+
  // fabricates 0x09200003; an override with the sysfs levels (L1 I+D, L2
  // unified, LoC 2) keeping KVM's LoUU = LoUIS = 1 gives 0x0a200023.
  const std::string out = run(std::string(ARMCACHE_CLI) + " show --ctr 0x84448004 --sysfs-root " + fixture("levels-only"), &rc);
  ASSERT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("MIDR 0x410fd034 (ARM Cortex-A53 r0p4)"), std::string::npos) << out;
  EXPECT_NE(out.find("Guest CLIDR_EL1 on KVM 6.3+: 0x9200003"), std::string::npos) << out;
  EXPECT_NE(out.find("Firecracker kind: 0xa200023"), std::string::npos) << out;
  EXPECT_NE(out.find("Sharing: L2 by 0-1 | 2-3 | 4 | 5"), std::string::npos) << out;
  run(std::string(ARMCACHE_CLI) + " show --ctr zz --sysfs-root " + fixture("levels-only") + " 2>/dev/null", &rc);
  EXPECT_EQ(rc, 2);
}

TEST(HostSysfs, HeteroShowsTwoKinds) {
  auto s = read_sysfs(fixture("hetero"));
  ASSERT_TRUE(s.ok()) << s.error().message;
  const HostReport r = analyze({*s}, std::nullopt);
  ASSERT_EQ(r.kinds.size(), 2u);
  EXPECT_EQ(format_cpulist(r.kinds[0].group.cpus), "0-3");
  EXPECT_EQ(format_cpulist(r.kinds[1].group.cpus), "4-7");
  // Cluster 1 as make-hetero.sh describes it: 64K L1s with 256 sets of 64 B
  // (4 ways), 512K L2 with 1024 sets (8 ways), 2M L3 with 2048 sets (16 ways)
  // shared by cpus 4-7.
  const auto& c = r.kinds[1].group.caches;
  ASSERT_EQ(c.size(), 4u);
  EXPECT_EQ(*c[0].size.value, 64u * 1024);
  EXPECT_EQ(*c[0].ways.value, 4u);
  EXPECT_EQ(*c[2].size.value, 512u * 1024);
  EXPECT_EQ(*c[2].ways.value, 8u);
  EXPECT_EQ(c[3].level, 3u);
  EXPECT_EQ(*c[3].size.value, 2u << 20);
  EXPECT_EQ(format_cpulist(*c[3].shared_cpus.value), "4-7");
  EXPECT_EQ(*r.merged.cpus[5].cluster_id.value, 1);
}

TEST(HostSysfs, HomogeneousSynthesisMatchesQemuA72GroundTruth) {
  // docs/kvm-testbed.md, QEMU cortex-a72: CLIDR 0x0a200023, L1D CCSIDR
  // 0x701fe00a, L1I 0x201fe012 (bits [31:28] are UNKNOWN and left 0 here).
  // The fixture's L1 geometry is the A72's, so these must match.
  auto s = read_sysfs(fixture("homogeneous"));
  ASSERT_TRUE(s.ok());
  const HostReport r = analyze({*s}, std::nullopt);
  ASSERT_EQ(r.kinds.size(), 1u);
  EXPECT_EQ(r.kinds[0].synth.clidr.raw(), 0x0a200023u);
  EXPECT_EQ(r.kinds[0].synth.ccsidr.at(0), 0x701fe00aull & 0x0fffffff);
  EXPECT_EQ(r.kinds[0].synth.ccsidr.at(1), 0x201fe012ull & 0x0fffffff);
  // L2: 2M, 16 ways, 2048 sets, 64 B: (2048-1)<<13 | (16-1)<<3 | (log2(64)-4).
  EXPECT_EQ(r.kinds[0].synth.ccsidr.at(2), (2047ull << 13) | (15u << 3) | 2u);
  EXPECT_FALSE(r.kinds[0].synth.ccidx);
}

TEST(HostSysfs, MissingFilesWarnAndStayOneKind) {
  auto s = read_sysfs(fixture("missing"));
  ASSERT_TRUE(s.ok());
  const HostReport r = analyze({*s}, std::nullopt);
  // make-missing.sh removed cpu2's L1i size and cpu3's regs: unknowns, not differences.
  EXPECT_EQ(r.kinds.size(), 1u);
  EXPECT_TRUE(has_warning(r, "cpu2: cache/index1/size missing"));
  EXPECT_TRUE(has_warning(r, "cpu3: regs/identification/midr_el1 missing"));
  EXPECT_TRUE(has_warning(r, "number_of_sets missing"));
  EXPECT_EQ(r.kinds[0].synth.ccsidr.count(2), 0u);  // L2 without sets has no CCSIDR
}

TEST(HostSysfs, InconsistentGeometryWarns) {
  auto s = read_sysfs(fixture("inconsistent"));
  ASSERT_TRUE(s.ok());
  const HostReport r = analyze({*s}, std::nullopt);
  // make-inconsistent.sh: L3 3000K with 2048 sets x 64 B: 23 ways by integer
  // division, 23 * 2048 * 64 = 3014656 != 3072000.
  EXPECT_TRUE(has_warning(r, "size 3072000 != 23 ways x 2048 sets x 64 bytes = 3014656"));
  EXPECT_TRUE(has_warning(r, "1 set(s)"));
}

TEST(HostSysfs, MissingRootIsOneLineError) {
  auto s = read_sysfs("/nonexistent-armcache-root");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().message.find('\n'), std::string::npos);
  int rc = 0;
  run(std::string(ARMCACHE_CLI) + " show --sysfs-root /nonexistent-armcache-root 2>/dev/null", &rc);
  EXPECT_EQ(rc, 2);
}

std::size_t open_fds() {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator("/proc/self/fd")) ++n;
  return n;
}

// Every reader path, good and bad, gives back the descriptors it opened.
TEST(HostSysfs, ReadersCloseEveryFd) {
  const std::size_t before = open_fds();
  for (const char* name : {"homogeneous", "hetero", "missing", "inconsistent"}) EXPECT_TRUE(read_sysfs(fixture(name)).ok());
  EXPECT_FALSE(read_sysfs("/nonexistent-armcache-root").ok());
  const std::string level = fixture("homogeneous") + "/sys/devices/system/cpu/cpu0/cache/index0/level";
  EXPECT_TRUE(read_file(level, 64).ok());
  EXPECT_FALSE(read_file(level, 0).ok());  // larger than the limit
  EXPECT_FALSE(read_file("/nonexistent-armcache-file", 64).ok());
  EXPECT_FALSE(read_file(fixture("homogeneous"), 64).ok());  // a directory: read() fails
  EXPECT_EQ(open_fds(), before);
}

TEST(HostSysfs, CpulistRoundTrip) {
  auto l = parse_cpulist("0-3,8,10-11\n");
  ASSERT_TRUE(l.ok());
  EXPECT_EQ(format_cpulist(*l), "0-3,8,10-11");
  EXPECT_FALSE(parse_cpulist("3-1").ok());
  EXPECT_FALSE(parse_cpulist("0-4294967295").ok());
  EXPECT_FALSE(parse_cpulist("a").ok());
  // Each bound must be a whole number that fits: the item or range is named.
  EXPECT_EQ(parse_cpulist("1,,2").error().message, "bad cpulist item ''");
  EXPECT_EQ(parse_cpulist("4294967296").error().message, "bad cpulist item '4294967296'");
  EXPECT_EQ(parse_cpulist("2-").error().message, "bad cpulist range '2-'");
  EXPECT_EQ(parse_cpulist("-2").error().message, "bad cpulist range '-2'");
  EXPECT_EQ(parse_cpulist("1-2x").error().message, "bad cpulist range '1-2x'");
  EXPECT_EQ(format_cpulist(*parse_cpulist("5-5")), "5");
}

TEST(HostCapture, ProfileHasKindsCachesAndConfidence) {
  int rc = 0;
  const std::string out = run(std::string(ARMCACHE_CLI) + " capture --sysfs-root " + fixture("hetero"), &rc);
  ASSERT_EQ(rc, 0);
  const Json j = Json::parse(out);
  ASSERT_EQ(j["host"]["kinds"].size(), 2u);
  EXPECT_EQ(j["host"]["kinds"][1]["cpus"], "4-7");
  EXPECT_EQ(j["host"]["kinds"][1]["caches"].size(), 4u);
  EXPECT_TRUE(j["host"]["kinds"][0]["confidence"].contains("LoC"));
}

// MIDR names against the installed lscpu (an oracle that shares no code with
// armcache): a root holding only proc/cpuinfo with one CPU of each part. The
// table was generated from a newer lscpu (src/registers/gen-midr-names.py);
// Debian 12's 2.38 does not know the newest parts ("-") and spells four older
// ones differently, listed here; implementers it does not know print as hex.
TEST(MidrNames, SpelledAsLscpuPrintsThem) {
  ASSERT_TRUE(have("lscpu")) << "lscpu (util-linux) is the oracle of this test";
  const std::map<std::pair<unsigned, unsigned>, std::string> renamed = {
      {{0x41, 0xb36}, "ARM1136"}, {{0x41, 0xb56}, "ARM1156"}, {{0x41, 0xb76}, "ARM1176"},
      {{0x48, 0xd01}, "Kunpeng-920"}};
  const std::string root = temp_dir();
  std::filesystem::create_directories(root + "/proc");
  std::filesystem::create_directories(root + "/sys/devices/system/cpu");
  for (const char* f : {"online", "possible", "present"}) std::ofstream(root + "/sys/devices/system/cpu/" + f) << "0\n";
  std::size_t same = 0, unknown = 0;
  for (const auto& p : reg::part_names()) {
    std::ofstream(root + "/proc/cpuinfo") << fmt::format(
        "processor\t: 0\nBogoMIPS\t: 50.00\nFeatures\t: fp\nCPU implementer\t: {:#x}\nCPU architecture: 8\n"
        "CPU variant\t: 0x1\nCPU part\t: {:#x}\nCPU revision\t: 2\n\n",
        p.implementer, p.part);
    int rc = 0;
    const std::string out = run("lscpu --sysroot " + root, &rc);
    ASSERT_EQ(rc, 0) << out;
    auto line = [&](const std::string& key) {
      const auto at = out.find(key + ":");
      if (at == std::string::npos) return std::string();
      const auto end = out.find('\n', at);
      std::string v = out.substr(at + key.size() + 1, end - at - key.size() - 1);
      return v.substr(v.find_first_not_of(' '));
    };
    const std::string vendor = line("Vendor ID"), model = line("Model name");
    if (vendor == fmt::format("{:#x}", p.implementer)) {  // an implementer this lscpu does not know (0x6d in 2.38)
      ++unknown;
      continue;
    }
    EXPECT_EQ(vendor, reg::implementer_name(p.implementer)) << fmt::format("{:#x}", p.implementer);
    if (model == "-") {
      ++unknown;
      continue;
    }
    auto r = renamed.find({p.implementer, p.part});
    EXPECT_EQ(model, r != renamed.end() ? r->second : std::string(p.name))
        << fmt::format("{:#x} {:#x}", p.implementer, p.part);
    same += r == renamed.end() && model == p.name;
  }
  std::filesystem::remove_all(root);
  // lscpu 2.38 names 140 of the table's parts; newer ones name more.
  EXPECT_GE(same, 140u) << unknown << " unknown to this lscpu";
}

}  // namespace
}  // namespace armcache::host::test
