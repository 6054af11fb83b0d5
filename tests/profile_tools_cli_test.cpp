// The profile commands, run as build/armcache: diff, baseline, import/export,
// firmware (checked with dtc and iasl), plan with a captured host, and the
// one-line error for a malformed profile in every command.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>

#include "run.h"

namespace armcache {
namespace {

using fixtures::CliResult;
using fixtures::run_cli;
using nlohmann::json;

class Tmp {
 public:
  Tmp() {
    char dir[] = "/tmp/armcache-p7-XXXXXX";
    dir_ = mkdtemp(dir);
  }
  ~Tmp() { std::system(("rm -rf " + dir_).c_str()); }
  std::string path(const std::string& name) const { return dir_ + "/" + name; }
  std::string write(const std::string& name, const std::string& text) const {
    std::ofstream(path(name)) << text;
    return path(name);
  }

 private:
  std::string dir_;
};

std::string data(const std::string& rel) { return std::string(ARMCACHE_DATA) + "/" + rel; }

std::string view(const Tmp& t, const std::string& name, const std::string& kernel, const std::string& model) {
  const CliResult r = run_cli({"kernel-view", "--kernel", kernel, "--qemu-model", model, "--json"});
  EXPECT_EQ(r.status, 0) << r.err;
  return t.write(name, r.out);
}

int sh(const std::string& cmd) { return std::system(cmd.c_str()); }

TEST(CliDiff, DefaultViews61And612ListEveryChangedRegister) {
  Tmp t;
  const std::string a = view(t, "61.json", "6.1", "neoverse-n1"), b = view(t, "612.json", "6.12", "neoverse-n1");
  CliResult r = run_cli({"diff", a, b});
  EXPECT_EQ(r.status, 1) << r.err;
  EXPECT_NE(r.out.find("L2: 8 ways x 2048 sets -> 1 way x 1 set (fabricated)"), std::string::npos) << r.out;
  r = run_cli({"diff", a, b, "--json"});
  const json j = json::parse(r.out);
  EXPECT_EQ(j["identical"], false);
  std::set<std::string> items;
  for (const auto& d : j["differences"]) items.insert(d["item"].get<std::string>());
  // docs/kvm-testbed.md: CLIDR, CTR_EL0, every cache; DEMUX ids 0-2 -> 0-13.
  for (const char* want : {"CLIDR_EL1", "CTR_EL0", "L1D", "L1I", "L2", "DEMUX ids"})
    EXPECT_TRUE(items.count(want)) << want;
  EXPECT_EQ(run_cli({"diff", a, a}).status, 0);
}

// The bitmap of `addr` in a Firecracker fingerprint set to `value` (as many
// binary digits as the file already has).
void set_fingerprint_reg(json& fp, const std::string& addr, std::uint64_t value) {
  for (auto& r : fp["guest_cpu_config"]["reg_modifiers"])
    if (r["addr"] == addr) {
      const std::size_t width = r["bitmap"].get<std::string>().size() - 2;
      std::string bits(width, '0');
      for (std::size_t i = 0; i < width && i < 64; ++i)
        if (value >> i & 1) bits[width - 1 - i] = '1';
      r["bitmap"] = "0b" + bits;
      return;
    }
  ADD_FAILURE() << addr << " is not in the fingerprint";
}

TEST(CliDiff, CaptureToProfileIsIdentical) {
  // A Firecracker fingerprint of N1 on 6.12 (values from docs/kvm-testbed.md) is the
  // same guest identity as the kernel model's 6.12 view.
  Tmp t;
  const std::string fp = t.path("fp.json");
  ASSERT_EQ(run_cli({"import", "firecracker-fingerprint", data("firecracker/fingerprint-n1-612.json"), "-o", fp}).status, 0);
  // What tests/data/firecracker/fingerprint-n1-612.json holds, its bitmaps read by hand
  // (ids: sysreg = 0x6030000000130000 | Op0 << 14 | Op1 << 11 | CRn << 7 | CRm << 3 | Op2,
  // DEMUX CCSIDR = 0x6020000000110000 | selector):
  //   0x603000000013c000 MIDR_EL1 (3,0,0,0,0)  0b0100'0001'0100'1111'1101'0000'1100'0001 = 0x414fd0c1
  //   0x603000000013c03a MMFR2    (3,0,0,7,2)  0b1'0000'0001'0001 = 0x1011 (CCIDX [23:20] = 0)
  //   0x603000000013c801 CLIDR    (3,1,0,0,1)  0b10'0000'0000'0000'0000'0010'0001 = 0x2000021
  //   0x603000000013d801 CTR_EL0  (3,3,0,0,1)  0b1001'0100'0100'0100'1100'0000'0000'0100 = 0x9444c004
  //   DEMUX 0 to 13                            0b10 = 0x2 each
  // and kernel_version 6.12.48+deb13-cloud-arm64, firecracker_version 1.10.1.
  const json p = json::parse(fixtures::slurp(fp));
  EXPECT_EQ(p["kernel"], "6.12.48+deb13-cloud-arm64");
  EXPECT_EQ(p["generation"], "6.10-6.15");
  EXPECT_EQ(p["provenance"]["firecracker_version"], "1.10.1");
  EXPECT_EQ(p["provenance"]["midr"], "0x414fd0c1");
  EXPECT_EQ(p["provenance"]["registers"], 18);  // 4 system registers, 14 DEMUX
  EXPECT_EQ(p["guest"]["clidr"], "0x2000021");
  EXPECT_EQ(p["guest"]["clidr_reg"], "0x2000021");
  EXPECT_EQ(p["guest"]["ctr_el0"], "0x9444c004");
  EXPECT_EQ(p["guest"]["ctr_reg"], "0x9444c004");
  EXPECT_EQ(p["guest"]["mmfr2_ccidx"], 0);
  json demux = json::object(), ids = json::array();
  for (int i = 0; i < 14; ++i) {
    demux[std::to_string(i)] = "0x2";
    ids.push_back(i);
    EXPECT_EQ(p["guest"]["ccsidr"][std::to_string(i)], "0x2") << "CSSELR " << i;
  }
  EXPECT_EQ(p["guest"]["demux"], demux);
  EXPECT_EQ(p["demux_ids"], ids);
  EXPECT_EQ(p["kvm_registers"]["0x603000000013c000"], "0x414fd0c1");
  EXPECT_EQ(p["kvm_registers"]["0x603000000013c03a"], "0x1011");
  EXPECT_EQ(p["kvm_registers"]["0x603000000013c801"], "0x2000021");
  EXPECT_EQ(p["kvm_registers"]["0x603000000013d801"], "0x9444c004");

  const std::string model = view(t, "612.json", "6.12", "neoverse-n1");
  CliResult r = run_cli({"diff", fp, model});
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find(": identical"), std::string::npos) << r.out;
  r = run_cli({"diff", fp, model, "--json"});
  EXPECT_EQ(r.status, 0) << r.out;
  json j = json::parse(r.out);
  EXPECT_EQ(j["identical"], true);
  EXPECT_EQ(j["differences"], json::array());

