// The CLI contract, tested by running build/armcache: output, JSON shape,
// one-line errors and exit statuses.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <string>
#include <vector>

#include "run.h"

namespace armcache {
namespace {

using nlohmann::json;
using fixtures::CliResult;
using fixtures::run_cli;

TEST(CliDecode, ClidrJsonFromIssue) {
  const CliResult r = run_cli({"decode", "clidr", "0x1482000023", "--json"});
  ASSERT_EQ(r.status, 0) << r.err;
  const json j = json::parse(r.out);
  EXPECT_EQ(j["register"], "CLIDR_EL1");
  EXPECT_EQ(j["value"], "0x1482000023");
  EXPECT_EQ(j["fields"]["Ctype1"], 3);
  EXPECT_EQ(j["fields"]["Ctype2"], 4);
  EXPECT_EQ(j["fields"]["LoC"], 2);
  EXPECT_EQ(j["fields"]["ICB"], 2);
  EXPECT_EQ(j["fields"]["Ttype1"], 2);
  EXPECT_EQ(j["fields"]["Ttype2"], 2);
  EXPECT_EQ(j["selectors"], json::parse("[0, 1, 2]"));
  EXPECT_EQ(j["levels"][0]["level"], 1);
  EXPECT_EQ(j["levels"][0]["ctype"], "Separate");
  EXPECT_EQ(j["levels"][1]["ctype"], "Unified");
  EXPECT_FALSE(j["fields"].contains("RES0"));
}

TEST(CliDecode, CcsidrJsonFromIssue) {
  const CliResult r = run_cli({"decode", "ccsidr", "0x000007ff0000003a", "--json"});
  ASSERT_EQ(r.status, 0) << r.err;
  const json j = json::parse(r.out);
  EXPECT_EQ(j["ways"], 8);
  EXPECT_EQ(j["sets"], 2048);
  EXPECT_EQ(j["line_bytes"], 64);
  EXPECT_EQ(j["size_bytes"], 1048576);
  EXPECT_EQ(j["fields"]["NumSets"], 2047);
  EXPECT_EQ(j["fields"]["Associativity"], 7);
  EXPECT_EQ(j["format"], "ccidx");
}

TEST(CliDecode, CcsidrFormatChoice) {
  // Without --ccidx a 32-bit value is read in the 32-bit format.
  json j = json::parse(run_cli({"decode", "ccsidr", "0x3a", "--json"}).out);
  EXPECT_EQ(j["ways"], 8);
  EXPECT_EQ(j["sets"], 1);
  EXPECT_EQ(j["likely_truncated_ccidx"], true);
  EXPECT_FALSE(j["warnings"].empty());
  j = json::parse(run_cli({"decode", "ccsidr", "0x70ffe03a", "--json"}).out);
  EXPECT_EQ(j["sets"], 2048);
  EXPECT_EQ(j["likely_truncated_ccidx"], false);
  // --ccidx on a value with 32-bit-format policy bits: RES0 in that format.
  const CliResult r = run_cli({"decode", "ccsidr", "0x70ffe03a", "--ccidx"});
  EXPECT_EQ(r.status, 2);
  EXPECT_TRUE(r.out.empty());
}

TEST(CliDecode, TableNamesFieldsWithMeaning) {
  CliResult r = run_cli({"decode", "clidr", "0x1482000023"});
  ASSERT_EQ(r.status, 0);
  EXPECT_NE(r.out.find("Ctype2 = 4 (Unified)"), std::string::npos) << r.out;
  r = run_cli({"decode", "ccsidr", "0x70ffe07a"});
  EXPECT_NE(r.out.find("NumSets = 2047 (2048 sets)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Associativity = 15 (16 ways)"), std::string::npos) << r.out;
  r = run_cli({"decode", "midr", "0x413fd0c1"});
  EXPECT_NE(r.out.find("Neoverse-N1"), std::string::npos) << r.out;
  r = run_cli({"decode", "reg-id", "0x6020000000110002", "--json"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(json::parse(r.out)["name"], "CCSIDR_EL1 selector 2");
}

// Every field worked out by hand from the Arm ARM bit layouts (and KVM's
// one-reg id layout, arch/arm64/include/uapi/asm/kvm.h); the arithmetic is
// in the comments. A decoder that reads a field at the wrong bits, misnames
// it or drops it fails.
TEST(CliDecode, EveryRegisterDecodes) {
  const struct {
    const char* reg;
    const char* value;
    const char* fields;  // the whole "fields" object
  } cases[] = {
      // CLIDR_EL1 0x82000023 = bits 0,1,5,25,31. Ctype1 [2:0] = 0b011 = 3 (separate I+D),
      // Ctype2 [5:3] = 0b100 = 4 (unified), Ctype3-7 0; LoUIS [23:21] 0; LoC [26:24] = 0b010 = 2
      // (bit 25); LoUU [29:27] 0; ICB [32:30] = 0b010 = 2 (bit 31); Ttype1-7 [46:33] 0.
      {"clidr", "0x82000023",
       R"({"Ctype1": 3, "Ctype2": 4, "Ctype3": 0, "Ctype4": 0, "Ctype5": 0, "Ctype6": 0, "Ctype7": 0,
           "LoUIS": 0, "LoC": 2, "LoUU": 0, "ICB": 2, "Ttype1": 0, "Ttype2": 0, "Ttype3": 0, "Ttype4": 0,
           "Ttype5": 0, "Ttype6": 0, "Ttype7": 0})"},
      // CCSIDR_EL1 0x701fe01a, 32-bit format: LineSize [2:0] = 0xa & 7 = 2; Associativity [12:3] =
      // 0x01a >> 3 = 3; NumSets [27:13] = (0x701fe01a >> 13) & 0x7fff = 0x380ff & 0x7fff = 0xff = 255;
      // WA [28], RA [29], WB [30] = 1 (top nibble 0x7 = 0b0111), WT [31] = 0.
      {"ccsidr", "0x701fe01a",
       R"({"LineSize": 2, "Associativity": 3, "NumSets": 255, "WA": 1, "RA": 1, "WB": 1, "WT": 0})"},
      // CCSIDR2_EL1: NumSets [23:0] = 0x7ff = 2047.
      {"ccsidr2", "0x7ff", R"({"NumSets": 2047})"},
      // CSSELR_EL1 0x2 = 0b0010: InD [0] 0, Level [3:1] = 1 (that is L2), TnD [4] 0.
      {"csselr", "0x2", R"({"InD": 0, "Level": 1, "TnD": 0})"},
      // CTR_EL0 0x8444c004: IminLine [3:0] 4; L1Ip [15:14] = 0xc000 >> 14 = 3 (PIPT);
      // DminLine [19:16] 4; ERG [23:20] 4; CWG [27:24] 4; IDC [28] 0 and DIC [29] 0 (top
      // nibble 0x8: only RES1 bit 31); TminLine [37:32] 0.
      {"ctr", "0x8444c004",
       R"({"IminLine": 4, "L1Ip": 3, "DminLine": 4, "ERG": 4, "CWG": 4, "IDC": 0, "DIC": 0, "TminLine": 0})"},
      // ID_AA64MMFR2_EL1 0x1221011110101011, one nibble a field from bit 0 (hex digits read
      // right to left: 1,1,0,1,0,1,0,1,1,1,1,0,1,2,2,1): CnP 1, UAO 1, LSM 0, IESB 1, VARange 0,
      // CCIDX [23:20] 1, NV 0, ST 1, AT 1, IDS 1, FWB 1, [47:44] RES0, TTL 1, BBM 2, EVT 2, E0PD 1.
      {"mmfr2", "0x1221011110101011",
       R"({"CnP": 1, "UAO": 1, "LSM": 0, "IESB": 1, "VARange": 0, "CCIDX": 1, "NV": 0, "ST": 1, "AT": 1,
           "IDS": 1, "FWB": 1, "TTL": 1, "BBM": 2, "EVT": 2, "E0PD": 1})"},
      // ID_AA64PFR1_EL1 0x120: BT [3:0] 0, SSBS [7:4] 2, MTE [11:8] 1, every other field 0.
      {"pfr1", "0x120",
       R"({"BT": 0, "SSBS": 2, "MTE": 1, "RAS_frac": 0, "MPAM_frac": 0, "SME": 0, "RNDR_trap": 0,
           "CSV2_frac": 0, "NMI": 0, "MTE_frac": 0, "GCS": 0, "THE": 0, "MTEX": 0, "DF2": 0, "PFAR": 0})"},
      // MIDR_EL1 0x410fd0c0: Revision [3:0] 0; PartNum [15:4] 0xd0c = 3340; Architecture [19:16]
      // 0xf = 15; Variant [23:20] 0; Implementer [31:24] 0x41 = 65.
      {"midr", "0x410fd0c0",
       R"({"Revision": 0, "PartNum": 3340, "Architecture": 15, "Variant": 0, "Implementer": 65})"},
      // KVM one-reg id 0x603000000013c801: Arch [63:56] 0x60 = 96 (KVM_REG_ARM64); Size [55:52]
      // 3 (U64); Coproc [27:16] 0x13 = 19 (system register); 0xc801 = 0b11'001'0000'0000'001:
      // Op0 [15:14] 3, Op1 [13:11] 1, CRn [10:7] 0, CRm [6:3] 0, Op2 [2:0] 1.
      {"reg-id", "0x603000000013c801",
       R"({"Op2": 1, "CRm": 0, "CRn": 0, "Op1": 1, "Op0": 3, "Coproc": 19, "Size": 3, "Arch": 96})"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.reg);
    const CliResult r = run_cli({"decode", c.reg, c.value, "--json"});
    ASSERT_EQ(r.status, 0) << c.reg << ": " << r.err;
    const json j = json::parse(r.out);
    EXPECT_EQ(j["value"], c.value);
    EXPECT_EQ(j["fields"], json::parse(c.fields)) << j["fields"].dump();
    EXPECT_EQ(j["warnings"], json::array());
  }
  // What the fields mean, from the same values.
  json j = json::parse(run_cli({"decode", "clidr", "0x82000023", "--json"}).out);
  EXPECT_EQ(j["register"], "CLIDR_EL1");
  // Ctype1 3 and Ctype2 4: L1 separate, L2 unified; CSSELR 0 (L1D), 1 (L1I), 2 (L2).
  EXPECT_EQ(j["levels"], json::parse(R"([{"level": 1, "ctype": "Separate"}, {"level": 2, "ctype": "Unified"}])"));
  EXPECT_EQ(j["selectors"], json::parse("[0, 1, 2]"));
  j = json::parse(run_cli({"decode", "ccsidr", "0x701fe01a", "--json"}).out);
  EXPECT_EQ(j["register"], "CCSIDR_EL1");
  EXPECT_EQ(j["format"], "32-bit");
  // LineSize 2: 2^(2+4) = 64-byte lines; 3+1 = 4 ways; 255+1 = 256 sets; 64*4*256 = 65536 bytes.
  EXPECT_EQ(j["line_bytes"], 64);
  EXPECT_EQ(j["ways"], 4);
  EXPECT_EQ(j["sets"], 256);
  EXPECT_EQ(j["size_bytes"], 65536);
  EXPECT_EQ(j["likely_truncated_ccidx"], false);
  // Op0 3, Op1 1, CRn 0, CRm 0, Op2 1 is CLIDR_EL1 (S3_1_C0_C0_1 in the Arm ARM).
  EXPECT_EQ(json::parse(run_cli({"decode", "reg-id", "0x603000000013c801", "--json"}).out)["name"], "CLIDR_EL1");
  // MIDR names: implementer 0x41 is Arm, part 0xd0c of Arm the Neoverse N1; 0x461f0010 is
  // implementer 0x46 (Fujitsu), Variant [23:20] 1, PartNum 0x001 (A64FX). Spelled as lscpu does.
  CliResult r = run_cli({"decode", "midr", "0x410fd0c0"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("PartNum = 0xd0c (Neoverse-N1)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Implementer = 0x41 (ARM)"), std::string::npos) << r.out;
  r = run_cli({"decode", "midr", "0x461f0010"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("PartNum = 0x1 (A64FX)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Variant = 1"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Implementer = 0x46 (FUJITSU)"), std::string::npos) << r.out;
}

TEST(CliErrors, OneLineStatusTwoNothingOnStdout) {
  const std::vector<std::vector<std::string>> bad = {
      {"decode", "clidr", "0xzz"},            // not hex
      {"decode", "clidr", "0x10000000000000000"},  // too wide
      {"decode", "midr", "0x100000000"},      // RES0 [63:32]
      {"decode", "bogus", "0x1"},             // unknown register
      {"decode", "clidr", "0x800000000000"},  // RES0 bit 47
      {"decode", "ctr", "0x0444c004"},        // RES1 bit 31 clear
      {"decode", "reg-id", "0x403000000013c801"},  // not arm64
      {"encode", "clidr", "Ctype9=1"},        // unknown field
      {"encode", "clidr", "Ctype1=8"},        // too wide for the field
      {"encode", "clidr", "Ctype1"},          // not Field=value
      {"decode", "clidr"},                    // missing value
      {"frobnicate"},                         // unknown command
  };
  for (const auto& args : bad) {
    const CliResult r = run_cli(args);
    std::string joined;
    for (const auto& a : args) joined += a + " ";
    EXPECT_EQ(r.status, 2) << joined << r.err;
    EXPECT_TRUE(r.out.empty()) << joined << r.out;
    ASSERT_FALSE(r.err.empty()) << joined;
    EXPECT_EQ(r.err.find('\n'), r.err.size() - 1) << joined << ": " << r.err;
    EXPECT_EQ(r.err.rfind("armcache: ", 0), 0u) << r.err;
  }
}

TEST(CliEncode, InverseOfDecode) {
  CliResult r = run_cli({"encode", "clidr", "Ctype1=3", "Ctype2=4", "LoC=2", "ICB=2", "Ttype1=2", "Ttype2=2"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "0x1482000023\n");
  r = run_cli({"encode", "ccsidr", "--ccidx", "LineSize=2", "Associativity=7", "NumSets=2047"});
  EXPECT_EQ(r.out, "0x7ff0000003a\n");
  r = run_cli({"encode", "ccsidr", "LineSize=2", "Associativity=7", "NumSets=0x7ff"});
  EXPECT_EQ(r.out, "0xffe03a\n");
  r = run_cli({"encode", "reg-id", "Op0=3", "Op1=1", "Op2=1"});
  EXPECT_EQ(r.out, "0x603000000013c801\n");
  r = run_cli({"encode", "reg-id", "Index=13"});
  EXPECT_EQ(r.out, "0x602000000011000d\n");
  r = run_cli({"encode", "ctr", "IminLine=4", "DminLine=4", "L1Ip=3", "ERG=4", "CWG=4"});
  EXPECT_EQ(r.out, "0x8444c004\n");
}

TEST(CliHelp, EveryCommandHasHelp) {
  for (const std::vector<std::string>& args : {std::vector<std::string>{"--help"}, {"decode", "--help"},
                                               {"encode", "--help"}}) {
    const CliResult r = run_cli(args);
    EXPECT_EQ(r.status, 0);
    EXPECT_NE(r.out.find("Exit status"), std::string::npos) << r.out;
  }
}

}  // namespace
}  // namespace armcache

namespace armcache {
namespace {

using nlohmann::json;
using fixtures::CliResult;
using fixtures::run_cli;

std::string write_temp(const std::string& name, const std::string& text) {
  const std::string path = "/tmp/armcache-cli-test-" + std::to_string(getpid()) + "-" + name;
  std::FILE* f = std::fopen(path.c_str(), "w");
  std::fputs(text.c_str(), f);
  std::fclose(f);
  return path;
}

TEST(CliKernelView, DebianReleaseStringsAndTheUnprovenWarning) {
  const CliResult r =
      run_cli({"kernel-view", "--kernel", "7.3.4+deb13-cloud-arm64", "--qemu-model", "neoverse-n1", "--json"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(json::parse(r.out)["generation"], "6.16+");
  EXPECT_EQ(r.err, "") << "7.3 is a proven line";
  const std::string from =
      write_temp("n1-61.json", run_cli({"kernel-view", "--kernel", "6.1", "--qemu-model", "neoverse-n1", "--json"}).out);
  for (const auto& cmd : {std::vector<std::string>{"kernel-view", "--kernel", "7.4.2", "--qemu-model", "neoverse-n1"},
                          std::vector<std::string>{"plan", "--from", from, "--to-qemu-model", "neoverse-n1",
                                                   "--kernel", "7.4.2"}}) {
    const CliResult w = run_cli(cmd);
    EXPECT_EQ(w.status, 0) << w.err;
    EXPECT_EQ(w.err,
              "armcache: warning: kernel 7.4.2 is newer than 7.3, the newest line the kernel models were proven on "
              "against a real kernel; the prediction follows 7.3's rules\n");
  }
}

TEST(CliKernelView, JsonShapeFromIssue) {
  const CliResult r = run_cli({"kernel-view", "--kernel", "6.12.100", "--qemu-model", "neoverse-n1", "--json"});
  ASSERT_EQ(r.status, 0) << r.err;
  const json j = json::parse(r.out);
  EXPECT_EQ(j["kernel"], "6.12.100");
  EXPECT_EQ(j["generation"], "6.10-6.15");
  EXPECT_EQ(j["guest"]["clidr"], "0x2000021");     // docs/kvm-testbed.md
  EXPECT_EQ(j["guest"]["ctr_el0"], "0x9444c004");
  EXPECT_EQ(j["guest"]["mmfr2_ccidx"], 0);
  EXPECT_EQ(j["guest"]["ccsidr"].size(), 16u);
  EXPECT_EQ(j["guest"]["ccsidr"]["15"], "0x0");
  EXPECT_EQ(j["guest"]["ccsidr"]["13"], "0x2");
  EXPECT_EQ(j["demux_ids"].size(), 14u);
  EXPECT_TRUE(j["warnings"].is_array());
}

TEST(CliPlan, ExitCodesAndKernelViewAsInput) {
  const CliResult v61 = run_cli({"kernel-view", "--kernel", "6.1", "--qemu-model", "neoverse-n1", "--json"});
  ASSERT_EQ(v61.status, 0);
  const std::string from = write_temp("n1-61.json", v61.out);
  CliResult r = run_cli({"plan", "--from", from, "--to-qemu-model", "neoverse-n1", "--kernel", "6.12", "--json"});
  EXPECT_EQ(r.status, 0) << r.err;
  json j = json::parse(r.out);
  EXPECT_EQ(j["verdict"], "restorable");
  EXPECT_EQ(j["writes"][0]["register"], "CLIDR_EL1");
  EXPECT_EQ(j["writes"][0]["id"], "0x603000000013c801");
  EXPECT_EQ(j["writes"][0]["value"], "0x82000023");
  r = run_cli({"plan", "--from", from, "--to-qemu-model", "neoverse-n1", "--kernel", "6.1.0-50-cloud-arm64"});
  EXPECT_EQ(r.status, 0);  // identical
  const CliResult v612 = run_cli({"kernel-view", "--kernel", "6.12", "--qemu-model", "neoverse-n1", "--json"});
  const std::string back = write_temp("n1-612.json", v612.out);
  r = run_cli({"plan", "--from", back, "--to-qemu-model", "neoverse-n1", "--kernel", "6.1", "--json"});
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(json::parse(r.out)["verdict"], "impossible");
  // A host file works as well as a built-in model.
  r = run_cli({"plan", "--from", from, "--to", from, "--kernel", "6.12"});
  EXPECT_EQ(r.status, 0) << r.err;
  std::remove(from.c_str());
  std::remove(back.c_str());
}

// plan --for qemu on two kernels' kvm show output (tests/data/kvm-show); the
// expected verdicts are what QEMU did with them (docs/migration-compat.md).
TEST(CliPlan, ForQemuBetweenKvmShowProfiles) {
  const std::string d = std::string(ARMCACHE_DATA) + "/kvm-show/neoverse-n1-";
  CliResult r = run_cli({"plan", "--from", d + "6.12.json", "--to", d + "6.1.json", "--for", "qemu"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("restorable with armcache vmm-exec --compat"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("ID_AA64DFR0_EL1"), std::string::npos) << r.out;
  r = run_cli({"plan", "--from", d + "6.1.json", "--to", d + "7.3.json", "--for", "qemu", "-J"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(json::parse(r.out)["needs_compat"], false);
  // Bad combinations and inputs: one line, exit 2.
  const std::string host_only = write_temp("host.json", run_cli({"kernel-view", "--kernel", "6.1", "--qemu-model",
                                                                   "neoverse-n1", "--json"}).out);
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"plan", "--from", d + "6.12.json", "--to", d + "6.1.json", "--for", "qemu",
                                 "--kernel", "6.1"},
        {"plan", "--from", d + "6.12.json", "--for", "qemu"},
        {"plan", "--from", d + "6.12.json", "--to", host_only, "--for", "qemu"},
        {"plan", "--from", d + "6.12.json", "--to", d + "6.1.json", "--for", "crosvm"},
        {"plan", "--from", d + "6.12.json", "--to-qemu-model", "neoverse-n1"}}) {
    r = run_cli(args);
    EXPECT_EQ(r.status, 2) << r.err;
    EXPECT_TRUE(r.out.empty()) << r.out;
    EXPECT_EQ(r.err.find('\n'), r.err.size() - 1) << r.err;
  }
  r = run_cli({"plan", "--from", d + "6.12.json", "--to", host_only, "--for", "qemu"});
  EXPECT_NE(r.err.find("vcpu_surface"), std::string::npos) << r.err;
  std::remove(host_only.c_str());
}

TEST(CliPlan, MalformedProfileIsOneLineNamingTheFile) {
  const std::string bad = write_temp("bad.json", R"({"guest": {"clidr": "0x82000023", "ctr_el0": "nothex"}})");
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"plan", "--from", bad, "--to-qemu-model", "neoverse-n1", "--kernel", "6.12"},
        {"kernel-view", "--kernel", "6.12", "--host", bad},
        {"plan", "--from", "/nonexistent.json", "--to-qemu-model", "max", "--kernel", "6.12"},
        {"kernel-view", "--kernel", "6.12", "--qemu-model", "cortex-z9"},
        {"kernel-view", "--kernel", "latest", "--qemu-model", "max"}}) {
    const CliResult r = run_cli(args);
    EXPECT_EQ(r.status, 2) << r.err;
    EXPECT_TRUE(r.out.empty());
    EXPECT_EQ(r.err.find('\n'), r.err.size() - 1) << r.err;
  }
  const CliResult r = run_cli({"kernel-view", "--kernel", "6.12", "--host", bad});
  EXPECT_NE(r.err.find(bad), std::string::npos) << r.err;
  std::remove(bad.c_str());
}

}  // namespace
}  // namespace armcache
