#include "armcache/host/pptt.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <set>

#include "armcache/cache/pptt_layout.h"
#include "armcache/util/file.h"

namespace armcache::host {
namespace {

namespace pptt = cache::pptt;
namespace proc = cache::pptt::processor;
namespace ct = cache::pptt::cache_type;

struct Node {
  std::uint32_t offset;
  std::uint32_t flags;
  std::uint32_t parent;
  std::uint32_t acpi_id;
  std::vector<std::uint32_t> resources;
};

struct Cache {
  std::uint32_t offset;
  std::uint32_t flags;
  std::uint32_t next;
  std::uint32_t size, sets;
  std::uint8_t assoc, attributes;
  std::uint16_t line;
  std::optional<std::uint32_t> id;
};

class Parser {
 public:
  Parser(std::span<const std::uint8_t> t, SourceDescription& out) : t_(t), out_(out) {}

  Status run() {
    if (t_.size() < pptt::header::kLen)
      return Error::make(fmt::format("PPTT: {} bytes, shorter than the 36-byte header", t_.size()));
    if (std::memcmp(t_.data() + pptt::header::kSignature, pptt::kSignature, 4) != 0)
      return Error::make("PPTT: signature is not \"PPTT\"");
    const std::uint32_t length = pptt::get32(t_, pptt::header::kLength);
    if (length < pptt::header::kLen)
      return Error::make(fmt::format("PPTT: table length {} is below the header size", length));
    if (length > t_.size()) return Error::make(fmt::format("PPTT: table length {} but only {} bytes", length, t_.size()));
    t_ = t_.first(length);
    rev_ = t_[pptt::header::kRevision];
    if (rev_ < 1 || rev_ > pptt::kMaxRevision)
      warn(fmt::format("revision {} (known: 1 to {}), read as revision {}", rev_, pptt::kMaxRevision,
                       pptt::kMaxRevision));
    std::uint8_t sum = 0;
    for (std::uint8_t b : t_) sum = std::uint8_t(sum + b);
    if (sum != 0) warn(fmt::format("checksum does not add up (sum {:#04x})", sum));
    walk();
    build();
    return Ok{};
  }

 private:
  void warn(std::string m) { out_.warnings.push_back("PPTT: " + std::move(m)); }

  void walk() {
    std::size_t off = pptt::header::kLen;
    while (off < t_.size()) {
      if (t_.size() - off < 2) {
        warn(fmt::format("{} trailing bytes at offset {:#x}", t_.size() - off, off));
        return;
      }
      const std::uint8_t type = t_[off + pptt::kType], len = t_[off + pptt::kLength];
      if (len < 2 || len > t_.size() - off) {
        // Without a usable length nothing after this can be found.
        warn(fmt::format("structure at {:#x}: length {} is invalid, rest of the table ignored", off, len));
        return;
      }
      const auto p = t_.subspan(off, len);
      if (type == pptt::kTypeProcessor) {
        if (len < proc::kLen) {
          warn(fmt::format("processor node at {:#x}: length {} < {}", off, len, proc::kLen));
        } else {
          Node n{std::uint32_t(off), pptt::get32(p, proc::kFlags), pptt::get32(p, proc::kParent),
                 pptt::get32(p, proc::kAcpiProcessorId), {}};
          const std::uint32_t count = pptt::get32(p, proc::kResourceCount);
          if (count > (len - proc::kLen) / 4) {
            warn(fmt::format("processor node at {:#x}: {} private resources do not fit in length {}", off, count, len));
          } else {
            for (std::uint32_t i = 0; i < count; ++i) n.resources.push_back(pptt::get32(p, proc::kResources + 4 * i));
            if (rev_ < 2 && (n.flags & proc::kRevision2Flags))
              warn(fmt::format("processor node at {:#x}: flags {:#x} use revision 2 bits in a revision {} table",
                               off, n.flags, rev_));
            nodes_[n.offset] = std::move(n);
            order_.push_back(std::uint32_t(off));
          }
        }
      } else if (type == pptt::kTypeCache) {
        if (len < ct::kLen) {
          warn(fmt::format("cache structure at {:#x}: length {} < {}", off, len, ct::kLen));
        } else {
          Cache c{std::uint32_t(off),
                  pptt::get32(p, ct::kFlags),
                  pptt::get32(p, ct::kNextLevel),
                  pptt::get32(p, ct::kSize),
                  pptt::get32(p, ct::kSets),
                  p[ct::kAssociativity],
                  p[ct::kAttributes],
                  pptt::get16(p, ct::kLineSize),
                  std::nullopt};
          if (c.flags & ct::kCacheIdValid) {
            if (rev_ < 3)
              warn(fmt::format("cache structure at {:#x}: cache id valid flag in a revision {} table, ignored", off, rev_));
            else if (len < ct::kLenRev3)
              warn(fmt::format("cache structure at {:#x}: cache id valid but length {} < {}", off, len, ct::kLenRev3));
            else
              c.id = pptt::get32(p, ct::kCacheId);
          }
          caches_[c.offset] = c;
        }
      }
      // Type 2 (ID structure, revision 1 only) and unknown types: skipped by length.
      off += len;
    }
  }

