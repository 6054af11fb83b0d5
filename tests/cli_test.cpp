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
  EXPECT_NE(r.out.find("Neoverse N1"), std::string::npos) << r.out;
  r = run_cli({"decode", "reg-id", "0x6020000000110002", "--json"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(json::parse(r.out)["name"], "CCSIDR_EL1 selector 2");
}

TEST(CliDecode, EveryRegisterDecodes) {
  const std::pair<const char*, const char*> cases[] = {
      {"clidr", "0x82000023"},  {"ccsidr", "0x701fe01a"},          {"ccsidr2", "0x7ff"},
      {"csselr", "0x2"},        {"ctr", "0x8444c004"},             {"mmfr2", "0x1221011110101011"},
      {"pfr1", "0x120"},        {"midr", "0x410fd0c0"},            {"reg-id", "0x603000000013c801"},
  };
  for (auto [reg, value] : cases) {
    const CliResult r = run_cli({"decode", reg, value, "--json"});
    ASSERT_EQ(r.status, 0) << reg << ": " << r.err;
    EXPECT_EQ(json::parse(r.out)["value"], value);
  }
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