  // The same file with one register changed: DEMUX 2 (L2) = 0x70ffe03a, the N1's real L2
  // (LineSize 2: 64-byte lines; Associativity [12:3] 7: 8 ways; NumSets [27:13] 2047: 2048
  // sets; (2047 << 13) | (7 << 3) | 2 = 0xffe03a, WA/RA/WB 0x70000000).
  json changed = json::parse(fixtures::slurp(data("firecracker/fingerprint-n1-612.json")));
  set_fingerprint_reg(changed, "0x6020000000110002", 0x70ffe03a);
  const std::string fp2 = t.path("fp2.json");
  ASSERT_EQ(run_cli({"import", "firecracker-fingerprint", t.write("fc2.json", changed.dump()), "-o", fp2}).status, 0);
  EXPECT_EQ(json::parse(fixtures::slurp(fp2))["guest"]["demux"]["2"], "0x70ffe03a");
  r = run_cli({"diff", fp2, model, "--json"});
  EXPECT_EQ(r.status, 1) << r.out;
  j = json::parse(r.out);
  EXPECT_EQ(j["identical"], false);
  EXPECT_NE(j["fingerprint"]["a"], j["fingerprint"]["b"]);
  std::map<std::string, json> diffs;
  for (const auto& d : j["differences"]) diffs[d["scope"].get<std::string>() + " " + d["item"].get<std::string>()] = d;
  ASSERT_EQ(diffs.size(), 2u) << r.out;  // what the guest reads, and ONE_REG
  for (const char* item : {"guest L2", "kvm DEMUX CCSIDR[2]"}) {
    ASSERT_TRUE(diffs.count(item)) << item << "\n" << r.out;
    EXPECT_EQ(diffs[item]["a"], "0x70ffe03a") << item;
    EXPECT_EQ(diffs[item]["b"], "0x2") << item;
  }
  EXPECT_EQ(diffs["guest L2"]["text"], "L2: 8 ways x 2048 sets -> 1 way x 1 set (fabricated)");
}

TEST(CliInterop, ExportImportKeepsFingerprintAndFlagsTruncation) {
  Tmp t;
  const std::string a = view(t, "61.json", "6.1", "neoverse-n1");
  const std::string tmpl = t.path("t.json"), back = t.path("back.json");
  ASSERT_EQ(run_cli({"export", "firecracker-template", a, "-o", tmpl}).status, 0);
  ASSERT_EQ(run_cli({"import", "firecracker-template", tmpl, "-o", back}).status, 0);
  EXPECT_EQ(json::parse(fixtures::slurp(a))["fingerprint"], json::parse(fixtures::slurp(back))["fingerprint"]);
  const CliResult r = run_cli({"import", "firecracker-fingerprint", data("firecracker/fingerprint-n2-61.json")});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.err.find("truncated FEAT_CCIDX"), std::string::npos);
  EXPECT_EQ(json::parse(r.out)["provenance"]["truncated_ccidx"], json::parse("[0,1,2]"));
  // The N2 6.1 view cannot be a template (64-bit CCSIDR): one line, exit 2.
  const std::string n2 = view(t, "n2.json", "6.1", "neoverse-n2");
  const CliResult e = run_cli({"export", "firecracker-template", n2});
  EXPECT_EQ(e.status, 2);
  EXPECT_NE(e.err.find(n2), std::string::npos);
}

