// PPTT parsing against tables compiled with iasl and cross-checked with
// iasl -d; malformed tables are patched compiled tables (offsets worked out
// by hand from ACPI 6.5 section 5.2.30).
#include <fmt/format.h>

#include <cstring>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "armcache/cache/pptt_layout.h"
#include "armcache/host/pptt.h"
#include "host_test_util.h"

namespace armcache::host::test {
namespace {

std::string header(unsigned rev) {
  return fmt::format(
      "Signature : \"PPTT\"\nTable Length : 00000000\nRevision : {:02X}\nChecksum : 00\nOem ID : \"ARMCA \"\n"
      "Oem Table ID : \"HOSTTEST\"\nOem Revision : 00000001\nAsl Compiler ID : \"INTL\"\n"
      "Asl Compiler Revision : 00000000\n\n",
      rev);
}

std::string proc(std::uint32_t flags, std::uint32_t parent, std::uint32_t id, std::vector<std::uint32_t> res) {
  std::string s = fmt::format(
      "Subtable Type : 00\nLength : {:02X}\nReserved : 0000\nFlags (decoded below) : {:08X}\n"
      "Physical package : {}\nACPI Processor ID valid : {}\nProcessor is a thread : {}\nNode is a leaf : {}\n"
      "Identical Implementation : {}\nParent : {:08X}\nACPI Processor ID : {:08X}\nPrivate Resource Number : {:08X}\n",
      20 + 4 * res.size(), flags, flags & 1, (flags >> 1) & 1, (flags >> 2) & 1, (flags >> 3) & 1, (flags >> 4) & 1,
      parent, id, res.size());
  for (auto r : res) s += fmt::format("Private Resource : {:08X}\n", r);
  return s + "\n";
}

std::string cache(std::uint32_t flags, std::uint32_t next, std::uint32_t size, std::uint32_t sets, unsigned ways,
                  unsigned attr, unsigned line) {
  return fmt::format(
      "Subtable Type : 01\nLength : 18\nReserved : 0000\nFlags (decoded below) : {:08X}\nSize valid : {}\n"
      "Number of Sets valid : {}\nAssociativity valid : {}\nAllocation Type valid : {}\nCache Type valid : {}\n"
      "Write Policy valid : {}\nLine Size valid : {}\nNext Level of Cache : {:08X}\nSize : {:08X}\n"
      "Number of Sets : {:08X}\nAssociativity : {:02X}\nAttributes : {:02X}\nAllocation Type : {}\nCache Type : {}\n"
      "Write Policy : {}\nLine Size : {:04X}\n\n",
      flags, flags & 1, (flags >> 1) & 1, (flags >> 2) & 1, (flags >> 3) & 1, (flags >> 4) & 1, (flags >> 5) & 1,
      (flags >> 6) & 1, next, size, sets, ways, attr, attr & 3, (attr >> 2) & 3, (attr >> 4) & 1, line);
}

std::vector<std::uint8_t> compile(const std::string& asl) {
  const std::string d = temp_dir();
  std::ofstream(d + "/t.asl") << asl;
  int rc = 0;
  const std::string log = run("cd " + d + " && iasl t.asl 2>&1", &rc);
  EXPECT_EQ(rc, 0) << log;
  auto out = slurp(d + "/t.aml");
  run("rm -rf " + d);
  return out;
}

// Fields of every subtable in iasl -d output, keyed by its offset.
std::map<std::uint32_t, std::map<std::string, std::string>> disassemble(const std::vector<std::uint8_t>& t) {
  const std::string d = temp_dir();
  std::ofstream(d + "/t.aml", std::ios::binary).write(reinterpret_cast<const char*>(t.data()), long(t.size()));
  run("cd " + d + " && iasl -d t.aml >/dev/null 2>&1");
  std::ifstream in(d + "/t.dsl");
  std::map<std::uint32_t, std::map<std::string, std::string>> out;
  std::string line;
  std::uint32_t cur = 0;
  const std::regex re(R"(^\[([0-9A-F]+)h [0-9]+ +[0-9]+\]\s+(.*?) : (\S+).*$)");
  std::smatch m;
  while (std::getline(in, line)) {
    if (!std::regex_match(line, m, re)) continue;
    const std::uint32_t off = std::uint32_t(std::stoul(m[1], nullptr, 16));
    if (m[2] == "Subtable Type") cur = off;
    if (cur) out[cur][m[2]] = m[3];
  }
  run("rm -rf " + d);
  return out;
}

std::uint64_t hex(const std::string& s) { return std::stoull(s, nullptr, 16); }

// Package 0x24 -> cluster 0x3C -> leaves 0x54, 0x70; L3 0x8C on the package,
// L2 0xA4 on the cluster, private L1D/L1I per leaf chaining to L2 -> L3.
std::string two_cpu_table(unsigned rev) {
  return header(rev) + proc(0x1, 0, 0, {0x8C}) + proc(0x0, 0x24, 0, {0xA4}) +
         proc(0xA, 0x3C, 0, {0xBC, 0xD4}) + proc(0xA, 0x3C, 1, {0xEC, 0x104}) +
         cache(0x7F, 0, 0x200000, 2048, 16, 0x0A, 64) +  // L3 unified, RW-allocate, write-back
         cache(0x7F, 0x8C, 0x80000, 1024, 8, 0x0A, 64) +  // L2
         cache(0x7F, 0xA4, 0x8000, 128, 4, 0x02, 64) +    // cpu0 L1D
         cache(0x5F, 0xA4, 0x8000, 256, 2, 0x04, 64) +    // cpu0 L1I, no write policy
         cache(0x7F, 0xA4, 0x8000, 128, 4, 0x02, 64) +    // cpu1 L1D
         cache(0x5F, 0xA4, 0x8000, 256, 2, 0x04, 64);     // cpu1 L1I
}

TEST(HostPptt, CompiledTableMatchesIaslDisassembly) {
  ARMCACHE_REQUIRE_ORACLE("iasl", "acpica-tools");
  for (unsigned rev : {1u, 2u}) {
    SCOPED_TRACE(rev);
    // Revision 1 has no leaf flag: leaves are the nodes nobody names as parent.
    const auto t = compile(rev == 1 ? two_cpu_table(1) : two_cpu_table(2));
    ASSERT_EQ(t.size(), 0x11Cu);
    auto p = parse_pptt(t);
    ASSERT_TRUE(p.ok()) << p.error().message;
    const auto dis = disassemble(t);
    // Every cache structure iasl shows appears, with its valid fields, in
    // the parsed caches, and nothing else does.
    std::set<std::tuple<std::uint64_t, std::uint64_t, std::uint64_t, std::uint64_t>> from_iasl, parsed;
    unsigned leaves = 0;
    for (const auto& [off, f] : dis) {
      if (f.at("Subtable Type") == "01")
        from_iasl.insert({hex(f.at("Size")), hex(f.at("Number of Sets")), hex(f.at("Associativity")),
                          hex(f.at("Line Size"))});
      if (f.at("Subtable Type") == "00" && !(hex(f.at("Flags (decoded below)")) & 1) && hex(f.at("Parent")) == 0x3C) ++leaves;
    }
    for (const auto& c : p->cpus)
      for (const auto& k : c.caches) parsed.insert({*k.size.value, *k.sets.value, *k.ways.value, *k.line.value});
    EXPECT_EQ(parsed, from_iasl);
    ASSERT_EQ(p->cpus.size(), leaves);
    // Hand-derived hierarchy: L1 private, L2 and L3 shared by both CPUs.
    for (const auto& c : p->cpus) {
      const CacheInfo* l1d = find_cache(c, 1, cache::CacheKind::kData);
      const CacheInfo* l1i = find_cache(c, 1, cache::CacheKind::kInstruction);
      const CacheInfo* l2 = find_cache(c, 2, cache::CacheKind::kUnified);
      const CacheInfo* l3 = find_cache(c, 3, cache::CacheKind::kUnified);
      ASSERT_TRUE(l1d && l1i && l2 && l3);
      EXPECT_EQ(*l1d->shared_cpus.value, std::vector<unsigned>{c.cpu});
      EXPECT_EQ(*l2->shared_cpus.value, (std::vector<unsigned>{0, 1}));
      EXPECT_EQ(*l3->size.value, 0x200000u);
      EXPECT_EQ(*l1d->allocation_policy.value, "ReadWriteAllocate");
      EXPECT_EQ(*l1d->write_policy.value, "WriteBack");
      EXPECT_FALSE(l1i->write_policy.known());  // flag bit 5 clear
      EXPECT_EQ(*c.cluster_id.value, 0x3C);      // no valid ACPI id: the node's offset
      EXPECT_EQ(*c.package_id.value, 0x24);
    }
    EXPECT_TRUE(p->warnings.empty() || rev == 1) << p->warnings.front();
  }
}

void fix_checksum(std::vector<std::uint8_t>& t) {
  t[9] = 0;
  std::uint8_t s = 0;
  for (auto b : t) s = std::uint8_t(s + b);
  t[9] = std::uint8_t(-s);
}
using cache::pptt::put32;

TEST(HostPptt, MalformedTables) {
  ARMCACHE_REQUIRE_ORACLE("iasl", "acpica-tools");
  const auto good = compile(two_cpu_table(2));
  ASSERT_EQ(good.size(), 0x11Cu);
  {  // L3's next level (0x8C + 8) points back at L2: a loop.
    auto t = good;
    put32(t, 0x8C + 8, 0xA4);
    fix_checksum(t);
    auto p = parse_pptt(t);
    ASSERT_TRUE(p.ok());
    EXPECT_TRUE(has_warning(*p, "loops"));
    EXPECT_EQ(p->cpus.size(), 2u);
    // iasl still disassembles it (the loop is semantic, not structural).
    EXPECT_FALSE(disassemble(t).empty());
  }
  {  // cpu0's L1I resource (0x54 + 24) out of range.
    auto t = good;
    put32(t, 0x54 + 24, 0x10000);
    fix_checksum(t);
    auto p = parse_pptt(t);
    ASSERT_TRUE(p.ok());
    EXPECT_TRUE(has_warning(*p, "outside the table"));
    EXPECT_EQ(find_cache(p->cpus[0], 1, cache::CacheKind::kInstruction), nullptr);
  }
  {  // A structure length of 0 stops the walk; 0xFF runs past the end.
    for (std::uint8_t len : {0, 0xFF}) {
      auto t = good;
      t[0x70 + 1] = len;
      fix_checksum(t);
      auto p = parse_pptt(t);
      ASSERT_TRUE(p.ok());
      EXPECT_TRUE(has_warning(*p, "length")) << int(len);
    }
  }
  {  // Private resource count larger than the node.
    auto t = good;
    put32(t, 0x54 + 16, 1000);
    fix_checksum(t);
    auto p = parse_pptt(t);
    ASSERT_TRUE(p.ok());
    EXPECT_TRUE(has_warning(*p, "do not fit"));
  }
  {  // Parent loop: the cluster's parent is the leaf below it.
    auto t = good;
    put32(t, 0x3C + 8, 0x54);
    fix_checksum(t);
    auto p = parse_pptt(t);
    ASSERT_TRUE(p.ok());
  }
  {  // Bad checksum is a warning; validity flags cleared hide the fields.
    auto t = good;
    put32(t, 0xBC + 4, 0x10);  // cpu0 L1D: only the cache type valid
    auto p = parse_pptt(t);
    ASSERT_TRUE(p.ok());
    EXPECT_TRUE(has_warning(*p, "checksum"));
    const CacheInfo* l1d = find_cache(p->cpus[0], 1, cache::CacheKind::kData);
    ASSERT_NE(l1d, nullptr);
    EXPECT_FALSE(l1d->size.known());
    EXPECT_FALSE(l1d->ways.known());
  }
  // Header-level damage is a one-line error.
  auto t = good;
  put32(t, 4, 0x1000);
  EXPECT_FALSE(parse_pptt(t).ok());
  t = good;
  t[0] = 'X';
  EXPECT_FALSE(parse_pptt(t).ok());
  EXPECT_FALSE(parse_pptt(std::vector<std::uint8_t>(good.begin(), good.begin() + 20)).ok());
}

TEST(HostPptt, Revision3CacheId) {
  // Built by hand: iasl 20200925 (Debian 12) predates the revision 3 cache
  // structure. Header, one leaf (flags leaf | id valid) with one resource at
  // 0x3C, one 28-byte unified cache with every flag and cache id 0x1234.
  std::vector<std::uint8_t> t(36 + 24 + 28, 0);
  std::memcpy(t.data(), "PPTT", 4);
  put32(t, 4, std::uint32_t(t.size()));
  t[8] = 3;
  t[36] = 0;
  t[37] = 24;
  put32(t, 40, 0xA);
  put32(t, 52, 1);
  put32(t, 56, 0x3C);
  t[0x3C] = 1;
  t[0x3D] = 28;
  put32(t, 0x3C + 4, 0xFF);
  put32(t, 0x3C + 12, 0x100000);
  put32(t, 0x3C + 16, 1024);
  t[0x3C + 20] = 16;
  t[0x3C + 21] = 0x0A;
  t[0x3C + 22] = 64;
  put32(t, 0x3C + 24, 0x1234);
  fix_checksum(t);
  auto p = parse_pptt(t);
  ASSERT_TRUE(p.ok()) << p.error().message;
  ASSERT_EQ(p->cpus.size(), 1u);
  ASSERT_EQ(p->cpus[0].caches.size(), 1u);
  EXPECT_EQ(*p->cpus[0].caches[0].id.value, 0x1234u);
  EXPECT_TRUE(p->warnings.empty());
  // The same structure in a revision 2 table: the id flag is not honoured.
  t[8] = 2;
  fix_checksum(t);
  p = parse_pptt(t);
  ASSERT_TRUE(p.ok());
  EXPECT_FALSE(p->cpus[0].caches[0].id.known());
  EXPECT_TRUE(has_warning(*p, "cache id valid flag in a revision 2 table"));
}

}  // namespace
}  // namespace armcache::host::test
