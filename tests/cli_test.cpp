// The CLI contract, tested by running build/armcache: output, JSON shape,
// one-line errors and exit statuses.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
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

// The "Name  description" lines of a help text's `block` ("Subcommands:").
std::map<std::string, std::string> help_entries(const std::string& help, const std::string& block) {
  std::map<std::string, std::string> out;
  std::istringstream in(help);
  bool inside = false;
  for (std::string line; std::getline(in, line);) {
    if (line == block) {
      inside = true;
    } else if (inside && line.empty()) {
      break;
    } else if (inside && line.rfind("  ", 0) == 0 && line.size() > 2 && line[2] != ' ') {
      const auto end = line.find(' ', 2);
      const auto desc = line.find_first_not_of(' ', end);
      out[line.substr(2, end - 2)] = desc == std::string::npos ? "" : line.substr(desc);
    }
  }
  return out;
}

// Every option name the help's Options block documents: "-J,--json" gives -J and --json,
// "--vcpus UINT:INT in [1 - 64]" gives --vcpus.
std::set<std::string> documented_options(const std::string& help) {
  std::set<std::string> out;
  for (const auto& [names, desc] : help_entries(help, "Options:")) {
    std::istringstream in(names);
    for (std::string n; std::getline(in, n, ',');) out.insert(n);
  }
  return out;
}

// What the parser said when it refused the command line (main.cpp's CLI::ParseError path).
bool refused_by_parser(const CliResult& r) { return r.err.find("(see armcache --help)") != std::string::npos; }