// Fingerprints in Firecracker's own layout (tests/data/firecracker/make-fingerprints.py):
// N1 on a 6.1 host (the hardware's CLIDR 0x82000023) and on a 6.18 host under
// Firecracker's sysfs override (0x03000123: L3 from sysfs, LoC 3, ICB 0).
TEST(CliInterop, RealFingerprints61Against618) {
  Tmp t;
  const std::string a = t.path("a.json"), b = t.path("b.json");
  CliResult r = run_cli({"import", "firecracker-fingerprint", data("firecracker/fingerprint-n1-6.1.json"), "-o", a});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("CLIDR_EL1 0x82000023: the hardware's"), std::string::npos) << r.out;
  r = run_cli({"import", "firecracker-fingerprint", data("firecracker/fingerprint-n1-6.18.json"), "-o", b});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("CLIDR_EL1 0x3000123: a sysfs-derived override of the Firecracker kind"), std::string::npos)
      << r.out;
  r = run_cli({"diff", a, b});
  EXPECT_EQ(r.status, 1) << r.err;
  for (const std::string& want : {
           // 0x82000023: Ctype1 3, Ctype2 4, LoC 2, ICB 2; 0x03000123: Ctype3 4, LoC 3, ICB 0.
           std::string("CLIDR_EL1: 0x82000023 -> 0x3000123: adds L3 (Unified); LoC 2 -> 3; ICB 2 -> 0"),
           std::string("CLIDR_EL1 of A (0x82000023): the hardware's"),
           std::string("CLIDR_EL1 of B (0x3000123): a sysfs-derived override of the Firecracker kind"),
           // KVM 6.3+ fabricates 0x02000021 for CTR_EL0 IDC 1, DIC 0.
           std::string("as KVM 6.3+ fabricates them for CTR_EL0 0x9444c004 (IDC 1, DIC 0): 0x2000021"),
           // The hardware's CLIDR is known from A, a pre-6.3 view of the same part.
           "against the hardware's (0x82000023, from " + a + ", a pre-6.3 view of the same MIDR part): adds L3",
           // L2 0x70ffe03a: 8 ways x 2048 sets; 6.18 reads 0x2.
           std::string("L2: 8 ways x 2048 sets -> 1 way x 1 set (fabricated)"),
           std::string("DEMUX CCSIDR ids KVM lists: 0,1,2 -> 0,1,2,3,4,5,6,7,8,9,10,11,12,13"),
           // 6.18 lists DEMUX 3-13 and six system registers 6.1 does not.
           std::string("KVM register list: 17 ids listed only by B"),
           std::string("ID_AA64DFR0_EL1: 0x10305106 -> 0x10305408"),
       })
    EXPECT_NE(r.out.find(want), std::string::npos) << want << "\n" << r.out;
  // A template exported from the 6.18 view imports back to the same fingerprint.
  const std::string tmpl = t.path("t.json"), back = t.path("back.json");
  ASSERT_EQ(run_cli({"export", "firecracker-template", b, "-o", tmpl}).status, 0);
  ASSERT_EQ(run_cli({"import", "firecracker-template", tmpl, "-o", back}).status, 0);
  EXPECT_EQ(json::parse(fixtures::slurp(b))["fingerprint"], json::parse(fixtures::slurp(back))["fingerprint"]);
}

