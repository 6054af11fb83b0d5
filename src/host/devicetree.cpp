#include "armcache/host/devicetree.h"

#include <dirent.h>
#include <fmt/format.h>
#include <sys/stat.h>

extern "C" {
#include <libfdt.h>
}

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <set>

#include "armcache/host/io.h"
#include "armcache/util/fdt_error.h"
#include "armcache/util/file.h"

namespace armcache::host {
namespace {

constexpr std::size_t kMaxBlob = 64u << 20;

std::optional<std::uint32_t> prop_u32(const void* fdt, int node, const char* name) {
  int len = 0;
  const void* p = fdt_getprop(fdt, node, name, &len);
  if (!p || len != 4) return std::nullopt;
  return fdt32_ld(static_cast<const fdt32_t*>(p));
}

bool has_prop(const void* fdt, int node, const char* name) { return fdt_getprop(fdt, node, name, nullptr) != nullptr; }

std::string node_path(const void* fdt, int node) {
  char buf[512];
  if (fdt_get_path(fdt, node, buf, sizeof buf) != 0) return fmt::format("node@{}", node);
  return buf;
}

// Fills size/sets/line from properties named prefix + "cache-size" etc. and
// derives ways as the kernel does, but only when the product is exact.
void fill_geometry(const void* fdt, int node, const std::string& prefix, CacheInfo& c,
                   std::vector<std::string>& warnings) {
  const auto get = [&](const char* what) { return prop_u32(fdt, node, (prefix + what).c_str()); };
  if (auto v = get("cache-size")) c.size.set(*v, Source::kDeviceTree);
  if (auto v = get("cache-sets")) c.sets.set(*v, Source::kDeviceTree);
  if (auto v = get("cache-line-size")) c.line.set(*v, Source::kDeviceTree);
  else if (auto b = get("cache-block-size")) c.line.set(*b, Source::kDeviceTree);
  if (c.size.known() && c.sets.known() && c.line.known() && *c.sets.value && *c.line.value) {
    const std::uint64_t per_way = std::uint64_t(*c.sets.value) * *c.line.value;
    if (*c.size.value % per_way == 0 && *c.size.value / per_way <= 0xffffffffu)
      c.ways.set(std::uint32_t(*c.size.value / per_way), Source::kDerived);
    else
      warnings.push_back(fmt::format("{}: {}cache-size {} is not a multiple of sets x line ({} x {})",
                                     node_path(fdt, node), prefix, *c.size.value, *c.sets.value, *c.line.value));
  }
}

struct CacheRef {
  int node;
  cache::CacheKind type;
  unsigned level;
};

}  // namespace

Result<SourceDescription> parse_dt_blob(std::span<const std::uint8_t> blob) {
  const void* fdt = blob.data();
  if (blob.size() < sizeof(fdt_header)) return Error::make("device tree: shorter than an FDT header");
  if (int e = fdt_check_full(fdt, blob.size()); e != 0)
    return Error::make(fmt::format("device tree: {}", fdt_strerror(e)));
  SourceDescription out;
  out.source = Source::kDeviceTree;
  const int cpus_node = fdt_path_offset(fdt, "/cpus");
  if (cpus_node < 0) return Error::make("device tree: no /cpus node");

  // cpu nodes in order: their position is the logical CPU number.
  std::vector<int> cpu_nodes;
  int child;
  fdt_for_each_subnode(child, fdt, cpus_node) {
    int len = 0;
    const char* dt = static_cast<const char*>(fdt_getprop(fdt, child, "device_type", &len));
    if (dt && len >= 4 && std::strncmp(dt, "cpu", std::size_t(len)) == 0) cpu_nodes.push_back(child);
    if (cpu_nodes.size() >= 65536) break;
  }
  if (cpu_nodes.empty()) out.warnings.push_back("device tree: no cpu nodes under /cpus");

  std::map<int, std::vector<unsigned>> sharers;  // cache node -> CPUs
  std::vector<std::vector<CacheRef>> chains(cpu_nodes.size());
  for (unsigned cpu = 0; cpu < cpu_nodes.size(); ++cpu) {
    const int node = cpu_nodes[cpu];
    CpuInfo info;
    info.cpu = cpu;
    // L1: split (i-/d- properties) or unified (cache-size in the cpu node).
    const bool l1_unified = has_prop(fdt, node, "cache-unified") || has_prop(fdt, node, "cache-size");
    if (l1_unified) {
      CacheInfo c{.level = 1, .type = cache::CacheKind::kUnified};
      fill_geometry(fdt, node, "", c, out.warnings);
      c.shared_cpus.set({cpu}, Source::kDeviceTree);
      info.caches.push_back(c);
    } else {
      for (auto [prefix, type] : {std::pair{"d-", cache::CacheKind::kData}, std::pair{"i-", cache::CacheKind::kInstruction}}) {
        if (!has_prop(fdt, node, (std::string(prefix) + "cache-size").c_str()) &&
            !has_prop(fdt, node, (std::string(prefix) + "cache-sets").c_str()))
          continue;
        CacheInfo c{.level = 1, .type = type};
        fill_geometry(fdt, node, prefix, c, out.warnings);
        c.shared_cpus.set({cpu}, Source::kDeviceTree);
        info.caches.push_back(c);
      }
    }
    // next-level-cache chain; a loop or a chain deeper than CLIDR's 7
    // levels stops the walk.
    std::set<int> seen;
    unsigned level = info.caches.empty() ? 0 : 1;
    int cur = node;
    while (auto ph = prop_u32(fdt, cur, "next-level-cache")) {
      const int next = fdt_node_offset_by_phandle(fdt, *ph);
      if (next < 0) {
        out.warnings.push_back(fmt::format("device tree: {}: next-level-cache <{:#x}> names no node",
                                           node_path(fdt, cur), *ph));
        break;
      }
      if (!seen.insert(next).second || next == node) {
        out.warnings.push_back(fmt::format("device tree: {}: next-level-cache chain loops", node_path(fdt, node)));
        break;
      }
      unsigned lvl = level + 1;
      if (auto l = prop_u32(fdt, next, "cache-level")) {
        if (*l < 1 || *l > 7 || *l <= level) {
          out.warnings.push_back(fmt::format("device tree: {}: cache-level {} after level {}, ignored",
                                             node_path(fdt, next), *l, level));
        } else {
          lvl = *l;
        }
      }
      if (lvl > 7) {
        out.warnings.push_back(fmt::format("device tree: {}: chain deeper than 7 levels", node_path(fdt, node)));
        break;
      }
      level = lvl;
      sharers[next].push_back(cpu);
      if (has_prop(fdt, next, "d-cache-size") || has_prop(fdt, next, "i-cache-size")) {
        chains[cpu].push_back({next, cache::CacheKind::kData, lvl});
        chains[cpu].push_back({next, cache::CacheKind::kInstruction, lvl});
      } else {
        chains[cpu].push_back({next, cache::CacheKind::kUnified, lvl});
      }
      cur = next;
    }
    out.cpus.push_back(std::move(info));
  }
  for (unsigned cpu = 0; cpu < cpu_nodes.size(); ++cpu) {
    for (const CacheRef& r : chains[cpu]) {
      CacheInfo c{.level = r.level, .type = r.type};
      const char* prefix = r.type == cache::CacheKind::kData ? "d-" : r.type == cache::CacheKind::kInstruction ? "i-" : "";
      fill_geometry(fdt, r.node, prefix, c, out.warnings);
      if (c.size.value.value_or(0) == 0 && !c.sets.known() && !c.line.known())
        out.warnings.push_back(fmt::format("device tree: {}: no cache-size, cache-sets or cache-line-size",
                                           node_path(fdt, r.node)));
      std::vector<unsigned> s = sharers[r.node];
      std::sort(s.begin(), s.end());
      s.erase(std::unique(s.begin(), s.end()), s.end());
      c.shared_cpus.set(std::move(s), Source::kDeviceTree);
      out.cpus[cpu].caches.push_back(std::move(c));
    }
    sort_caches(out.cpus[cpu].caches);
  }
  // Warnings about shared caches repeat once per CPU: keep one of each.
  std::sort(out.warnings.begin(), out.warnings.end());
  out.warnings.erase(std::unique(out.warnings.begin(), out.warnings.end()), out.warnings.end());

  // cpu-map: every node holding core nodes is a cluster, numbered in order;
  // socket nodes give the package.
  const int map = fdt_subnode_offset(fdt, cpus_node, "cpu-map");
  if (map >= 0) {
    std::map<std::uint32_t, unsigned> by_phandle;
    for (unsigned cpu = 0; cpu < cpu_nodes.size(); ++cpu)
      if (std::uint32_t ph = fdt_get_phandle(fdt, cpu_nodes[cpu])) by_phandle[ph] = cpu;
    std::int64_t cluster = 0;
    const auto assign = [&](int holder, std::int64_t cl, std::int64_t pkg, auto& self, int depth) -> void {
      if (depth > 8) return;  // cpu-map nests socket/cluster/cluster/core/thread at most
      int sub;
      bool has_cores = false;
      fdt_for_each_subnode(sub, fdt, holder) {
        const char* name = fdt_get_name(fdt, sub, nullptr);
        if (!name) continue;
        const std::string_view n(name);
        if (n.starts_with("core") || n.starts_with("thread")) {
          has_cores = true;
          std::vector<int> leaves{sub};
          int t;
          bool threads = false;
          fdt_for_each_subnode(t, fdt, sub) { threads = true; }
          if (threads) {
            leaves.clear();
            fdt_for_each_subnode(t, fdt, sub) leaves.push_back(t);
          }
          for (int leaf : leaves) {
            auto ph = prop_u32(fdt, leaf, "cpu");
            if (!ph) continue;
            auto it = by_phandle.find(*ph);
            if (it == by_phandle.end()) {
              out.warnings.push_back(fmt::format("device tree: {}: cpu <{:#x}> is no cpu node",
                                                 node_path(fdt, leaf), *ph));
              continue;
            }
            out.cpus[it->second].cluster_id.set(cl, Source::kDeviceTree);
            out.cpus[it->second].package_id.set(pkg, Source::kDeviceTree);
          }
        }
      }
      std::int64_t socket = 0;
      fdt_for_each_subnode(sub, fdt, holder) {
        const char* name = fdt_get_name(fdt, sub, nullptr);
        if (!name) continue;
        const std::string_view n(name);
        if (n.starts_with("cluster")) {
          self(sub, cluster++, pkg, self, depth + 1);
        } else if (n.starts_with("socket")) {
          self(sub, cl, socket++, self, depth + 1);
        }
      }
      (void)has_cores;
    };
    assign(map, -1, 0, assign, 0);
  }
  return out;
}

namespace {

Error dir_error(const std::string& path, int err) {
  return Error::make(fmt::format("{}: {}", path, std::strerror(err)), err);
}

// Flattens /proc/device-tree: directories are nodes, files are properties.
// A directory that cannot be listed fails: a tree missing nodes would read
// as a different machine.
Status add_dir(void* fdt, const std::string& dir, int depth) {
  if (depth > 32) return Ok{};
  DIR* d = ::opendir(dir.c_str());
  if (!d) return dir_error(dir, errno);
  std::vector<std::string> files, dirs;
  int err = 0;
  for (;;) {
    errno = 0;  // readdir() returns NULL both at the end and on failure
    const dirent* e = ::readdir(d);
    if (!e) {
      err = errno;
      break;
    }
    const std::string n = e->d_name;
    if (n == "." || n == "..") continue;
    struct stat st;
    if (::lstat((dir + "/" + n).c_str(), &st) != 0) {
      if (errno == ENOENT) continue;  // removed since readdir() (an overlay going away)
      err = errno;
      break;
    }
    if (S_ISDIR(st.st_mode)) dirs.push_back(n);
    else if (S_ISREG(st.st_mode)) files.push_back(n);
  }
  ::closedir(d);
  if (err) return dir_error(dir, err);
  std::sort(files.begin(), files.end());
  std::sort(dirs.begin(), dirs.end());
  for (const auto& f : files) {
    if (f == "name") continue;  // the legacy "name" property duplicates the node name
    auto data = read_file(dir + "/" + f, kMaxBlob);
    // The kernel makes security-* properties readable by root only (EACCES,
    // or EPERM under a security module), and the cache description never
    // needs them; ENOENT: removed since readdir().
    if (!data && (data.error().errnum == EACCES || data.error().errnum == EPERM || data.error().errnum == ENOENT))
      continue;
    if (!data) return data.error();
    if (int e = fdt_property(fdt, f.c_str(), data->data(), int(data->size())); e) return fdt_error({}, e);
  }
  for (const auto& s : dirs) {
    if (int e = fdt_begin_node(fdt, s.c_str()); e) return fdt_error({}, e);
    if (auto st = add_dir(fdt, dir + "/" + s, depth + 1); !st) return st;
    if (int e = fdt_end_node(fdt); e) return fdt_error({}, e);
  }
  return Ok{};
}

// The directory tree at `path` as a blob, built in `size` bytes.
Result<std::vector<std::uint8_t>> flatten(const std::string& path, std::size_t size) {
  std::vector<std::uint8_t> blob(size, 0);
  void* fdt = blob.data();
  int e = fdt_create(fdt, int(size));
  if (!e) e = fdt_finish_reservemap(fdt);
  if (!e) e = fdt_begin_node(fdt, "");
  if (e) return fdt_error({}, e);
  if (auto st = add_dir(fdt, path, 0); !st) return st.error();
  e = fdt_end_node(fdt);
  if (!e) e = fdt_finish(fdt);
  if (e) return fdt_error({}, e);
  blob.resize(fdt_totalsize(fdt));
  return blob;
}

}  // namespace

Result<SourceDescription> read_dt(const std::string& path) {
  std::vector<std::uint8_t> blob;  // a directory, flattened
  std::string file;                 // or the blob file as read
  const bool dir = is_directory(path);
  if (dir) {
    // Twice the room while libfdt runs out of it, up to kMaxBlob.
    auto flat = flatten(path, 1u << 16);
    for (std::size_t size = 1u << 17; !flat && flat.error().errnum == ENOSPC && size <= kMaxBlob; size *= 2)
      flat = flatten(path, size);
    if (!flat)
      return Error::make(fmt::format("{}: cannot flatten: {}", path, flat.error().message), flat.error().errnum);
    blob = std::move(*flat);
  } else {
    auto data = read_file(path, kMaxBlob);
    if (!data) return data.error();
    file = std::move(*data);
  }
  auto r = parse_dt_blob(dir ? std::span<const std::uint8_t>(blob) : bytes_of(file));
  if (!r) return Error::make(fmt::format("{}: {}", path, r.error().message));
  r->origin = path;
  return r;
}

}  // namespace armcache::host