// The commands README.md shows, each with: its usage line; a command line
// that works on any build host (kvm and vmm-exec need KVM: for them only
// the parser's acceptance is checked); and, for every option the command
// takes, a command line using it. A help text that names another command,
// documents an option the parser refuses, or leaves out one it takes, fails;
// so does a parser that accepts an option nobody documents.
TEST(CliHelp, EveryCommandHasHelp) {
  for (const std::vector<std::string>& args : {std::vector<std::string>{"--help"}, {"decode", "--help"},
                                               {"encode", "--help"}}) {
    const CliResult r = run_cli(args);
    EXPECT_EQ(r.status, 0);
    EXPECT_NE(r.out.find("Exit status"), std::string::npos) << r.out;
  }

  char tmpl[] = "/tmp/armcache-cli-help-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  const std::string t = tmpl, data = ARMCACHE_DATA, fx = ARMCACHE_FIXTURES;
  const CliResult made = run_cli({"kernel-view", "--kernel", "6.1", "--qemu-model", "neoverse-n1", "--json"});
  ASSERT_EQ(made.status, 0) << made.err;
  const std::string v = t + "/v.json";
  std::ofstream(v) << made.out;
  const std::string pptt = t + "/pptt.bin", cap = t + "/cap.json";
  ASSERT_EQ(run_cli({"firmware", v, "--vcpus", "2", "--pptt", pptt}).status, 0);
  const std::string homog = fx + "/homogeneous", dtb = homog + "/board.dtb";
  const std::string n1cap = data + "/hosts/n1-capture.json", kvm61 = data + "/kvm-show/neoverse-n1-6.1.json";
  const std::string kvm73 = data + "/kvm-show/neoverse-n1-7.3.json";
  const std::string fp = data + "/firecracker/fingerprint-n1-6.1.json", tm = data + "/firecracker/template-hand.json";

  struct Use {
    std::string option;
    std::vector<std::string> args;
  };
  struct Command {
    std::string path;  // as after "armcache"
    std::string usage;
    std::vector<std::string> base;  // empty for a command that only groups others
    bool runs_here;
    std::vector<Use> uses;
  };
  using V = std::vector<std::string>;
  const V kv = {"kernel-view", "--kernel", "6.12", "--qemu-model", "neoverse-n1"};
  const V pl = {"plan", "--from", v, "--to-qemu-model", "neoverse-n1", "--kernel", "6.12"};
  const V fw = {"firmware", v, "--vcpus", "2"};
  auto plus = [](V a, const V& more) {
    a.insert(a.end(), more.begin(), more.end());
    return a;
  };
  const std::vector<Command> commands = {
      {"decode", "Usage: armcache decode [OPTIONS] REG VALUE", {"decode", "ccsidr", "0x3a"}, true,
       {{"--ccidx", {"decode", "ccsidr", "0x3a", "--ccidx"}},
        {"-J", {"decode", "ccsidr", "0x3a", "-J"}},
        {"--json", {"decode", "ccsidr", "0x3a", "--json"}}}},
      {"encode", "Usage: armcache encode [OPTIONS] REG [FIELDS...]", {"encode", "ccsidr", "LineSize=2"}, true,
       {{"--ccidx", {"encode", "ccsidr", "--ccidx", "LineSize=2"}},
        {"-J", {"encode", "ccsidr", "-J", "LineSize=2"}},
        {"--json", {"encode", "ccsidr", "--json", "LineSize=2"}}}},
      {"show", "Usage: armcache show [OPTIONS]", {"show", "--sysfs-root", homog}, true,
       {{"--sysfs-root", {"show", "--sysfs-root", homog}},
        {"--dt", {"show", "--dt", dtb}},
        {"--pptt", {"show", "--pptt", pptt}},
        {"--ctr", {"show", "--sysfs-root", homog, "--ctr", "0x8444c004"}},
        {"-J", {"show", "--sysfs-root", homog, "-J"}},
        {"--json", {"show", "--sysfs-root", homog, "--json"}}}},
      {"capture", "Usage: armcache capture [OPTIONS]", {"capture", "--sysfs-root", homog}, true,
       {{"--sysfs-root", {"capture", "--sysfs-root", homog}},
        {"--dt", {"capture", "--dt", dtb}},
        {"--pptt", {"capture", "--pptt", pptt}},
        {"-o", {"capture", "--sysfs-root", homog, "-o", cap}},
        {"--output", {"capture", "--sysfs-root", homog, "--output", cap}},
        {"--ctr", {"capture", "--sysfs-root", homog, "--ctr", "0x8444c004"}},
        {"--nfd", {"capture", "--sysfs-root", homog, "--ctr", "0x8444c004", "-o", cap, "--nfd", t + "/nfd"}}}},
      {"kernel-view", "Usage: armcache kernel-view [OPTIONS]", kv, true,
       {{"--kernel", kv},
        {"--qemu-model", kv},
        {"--host", {"kernel-view", "--kernel", "6.12", "--host", n1cap}},
        {"--cpu-kind", plus(kv, {"--cpu-kind", "0"})},
        {"--ctr", plus(kv, {"--ctr", "0x8444c004"})},
        {"--mte", plus(kv, {"--mte"})},
        {"-J", plus(kv, {"-J"})},
        {"--json", plus(kv, {"--json"})}}},
      {"plan", "Usage: armcache plan [OPTIONS]", pl, true,
       {{"--from", pl},
        {"--to-qemu-model", pl},
        {"--kernel", pl},
        {"--to", {"plan", "--from", v, "--to", n1cap, "--kernel", "6.12"}},
        {"--cpu-kind", plus(pl, {"--cpu-kind", "0"})},
        {"--ctr", plus(pl, {"--ctr", "0x8444c004"})},
        {"--mte", plus(pl, {"--mte"})},
        {"--closest", plus(pl, {"--closest"})},
        {"--for", {"plan", "--from", kvm61, "--to", kvm73, "--for", "qemu"}},
        {"-J", plus(pl, {"-J"})},
        {"--json", plus(pl, {"--json"})}}},
      {"kvm", "Usage: armcache kvm [OPTIONS] SUBCOMMAND", {}, false, {}},
      {"kvm show", "Usage: armcache kvm show [OPTIONS]", {"kvm", "show"}, false,
       {{"--vcpus", {"kvm", "show", "--vcpus", "2"}},
        {"-J", {"kvm", "show", "-J"}},
        {"--json", {"kvm", "show", "--json"}},
        {"--native", {"kvm", "show", "--native"}}}},
      {"kvm verify", "Usage: armcache kvm verify [OPTIONS]", {"kvm", "verify", "--view", v}, false,
       {{"--view", {"kvm", "verify", "--view", v}},
        {"--vcpus", {"kvm", "verify", "--view", v, "--vcpus", "2"}},
        {"-J", {"kvm", "verify", "--view", v, "-J"}},
        {"--json", {"kvm", "verify", "--view", v, "--json"}},
        {"--all-selectors", {"kvm", "verify", "--view", v, "--all-selectors"}},
        {"--closest", {"kvm", "verify", "--view", v, "--closest"}}}},
      {"kvm apply", "Usage: armcache kvm apply [OPTIONS]", {"kvm", "apply", "--view", v}, false,
       {{"--view", {"kvm", "apply", "--view", v}},
        {"--vcpus", {"kvm", "apply", "--view", v, "--vcpus", "2"}},
        {"--fd", {"kvm", "apply", "--view", v, "--fd", "1000"}},
        {"--closest", {"kvm", "apply", "--view", v, "--closest"}},
        {"-J", {"kvm", "apply", "--view", v, "-J"}},
        {"--json", {"kvm", "apply", "--view", v, "--json"}}}},
      {"diff", "Usage: armcache diff [OPTIONS] A B", {"diff", v, v}, true,
       {{"-J", {"diff", v, v, "-J"}}, {"--json", {"diff", v, v, "--json"}}}},
      {"baseline", "Usage: armcache baseline [OPTIONS] FILE...", {"baseline", v, v}, true,
       {{"--kernel", {"baseline", v, v, "--kernel", "6.1"}},
        {"-o", {"baseline", v, v, "-o", t + "/b.json"}},
        {"--output", {"baseline", v, v, "--output", t + "/b.json"}},
        {"-J", {"baseline", v, v, "-J"}},
        {"--json", {"baseline", v, v, "--json"}}}},
      {"import", "Usage: armcache import [OPTIONS] SUBCOMMAND", {}, true, {}},
      {"import firecracker-fingerprint", "Usage: armcache import firecracker-fingerprint [OPTIONS] FILE",
       {"import", "firecracker-fingerprint", fp}, true,
       {{"-o", {"import", "firecracker-fingerprint", fp, "-o", t + "/i.json"}},
        {"--output", {"import", "firecracker-fingerprint", fp, "--output", t + "/i.json"}}}},
      {"import firecracker-template", "Usage: armcache import firecracker-template [OPTIONS] FILE",
       {"import", "firecracker-template", tm}, true,
       {{"-o", {"import", "firecracker-template", tm, "-o", t + "/i.json"}},
        {"--output", {"import", "firecracker-template", tm, "--output", t + "/i.json"}}}},
      {"export", "Usage: armcache export [OPTIONS] SUBCOMMAND", {}, true, {}},
      {"export firecracker-template", "Usage: armcache export firecracker-template [OPTIONS] PROFILE",
       {"export", "firecracker-template", v}, true,
       {{"-o", {"export", "firecracker-template", v, "-o", t + "/e.json"}},
        {"--output", {"export", "firecracker-template", v, "--output", t + "/e.json"}}}},
      {"firmware", "Usage: armcache firmware [OPTIONS] PROFILE", fw, true,
       {{"--vcpus", fw},
        {"--clusters", plus(fw, {"--clusters", "2"})},
        {"--dts", plus(fw, {"--dts", t + "/f.dts"})},
        {"--dtb", plus(fw, {"--dtb", t + "/f.dtb"})},
        {"--pptt", plus(fw, {"--pptt", t + "/f.bin"})},
        {"--into-dtb", {"firmware", v, "--into-dtb", fx + "/vmm/qemu72-virt-smp2.dtb", "-o", t + "/o.dtb"}},
        {"-o", {"firmware", v, "--into-dtb", fx + "/vmm/qemu72-virt-smp2.dtb", "-o", t + "/o.dtb"}},
        {"--output", {"firmware", v, "--into-dtb", fx + "/vmm/qemu72-virt-smp2.dtb", "--output", t + "/o.dtb"}}}},
      // --print-env: the environment a VMM would get, nothing is started.
      {"vmm-exec", "Usage: armcache vmm-exec [OPTIONS] [command...]", {"vmm-exec", "--view", v, "--print-env"},
       false,
       {{"--view", {"vmm-exec", "--view", v, "--print-env", "--", "true"}},
        {"--native", {"vmm-exec", "--native", "--print-env", "--", "true"}},
        {"--closest", {"vmm-exec", "--view", v, "--closest", "--print-env", "--", "true"}},
        {"--kernel-view", {"vmm-exec", "--kernel-view", "6.1", "--print-env", "--", "true"}},
        {"--compat", {"vmm-exec", "--compat", kvm61, "--print-env", "--", "true"}},
        {"--log", {"vmm-exec", "--view", v, "--log", t + "/vmm.log", "--print-env", "--", "true"}},
        {"--lib", {"vmm-exec", "--view", v, "--lib", t + "/none.so", "--print-env", "--", "true"}},
        {"--print-env", {"vmm-exec", "--view", v, "--print-env", "--", "true"}}}},
  };

  // The top level: its usage, the commands, --version.
  const CliResult top = run_cli({"--help"});
  ASSERT_EQ(top.status, 0);
  EXPECT_NE(top.out.find("\nUsage: armcache [OPTIONS] SUBCOMMAND\n"), std::string::npos) << top.out;
  std::map<std::string, std::string> listed = help_entries(top.out, "Subcommands:");
  std::set<std::string> names;
  for (const auto& [n, d] : listed) names.insert(n);
  EXPECT_EQ(names, (std::set<std::string>{"decode", "encode", "show", "capture", "kernel-view", "plan", "kvm",
                                          "diff", "baseline", "import", "export", "firmware", "vmm-exec"}));
  EXPECT_EQ(documented_options(top.out), (std::set<std::string>{"-h", "--help", "--version"}));
  const CliResult ver = run_cli({"--version"});
  EXPECT_EQ(ver.status, 0) << ver.err;
  EXPECT_EQ(ver.out.rfind("armcache ", 0), 0u) << ver.out;
  const std::map<std::string, std::set<std::string>> groups = {
      {"kvm", {"show", "verify", "apply"}},
      {"import", {"firecracker-fingerprint", "firecracker-template"}},
      {"export", {"firecracker-template"}},
  };
  for (const auto& [g, children] : groups) {
    const auto sub = help_entries(run_cli({g, "--help"}).out, "Subcommands:");
    std::set<std::string> got;
    for (const auto& [n, d] : sub) {
      got.insert(n);
      listed[g + " " + n] = d;
    }
    EXPECT_EQ(got, children) << g;
  }

  for (const Command& c : commands) {
    SCOPED_TRACE(c.path);
    std::vector<std::string> help_args;
    std::istringstream words(c.path);
    for (std::string w; words >> w;) help_args.push_back(w);
    help_args.push_back("--help");
    const CliResult h = run_cli(help_args);
    ASSERT_EQ(h.status, 0) << h.err;
    EXPECT_EQ(h.err, "");
    // Its own description (as the parent lists it) first, then its own usage line.
    ASSERT_TRUE(listed.count(c.path)) << "not listed by its parent";
    EXPECT_EQ(h.out.substr(0, h.out.find('\n')), listed[c.path]);
    EXPECT_NE(h.out.find("\n" + c.usage + "\n"), std::string::npos) << h.out;
    EXPECT_NE(h.out.find("Exit status"), std::string::npos) << h.out;
    // The options it documents are the ones it takes.
    std::set<std::string> takes = {"-h", "--help"};
    for (const Use& u : c.uses) takes.insert(u.option);
    EXPECT_EQ(documented_options(h.out), takes) << h.out;
    for (const Use& u : c.uses) {
      SCOPED_TRACE(u.option);
      ASSERT_NE(std::find(u.args.begin(), u.args.end(), u.option), u.args.end());
      const CliResult r = run_cli(u.args);
      EXPECT_FALSE(refused_by_parser(r)) << r.err;
      if (c.runs_here) {
        EXPECT_EQ(r.status, 0) << r.err;
      }
    }
    if (c.base.empty()) continue;
    if (c.runs_here) {
      const CliResult r = run_cli(c.base);
      EXPECT_EQ(r.status, 0) << r.err;
    }
    // An option it does not take: exit 2, one line naming it, nothing on stdout.
    const CliResult r = run_cli(plus(c.base, {"--no-such-option"}));
    EXPECT_EQ(r.status, 2) << r.err;
    EXPECT_TRUE(r.out.empty()) << r.out;
    EXPECT_TRUE(refused_by_parser(r)) << r.err;
    EXPECT_NE(r.err.find("--no-such-option"), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find('\n'), r.err.size() - 1) << r.err;
  }
  std::filesystem::remove_all(t);
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
  // apply_view's order: CTR_EL0 first, CLIDR_EL1 last.
  ASSERT_EQ(j["writes"].size(), 5u);
  EXPECT_EQ(j["writes"][0]["register"], "CTR_EL0");
  EXPECT_EQ(j["writes"][1]["register"], "CCSIDR_EL1[0]");
  EXPECT_EQ(j["writes"][4]["register"], "CLIDR_EL1");
  EXPECT_EQ(j["writes"][4]["id"], "0x603000000013c801");
  EXPECT_EQ(j["writes"][4]["value"], "0x82000023");
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