TEST(CliInterop, CcidxHostFingerprintsFlagTruncationAndCcidxChange) {
  Tmp t;
  const std::string a = t.path("v1-61.json"), b = t.path("v1-618.json");
  CliResult r = run_cli({"import", "firecracker-fingerprint", data("firecracker/fingerprint-v1-6.1.json"), "-o", a});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.err.find("CCSIDR_EL1[2] = 0x3a is a truncated FEAT_CCIDX value"), std::string::npos) << r.err;
  ASSERT_EQ(run_cli({"import", "firecracker-fingerprint", data("firecracker/fingerprint-v1-6.18.json"), "-o", b}).status, 0);
  r = run_cli({"diff", a, b, "--json"});
  EXPECT_EQ(r.status, 1) << r.err;
  const json j = json::parse(r.out);
  std::map<std::string, std::string> text;
  for (const auto& d : j["differences"]) text[d["item"]] = d["text"];
  EXPECT_EQ(text["ID_AA64MMFR2_EL1.CCIDX"], "ID_AA64MMFR2_EL1.CCIDX: 1 -> 0 (64-bit -> 32-bit CCSIDR format)");
  // 0x1a read in the 64-bit format: 4 ways, 1 set (its NumSets half is lost).
  EXPECT_EQ(text["L1D"], "L1D: 4 ways x 1 set (truncated CCIDX value) -> 1 way x 1 set (fabricated)");
  EXPECT_EQ(j["clidr_origin"]["a"]["origin"], "hardware");
  EXPECT_EQ(j["clidr_origin"]["b"]["origin"], "sysfs-override");
}

TEST(CliBaseline, LeftOutHostsAndPlanFromTheBaseline) {
  Tmp t;
  const std::string n1 = view(t, "n1.json", "6.1", "neoverse-n1"), n1b = view(t, "n1b.json", "6.1", "neoverse-n1");
  const std::string a57 = view(t, "a57.json", "6.1", "cortex-a57");
  const std::string out = t.path("base.json");
  CliResult r = run_cli({"baseline", n1, a57, n1b, "--json", "-o", out});
  EXPECT_EQ(r.status, 1) << r.err;
  const json j = json::parse(r.out);
  EXPECT_EQ(j["included"], json::array({n1, n1b}));
  ASSERT_EQ(j["left_out"].size(), 1u);
  EXPECT_EQ(j["left_out"][0]["file"], a57);
  EXPECT_EQ(j["baseline"]["guest"]["clidr"], "0x82000023");
  r = run_cli({"plan", "--from", out, "--to-qemu-model", "neoverse-n1", "--kernel", "6.1"});
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_EQ(run_cli({"baseline", n1, n1b}).status, 0);
}

