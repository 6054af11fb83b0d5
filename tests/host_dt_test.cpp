// Device-tree discovery cross-checked against dtc's own decompilation of the
// fixtures' DTBs, plus malformed trees built with dtc.
#include <sys/stat.h>

#include <fstream>
#include <map>
#include <regex>
#include <sstream>

extern "C" {
#include <libfdt.h>
}

#include "armcache/host/devicetree.h"
#include "armcache/host/discover.h"
#include "host_test_util.h"

namespace armcache::host::test {
namespace {

// Just enough of dtc's dts output: node paths in order and their
// single-cell, string or empty properties.
struct DtsNode {
  std::string path;
  std::map<std::string, std::string> props;  // raw text after '=' or "" for flags
};

std::vector<DtsNode> parse_dts(const std::string& text) {
  std::vector<DtsNode> nodes;
  std::vector<std::string> stack;
  std::vector<std::size_t> open;
  std::istringstream in(text);
  std::string line;
  const std::regex node_re(R"(^\s*([^\s=]+)\s*\{\s*$)"), prop_re(R"(^\s*([^\s=]+)\s*(=\s*(.*))?;\s*$)");
  std::smatch m;
  while (std::getline(in, line)) {
    if (std::regex_match(line, m, node_re)) {
      stack.push_back(m[1] == "/" ? "" : m[1].str());
      std::string path;
      for (std::size_t i = 1; i < stack.size(); ++i) path += "/" + stack[i];
      nodes.push_back({path.empty() ? "/" : path, {}});
      open.push_back(nodes.size() - 1);
    } else if (line.find("};") != std::string::npos && !stack.empty() && line.find('=') == std::string::npos) {
      stack.pop_back();
      open.pop_back();
    } else if (!open.empty() && std::regex_match(line, m, prop_re)) {
      nodes[open.back()].props[m[1]] = m[3];
    }
  }
  return nodes;
}

std::optional<std::uint64_t> cell(const DtsNode& n, const std::string& p) {
  auto it = n.props.find(p);
  if (it == n.props.end()) return std::nullopt;
  std::smatch m;
  static const std::regex one(R"(<(0x[0-9a-f]+)>)");
  if (!std::regex_match(it->second, m, one)) return std::nullopt;
  return std::stoull(m[1], nullptr, 16);
}

void cross_check(const std::string& dtb) {
  SCOPED_TRACE(dtb);
  const auto nodes = parse_dts(run("dtc -q -I dtb -O dts " + dtb));
  auto parsed = read_dt(dtb);
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  std::map<std::uint64_t, const DtsNode*> by_phandle;
  for (const auto& n : nodes)
    if (auto ph = cell(n, "phandle")) by_phandle[*ph] = &n;
  unsigned cpu = 0;
  for (const auto& n : nodes) {
    if (n.path.rfind("/cpus/cpu@", 0) != 0 || n.path.find('/', 6) != std::string::npos) continue;
    ASSERT_LT(cpu, parsed->cpus.size());
    const CpuInfo& mine = parsed->cpus[cpu++];
    for (auto [p, t] : {std::pair{"d-", cache::CacheKind::kData}, std::pair{"i-", cache::CacheKind::kInstruction}}) {
      const CacheInfo* c = find_cache(mine, 1, t);
      ASSERT_NE(c, nullptr);
      EXPECT_EQ(c->size.value, cell(n, std::string(p) + "cache-size"));
      EXPECT_EQ(c->sets.value, cell(n, std::string(p) + "cache-sets"));
      EXPECT_EQ(c->line.value, cell(n, std::string(p) + "cache-line-size"));
    }
    auto next = cell(n, "next-level-cache");
    unsigned levels = 1;
    while (next) {
      const DtsNode* cn = by_phandle.at(*next);
      const unsigned level = unsigned(cell(*cn, "cache-level").value());
      const CacheInfo* c = find_cache(mine, level, cache::CacheKind::kUnified);
      ASSERT_NE(c, nullptr) << cn->path;
      EXPECT_EQ(c->size.value, cell(*cn, "cache-size"));
      EXPECT_EQ(c->sets.value, cell(*cn, "cache-sets"));
      EXPECT_EQ(c->line.value, cell(*cn, "cache-line-size"));
      ++levels;
      next = cell(*cn, "next-level-cache");
    }
    EXPECT_EQ(mine.caches.size(), levels + 1);  // split L1 counts twice
  }
  EXPECT_EQ(cpu, parsed->cpus.size());
}

TEST(HostDt, FixturesAgreeWithDtc) {
  ARMCACHE_REQUIRE_ORACLE("dtc", "device-tree-compiler");
  for (const char* f : {"homogeneous", "hetero", "missing", "inconsistent"}) cross_check(fixture(f) + "/board.dtb");
}

TEST(HostDt, HeteroClustersAndSharing) {
  auto d = read_dt(fixture("hetero") + "/board.dtb");
  ASSERT_TRUE(d.ok());
  ASSERT_EQ(d->cpus.size(), 8u);
  // make-hetero.sh puts cpu@0-3 in cluster0 and cpu@4-7 in cluster1, each
  // with its own L3.
  EXPECT_EQ(*d->cpus[2].cluster_id.value, 0);
  EXPECT_EQ(*d->cpus[6].cluster_id.value, 1);
  const CacheInfo* l3 = find_cache(d->cpus[6], 3, cache::CacheKind::kUnified);
  ASSERT_NE(l3, nullptr);
  EXPECT_EQ(*l3->shared_cpus.value, (std::vector<unsigned>{4, 5, 6, 7}));
  // ways are derived: 2M / (2048 sets x 64 B) = 16.
  EXPECT_EQ(*l3->ways.value, 16u);
  EXPECT_EQ(l3->ways.source, Source::kDerived);
}

// Writes a blob out as a /proc/device-tree style directory.
void unflatten(const void* fdt, int node, const std::string& dir) {
  ::mkdir(dir.c_str(), 0755);
  int p;
  fdt_for_each_property_offset(p, fdt, node) {
    const char* name;
    int len;
    const void* v = fdt_getprop_by_offset(fdt, p, &name, &len);
    std::ofstream(dir + "/" + name, std::ios::binary).write(static_cast<const char*>(v), len);
  }
  int sub;
  fdt_for_each_subnode(sub, fdt, node) unflatten(fdt, sub, dir + "/" + fdt_get_name(fdt, sub, nullptr));
}

TEST(HostDt, DirectoryReadsLikeBlob) {
  const auto blob = slurp(fixture("hetero") + "/board.dtb");
  const std::string dir = temp_dir() + "/device-tree";
  unflatten(blob.data(), 0, dir);
  auto a = read_dt(fixture("hetero") + "/board.dtb");
  auto b = read_dt(dir);
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE(b.ok()) << b.error().message;
  EXPECT_EQ(a->cpus, b->cpus);
  run("rm -rf " + dir.substr(0, dir.rfind('/')));
}

std::vector<std::uint8_t> compile_dts(const std::string& dts) {
  const std::string d = temp_dir();
  std::ofstream(d + "/t.dts") << dts;
  run("dtc -q -I dts -O dtb -o " + d + "/t.dtb " + d + "/t.dts 2>/dev/null");
  auto out = slurp(d + "/t.dtb");
  run("rm -rf " + d);
  return out;
}

TEST(HostDt, MalformedTreesWarnOrFail) {
  ARMCACHE_REQUIRE_ORACLE("dtc", "device-tree-compiler");
  // L2 -> L3 -> L2: a loop in the next-level chain.
  const auto loop = compile_dts(R"(/dts-v1/;
/ { cpus { #address-cells = <1>; #size-cells = <0>;
  cpu@0 { device_type = "cpu"; reg = <0>; d-cache-size = <0x8000>; d-cache-sets = <0x80>;
          d-cache-line-size = <0x40>; next-level-cache = <&l2>; };
  l2: l2 { compatible = "cache"; cache-unified; cache-level = <2>; next-level-cache = <&l3>; };
  l3: l3 { compatible = "cache"; cache-unified; cache-level = <3>; next-level-cache = <&l2>; };
}; };)");
  ASSERT_FALSE(loop.empty());
  auto r = parse_dt_blob(loop);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(has_warning(*r, "chain loops"));
  EXPECT_EQ(r->cpus[0].caches.size(), 3u);  // L1d, L2, L3 once each
  // A phandle that names nothing, and a size that is not sets x line x ways.
  const auto bad = compile_dts(R"(/dts-v1/;
/ { cpus { #address-cells = <1>; #size-cells = <0>;
  cpu@0 { device_type = "cpu"; reg = <0>; d-cache-size = <0x8001>; d-cache-sets = <0x80>;
          d-cache-line-size = <0x40>; next-level-cache = <0x4242>; };
}; };)");
  r = parse_dt_blob(bad);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(has_warning(*r, "names no node"));
  EXPECT_TRUE(has_warning(*r, "not a multiple"));
  // Truncated blobs and garbage are one-line errors.
  std::vector<std::uint8_t> cut(loop.begin(), loop.begin() + long(loop.size() / 2));
  auto e = parse_dt_blob(cut);
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.error().message.find('\n'), std::string::npos);
  EXPECT_FALSE(parse_dt_blob(std::vector<std::uint8_t>(100, 0xff)).ok());
  EXPECT_FALSE(parse_dt_blob({}).ok());
}

}  // namespace
}  // namespace armcache::host::test