  bool is_leaf(const Node& n) const {
    if (rev_ >= 2 && any_leaf_flag_) return n.flags & proc::kIsLeaf;
    return !parents_.count(n.offset);
  }

  template <typename Warn>
  const Node* parent_of(const Node& n, Warn& warn_once) {
    if (n.parent == 0) return nullptr;
    auto it = nodes_.find(n.parent);
    if (it == nodes_.end()) {
      warn_once(fmt::format("processor node at {:#x}: parent {:#x} is not a processor node", n.offset, n.parent));
      return nullptr;
    }
    return &it->second;
  }

  std::int64_t id_of(const Node& n) const {
    return (n.flags & proc::kAcpiIdValid) ? std::int64_t(n.acpi_id) : std::int64_t(n.offset);
  }

  void build() {
    for (const auto& [off, n] : nodes_) {
      if (n.parent) parents_.insert(n.parent);
      if (n.flags & proc::kIsLeaf) any_leaf_flag_ = true;
    }
    std::map<std::uint32_t, std::vector<unsigned>> sharers;  // cache offset -> CPUs
    std::vector<std::map<std::uint32_t, unsigned>> cpu_caches;  // cache offset -> level
    std::set<std::string> once;
    const auto warn_once = [&](std::string m) {
      if (once.insert(m).second) warn(std::move(m));
    };
    unsigned cpu = 0;
    for (std::uint32_t off : order_) {
      const Node& leaf = nodes_.at(off);
      if (!is_leaf(leaf)) continue;
      CpuInfo info;
      info.cpu = cpu;
      std::map<std::uint32_t, unsigned> levels;
      // Walk up: each node's caches are numbered after every level found
      // below it, and a next-level chain adds one level per step.
      unsigned base = 0;
      std::set<std::uint32_t> seen_nodes;
      const Node* n = &leaf;
      while (n) {
        if (!seen_nodes.insert(n->offset).second) {
          warn_once(fmt::format("processor node at {:#x}: parent chain loops", leaf.offset));
          break;
        }
        unsigned top = base;
        for (std::uint32_t r : n->resources) {
          if (!caches_.count(r)) {
            if (r < pptt::header::kLen || r >= t_.size())
              warn_once(fmt::format("processor node at {:#x}: private resource offset {:#x} outside the table",
                                    n->offset, r));
            else if (!nodes_.count(r))
              warn_once(fmt::format("processor node at {:#x}: private resource {:#x} is not a cache structure",
                                    n->offset, r));
            continue;  // other resource types (e.g. ID structures) carry no cache
          }
          std::set<std::uint32_t> seen;
          unsigned lvl = base + 1;
          for (std::uint32_t c = r; c != 0;) {
            if (!seen.insert(c).second) {
              warn_once(fmt::format("cache structure at {:#x}: next-level chain loops", r));
              break;
            }
            auto it = caches_.find(c);
            if (it == caches_.end()) {
              warn_once(fmt::format("next level of cache {:#x} is not a cache structure", c));
              break;
            }
            if (lvl > 7) {
              warn_once(fmt::format("cache structure at {:#x}: chain deeper than 7 levels", r));
              break;
            }
            if (!levels.count(c)) levels[c] = lvl;
            top = std::max(top, lvl);
            c = it->second.next;
            ++lvl;
          }
        }
        base = top;
        if ((n->flags & proc::kPhysicalPackage) && !info.package_id.known())
          info.package_id.set(id_of(*n), Source::kPptt);
        const Node* p = parent_of(*n, warn_once);
        // The leaf's parent is its cluster unless it is already the package.
        if (n == &leaf && p && !(p->flags & proc::kPhysicalPackage)) info.cluster_id.set(id_of(*p), Source::kPptt);
        n = p;
        if (seen_nodes.size() > 64) {
          warn_once(fmt::format("processor node at {:#x}: hierarchy deeper than 64 nodes", leaf.offset));
          break;
        }
      }
      for (const auto& [c, lvl] : levels) sharers[c].push_back(cpu);
      cpu_caches.push_back(std::move(levels));
      out_.cpus.push_back(std::move(info));
      ++cpu;
      if (cpu >= 65536) break;
    }
    for (std::size_t i = 0; i < out_.cpus.size(); ++i) {
      for (const auto& [off, lvl] : cpu_caches[i]) {
        const Cache& k = caches_.at(off);
        CacheInfo c;
        c.level = lvl;
        if (k.flags & ct::kCacheTypeValid) {
          c.type = ct::kind_of(unsigned(ct::kCacheType.get(k.attributes)));
        } else {
          warn_once(fmt::format("cache structure at {:#x}: cache type not valid, taken as Unified", off));
          c.type = cache::CacheKind::kUnified;
        }
        if (k.flags & ct::kSizeValid) c.size.set(k.size, Source::kPptt);
        if (k.flags & ct::kSetsValid) c.sets.set(k.sets, Source::kPptt);
        if (k.flags & ct::kAssociativityValid) c.ways.set(k.assoc, Source::kPptt);
        if (k.flags & ct::kLineSizeValid) c.line.set(k.line, Source::kPptt);
        if (k.flags & ct::kAllocationTypeValid) {
          static constexpr const char* kAlloc[] = {"ReadAllocate", "WriteAllocate", "ReadWriteAllocate",
                                                   "ReadWriteAllocate"};
          c.allocation_policy.set(kAlloc[ct::kAllocationType.get(k.attributes)], Source::kPptt);
        }
        if (k.flags & ct::kWritePolicyValid)
          c.write_policy.set(ct::kWritePolicy.get(k.attributes) == ct::kWriteThrough ? "WriteThrough" : "WriteBack",
                             Source::kPptt);
        if (k.id) c.id.set(*k.id, Source::kPptt);
        c.shared_cpus.set(sharers[off], Source::kPptt);
        // Two structures for the same level and type: keep the first.
        const bool dup = std::any_of(out_.cpus[i].caches.begin(), out_.cpus[i].caches.end(),
                                     [&](const CacheInfo& o) { return o.level == c.level && o.type == c.type; });
        if (dup) {
          warn_once(fmt::format("cpu{}: two L{} {} caches, the one at {:#x} ignored", i, c.level, to_string(c.type), off));
          continue;
        }
        out_.cpus[i].caches.push_back(std::move(c));
      }
      sort_caches(out_.cpus[i].caches);
    }
    if (out_.cpus.empty()) warn("no leaf processor nodes");
  }

  std::span<const std::uint8_t> t_;
  SourceDescription& out_;
  unsigned rev_ = 0;
  std::map<std::uint32_t, Node> nodes_;
  std::vector<std::uint32_t> order_;
  std::map<std::uint32_t, Cache> caches_;
  std::set<std::uint32_t> parents_;
  bool any_leaf_flag_ = false;
};

}  // namespace

Result<SourceDescription> parse_pptt(std::span<const std::uint8_t> table) {
  SourceDescription out;
  out.source = Source::kPptt;
  Parser p(table, out);
  if (auto st = p.run(); !st) return st.error();
  return out;
}

Result<SourceDescription> read_pptt(const std::string& path) {
  auto data = read_file(path, 16u << 20);
  if (!data) return data.error();
  auto r = parse_pptt(bytes_of(*data));
  if (!r) return Error::make(fmt::format("{}: {}", path, r.error().message));
  r->origin = path;
  return r;
}

}  // namespace armcache::host