TEST(CliPlan, HostOnlyCaptureWorksWithTo) {
  Tmp t;
  const std::string from = view(t, "61.json", "6.1", "neoverse-n1");
  // A capture on a live N1 host (host only, with CTR_EL0).
  CliResult r = run_cli({"plan", "--from", from, "--to", data("hosts/n1-capture.json"), "--kernel", "6.12", "--json"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(json::parse(r.out)["verdict"], "restorable");
  // `armcache capture` from a sysfs tree: no CTR_EL0 off an arm64 host ...
  const std::string cap = t.path("cap.json");
  ASSERT_EQ(run_cli({"capture", "--sysfs-root", std::string(ARMCACHE_FIXTURES) + "/homogeneous", "-o", cap}).status, 0);
  r = run_cli({"plan", "--from", from, "--to", cap, "--kernel", "6.12"});
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("CTR_EL0"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(cap), std::string::npos) << r.err;
  // ... and with the CTR_EL0 a live capture adds, it plans.
  json j = json::parse(fixtures::slurp(cap));
  for (auto& k : j["host"]["kinds"]) k["ctr_el0"] = "0x8444c004";
  const std::string cap2 = t.write("cap2.json", j.dump());
  r = run_cli({"plan", "--from", from, "--to", cap2, "--kernel", "6.12", "--json"});
  EXPECT_NE(r.status, 2) << r.err;
  EXPECT_TRUE(json::parse(r.out).contains("verdict"));
}

// A capture from a copied sysfs tree has no CTR_EL0; --ctr supplies it to
// kernel-view and plan, for the kinds that lack one only.
TEST(CliKernelView, OffHostCaptureTakesCtrOption) {
  Tmp t;
  const std::string cap = t.path("cap.json");
  ASSERT_EQ(run_cli({"capture", "--sysfs-root", std::string(ARMCACHE_FIXTURES) + "/homogeneous", "-o", cap}).status, 0);
  const json captured = json::parse(fixtures::slurp(cap));
  CliResult r = run_cli({"kernel-view", "--host", cap, "--kernel", "6.1"});
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("--ctr"), std::string::npos) << r.err;
  EXPECT_TRUE(r.out.empty());

  r = run_cli({"kernel-view", "--host", cap, "--kernel", "6.1", "--ctr", "0x8444c004", "--json"});
  ASSERT_EQ(r.status, 0) << r.err;
  const json v61 = json::parse(r.out);
  EXPECT_EQ(v61["guest"]["ctr_el0"], "0x8444c004");
  EXPECT_EQ(v61["guest"]["clidr"], captured["host"]["kinds"][0]["clidr"]["value"]);
  for (const auto& [sel, value] : captured["host"]["kinds"][0]["ccsidr"].items())
    EXPECT_EQ(v61["guest"]["ccsidr"][sel], value) << "CSSELR " << sel;
  EXPECT_EQ(v61["host"]["kinds"][0]["ctr_el0"], "0x8444c004");  // recorded with the view

  // The 6.1 view of that host restores on 6.12 on the same host.
  const std::string from = t.write("61.json", r.out);
  r = run_cli({"plan", "--from", from, "--to", cap, "--ctr", "0x8444c004", "--kernel", "6.12", "--json"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(json::parse(r.out)["verdict"], "restorable");

  // A CTR_EL0 the file has wins; a malformed or reserved-bit value is bad input.
  r = run_cli({"kernel-view", "--host", data("hosts/n1-capture.json"), "--kernel", "6.1", "--ctr", "0x9444c004",
               "--json"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(json::parse(r.out)["guest"]["ctr_el0"], "0x8444c004");
  for (const char* bad : {"0x1", "zz", "0x10000000000000000"}) {
    r = run_cli({"kernel-view", "--host", cap, "--kernel", "6.1", "--ctr", bad});
    EXPECT_EQ(r.status, 2) << bad;
    EXPECT_EQ(r.err.find('\n'), r.err.size() - 1) << r.err;
  }
}

TEST(CliFirmware, DtcAndIaslAcceptTheTables) {
  Tmp t;
  const std::string v = view(t, "nat.json", "native", "neoverse-n1");
  const std::string dts = t.path("fw.dts"), dtb = t.path("fw.dtb"), pptt = t.path("pptt.bin");
  const CliResult r =
      run_cli({"firmware", v, "--vcpus", "4", "--clusters", "2", "--dts", dts, "--dtb", dtb, "--pptt", pptt});
  ASSERT_EQ(r.status, 0) << r.err;
  // dtc compiles our source; both blobs decompile to the same tree.
  ASSERT_EQ(sh("dtc -q -I dts -O dtb -o " + t.path("dtc.dtb") + " " + dts), 0);
  ASSERT_EQ(sh("dtc -q -I dtb -O dts -o " + t.path("a.dts") + " " + dtb), 0);
  ASSERT_EQ(sh("dtc -q -I dtb -O dts -o " + t.path("b.dts") + " " + t.path("dtc.dtb")), 0);
  EXPECT_EQ(fixtures::slurp(t.path("a.dts")), fixtures::slurp(t.path("b.dts")));
  const std::string dec = fixtures::slurp(t.path("a.dts"));
  EXPECT_NE(dec.find("cache-sets = <0x800>"), std::string::npos);  // L2: 2048 sets
  // iasl disassembles the PPTT without complaint: 10 cache structures
  // (2 per vCPU, 1 per cluster), 7 processor nodes (package, 2 clusters, 4 leaves).
  ASSERT_EQ(sh("cd " + t.path("") + " && iasl -d pptt.bin >/dev/null 2>&1"), 0);
  const std::string dsl = fixtures::slurp(t.path("pptt.dsl"));
  EXPECT_NE(dsl.find("Signature : \"PPTT\""), std::string::npos);
  EXPECT_NE(dsl.find("Revision : 03"), std::string::npos);
  EXPECT_EQ(dsl.find("ncorrect checksum"), std::string::npos);
  auto count = [&](const std::string& s) {
    std::size_t n = 0;
    for (auto p = dsl.find(s); p != std::string::npos; p = dsl.find(s, p + 1)) ++n;
    return n;
  };
  EXPECT_EQ(count("[Cache Type]"), 10u);
  EXPECT_EQ(count("[Processor Hierarchy Node]"), 7u);
  EXPECT_EQ(count("Number of Sets : 00000800"), 2u);
  EXPECT_EQ(count("Flags (decoded below) : 000000FF"), 10u);
}

TEST(CliErrors, EveryCommandRejectsAMalformedProfileInOneLine) {
  Tmp t;
  const std::string bad = t.write("bad.json", R"({"guest": {"clidr": "0x82000023", "ctr_el0": "nothex"}})");
  const std::string good = view(t, "good.json", "6.1", "neoverse-n1");
  const std::vector<std::vector<std::string>> cmds = {
      {"diff", bad, good},
      {"diff", good, bad},
      {"baseline", good, bad},
      {"export", "firecracker-template", bad},
      {"import", "firecracker-fingerprint", bad},
      {"import", "firecracker-template", bad},
      {"firmware", bad, "--vcpus", "2"},
  };
  for (const auto& c : cmds) {
    const CliResult r = run_cli(c);
    EXPECT_EQ(r.status, 2) << c[0];
    EXPECT_TRUE(r.out.empty()) << c[0];
    EXPECT_NE(r.err.find(bad), std::string::npos) << c[0] << ": " << r.err;
    EXPECT_EQ(r.err.find('\n'), r.err.size() - 1) << r.err;
  }
}

// --into-dtb on the tree QEMU 7.2 itself writes for `-M virt,gic-version=3
// -smp 2` (dumpdtb): dtc reads the result, every line of QEMU's tree is
// still there, and the cpu nodes carry the N1 hierarchy of a 6.1 guest.
TEST(CliFirmware, IntoQemuDtb) {
  Tmp t;
  const std::string v = view(t, "61.json", "6.1", "neoverse-n1");
  const std::string qemu = std::string(ARMCACHE_FIXTURES) + "/vmm/qemu72-virt-smp2.dtb", out = t.path("out.dtb");
  CliResult r = run_cli({"firmware", v, "--into-dtb", qemu, "-o", out, "--clusters", "2"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("2 CPUs in 2 clusters"), std::string::npos) << r.out;
  ASSERT_EQ(sh("dtc -I dtb -O dts -o " + t.path("orig.dts") + " " + qemu + " 2>" + t.path("orig.err")), 0);
  ASSERT_EQ(sh("dtc -I dtb -O dts -o " + t.path("out.dts") + " " + out + " 2>" + t.path("out.err")), 0);
  // No warning dtc did not already give for QEMU's own tree.
  EXPECT_EQ(fixtures::slurp(t.path("out.err")), fixtures::slurp(t.path("orig.err")));
  const std::string orig = fixtures::slurp(t.path("orig.dts")), dts = fixtures::slurp(t.path("out.dts"));
  std::istringstream lines(orig);
  for (std::string l; std::getline(lines, l);)
    if (l.find("dts-v1") == std::string::npos) {
      EXPECT_NE(dts.find(l), std::string::npos) << "lost: " << l;
    }
  // cpu@0: its L1 from the ground truth (64 KiB, 256 sets, 64-byte lines) and
  // a chain to its own L2 (one cluster per vCPU): 1 MiB, 2048 sets.
  auto node = [&](const std::string& name) {
    const auto at = dts.find("\t\t" + name + " {");
    return at == std::string::npos ? std::string() : dts.substr(at, dts.find("};", at) - at);
  };
  const std::string cpu0 = node("cpu@0"), cpu1 = node("cpu@1");
  for (const char* p : {"d-cache-size = <0x10000>", "d-cache-sets = <0x100>", "d-cache-line-size = <0x40>",
                        "i-cache-size = <0x10000>", "i-cache-sets = <0x100>", "compatible = \"arm,cortex-a57\"",
                        "phandle = <0x8002>"})
    EXPECT_NE(cpu0.find(p), std::string::npos) << p << "\n" << cpu0;
  const std::string l2a = node("l2-cache-cluster0"), l2b = node("l2-cache-cluster1");
  for (const std::string& n : {l2a, l2b})
    for (const char* p : {"compatible = \"cache\"", "cache-level = <0x02>", "cache-unified", "cache-size = <0x100000>",
                          "cache-sets = <0x800>", "cache-line-size = <0x40>"})
      EXPECT_NE(n.find(p), std::string::npos) << p << "\n" << n;
  auto prop = [](const std::string& n, const std::string& p) {
    const auto at = n.find(p + " = <");
    return at == std::string::npos ? std::string("?") : n.substr(at + p.size() + 4, n.find('>', at) - at - p.size() - 4);
  };
  EXPECT_EQ(prop(cpu0, "next-level-cache"), prop(l2a, "phandle"));
  EXPECT_EQ(prop(cpu1, "next-level-cache"), prop(l2b, "phandle"));
  EXPECT_NE(prop(l2a, "phandle"), prop(l2b, "phandle"));
  EXPECT_GT(std::stoul(prop(l2a, "phandle"), nullptr, 16), 0x8002u);  // above QEMU's phandles

  // Refusals: one line, exit 2, nothing written.
  struct Bad {
    std::vector<std::string> args;
    const char* says;
  } bad[] = {
      {{"firmware", v, "--into-dtb", out, "-o", t.path("x.dtb")}, "already describes caches"},
      {{"firmware", v, "--into-dtb", v, "-o", t.path("x.dtb")}, "not a flattened device tree"},
      {{"firmware", v, "--into-dtb", qemu, "-o", t.path("x.dtb"), "--clusters", "3"}, "equal clusters"},
      {{"firmware", v, "--into-dtb", qemu}, "needs -o"},
      {{"firmware", v, "--into-dtb", qemu, "-o", t.path("x.dtb"), "--vcpus", "4"}, "has 2 CPUs"},
      {{"firmware", v, "--into-dtb", t.path("none.dtb"), "-o", t.path("x.dtb")}, "cannot read"},
  };
  for (const auto& b : bad) {
    r = run_cli(b.args);
    EXPECT_EQ(r.status, 2) << b.says << ": " << r.err;
    EXPECT_NE(r.err.find(b.says), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find('\n'), r.err.size() - 1) << r.err;
  }
  EXPECT_NE(access(t.path("x.dtb").c_str(), F_OK), 0);
}

}  // namespace
}  // namespace armcache
