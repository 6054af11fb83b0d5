// Reads with openat() relative to directory fds and one read() per file:
// a 512-CPU tree has ~25000 attribute files and path building, stat() and
// stdio buffers dominate otherwise.
#include "armcache/host/sysfs.h"

#include <dirent.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <map>
#include <optional>
#include <string_view>
#include <thread>
#include <vector>

#include "armcache/util/cpulist.h"
#include "armcache/util/fd.h"

namespace armcache::host {
namespace {

// A sysfs attribute is at most a page; cpu maps of 8192 CPUs are under 3 KiB.
struct Attr {
  char buf[4096];
};

// The attribute's text, in a.buf with trailing whitespace removed; nullopt
// when openat() or read() fails. Every caller reports that as "missing", and
// optional attributes (allocation_policy, write_policy) are absent on most
// arm64 hosts, so a failure builds no message: this runs per cache leaf of
// every CPU.
std::optional<std::string_view> read_attr(int dirfd, const char* rel, Attr& a) {
  const Fd fd(::openat(dirfd, rel, O_RDONLY | O_CLOEXEC));
  if (!fd) return std::nullopt;
  ssize_t n;
  do n = ::read(fd.get(), a.buf, sizeof a.buf); while (n < 0 && errno == EINTR);
  if (n < 0) return std::nullopt;
  std::size_t len = std::size_t(n);
  while (len > 0 && (a.buf[len - 1] == '\n' || a.buf[len - 1] == ' ' || a.buf[len - 1] == '\0')) --len;
  return std::string_view(a.buf, len);
}

template <typename T>
std::optional<T> parse_num(std::string_view s, int base = 10) {
  if (base == 16 && (s.starts_with("0x") || s.starts_with("0X"))) s.remove_prefix(2);
  if (s.empty()) return std::nullopt;
  T out{};
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out, base);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return out;
}

// "32K", "2048K", "1M", "512" (bytes). The kernel writes "%uK".
std::optional<std::uint64_t> parse_size(std::string_view s) {
  std::uint64_t mul = 1;
  if (!s.empty()) {
    switch (s.back()) {
      case 'K': case 'k': mul = 1ull << 10; break;
      case 'M': case 'm': mul = 1ull << 20; break;
      case 'G': case 'g': mul = 1ull << 30; break;
      default: break;
    }
    if (mul != 1) s.remove_suffix(1);
  }
  const auto v = parse_num<std::uint64_t>(s);
  if (!v || *v > (std::uint64_t(1) << 44)) return std::nullopt;
  return *v * mul;
}

// Identical problems on many CPUs become one warning with a cpulist.
class Warnings {
 public:
  void add(unsigned cpu, std::string msg) { by_msg_[std::move(msg)].push_back(cpu); }
  void add_global(std::string msg) { global_.push_back(std::move(msg)); }
  void absorb(Warnings&& o) {
    for (auto& [msg, cpus] : o.by_msg_) by_msg_[msg].insert(by_msg_[msg].end(), cpus.begin(), cpus.end());
    global_.insert(global_.end(), o.global_.begin(), o.global_.end());
  }
  std::vector<std::string> take() {
    std::vector<std::string> out = std::move(global_);
    for (auto& [msg, cpus] : by_msg_) {
      std::sort(cpus.begin(), cpus.end());
      cpus.erase(std::unique(cpus.begin(), cpus.end()), cpus.end());
      out.push_back(fmt::format("cpu{}{}", format_cpulist(cpus), msg));
    }
    return out;
  }

 private:
  std::map<std::string, std::vector<unsigned>> by_msg_;
  std::vector<std::string> global_;
};

// Numbers following `prefix` in the directory's entry names, sorted.
std::vector<unsigned> numbered_entries(int dirfd, std::string_view prefix) {
  std::vector<unsigned> out;
  Fd fd(::openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd) return out;
  DIR* d = ::fdopendir(fd.get());
  if (!d) return out;
  fd.release();  // closedir() closes it
  while (dirent* e = ::readdir(d)) {
    std::string_view name(e->d_name);
    if (!name.starts_with(prefix)) continue;
    const auto n = parse_num<unsigned>(name.substr(prefix.size()));
    if (n && *n < kMaxCpus) out.push_back(*n);
  }
  ::closedir(d);
  std::sort(out.begin(), out.end());
  return out;
}

// Leaves already read, by (index, first sharing CPU): a shared cache is one
// physical cache, so the other sharers' geometry files are not read again.
using LeafMemo = std::map<std::pair<unsigned, unsigned>, CacheInfo>;

void read_cache_leaf(int cachefd, unsigned cpu, unsigned index, CpuInfo& info, Warnings& w, LeafMemo& memo) {
  char rel[64];
  Attr a;
  // "indexN/" once, then each file name after it (snprintf per file was a
  // tenth of a small host's run).
  const auto [dir_end, ec] = std::to_chars(rel + 5, rel + 16, index);
  std::memcpy(rel, "index", 5);
  *dir_end = '/';
  char* const name = dir_end + 1;
  const auto path = [&](const char* file) {
    const std::size_t n = std::strlen(file);
    std::memcpy(name, file, n + 1);  // longest name: 23 bytes, rel has room for 64 - 17
    return rel;
  };
  CacheInfo c;
  const auto level_text = read_attr(cachefd, path("level"), a);
  if (!level_text) {
    w.add(cpu, fmt::format(": cache/index{}/level missing, leaf skipped", index));
    return;
  }
  const auto level = parse_num<unsigned>(*level_text);
  if (!level || *level < 1 || *level > 7) {
    w.add(cpu, fmt::format(": cache/index{}/level '{}' is not 1..7, leaf skipped", index, *level_text));
    return;
  }
  c.level = *level;
  const auto type = read_attr(cachefd, path("type"), a);
  if (!type) {
    w.add(cpu, fmt::format(": cache/index{}/type missing, leaf skipped", index));
    return;
  }
  if (*type == "Data") c.type = cache::CacheKind::kData;
  else if (*type == "Instruction") c.type = cache::CacheKind::kInstruction;
  else if (*type == "Unified") c.type = cache::CacheKind::kUnified;
  else {
    w.add(cpu, fmt::format(": cache/index{}/type '{}' unknown, leaf skipped", index, *type));
    return;
  }
  if (const auto text = read_attr(cachefd, path("shared_cpu_list"), a)) {
    auto l = parse_cpulist(*text);
    if (l) c.shared_cpus.set(std::move(*l), Source::kSysfs);
    else w.add(cpu, fmt::format(": cache/index{}/shared_cpu_list: {}", index, l.error().message));
  } else {
    w.add(cpu, fmt::format(": cache/index{}/shared_cpu_list missing", index));
  }
  const bool shared = c.shared_cpus.known() && c.shared_cpus.value->size() > 1;
  if (shared) {
    auto it = memo.find({index, c.shared_cpus.value->front()});
    if (it != memo.end() && it->second.level == c.level && it->second.type == c.type &&
        it->second.shared_cpus == c.shared_cpus) {
      info.caches.push_back(it->second);
      return;
    }
  }
  // A leaf with none of the geometry files is a level-only one (firmware
  // gave the hierarchy but no geometry): the kind says so once, instead of a
  // warning per file here. Partly missing geometry is warned about per file.
  std::vector<const char*> missing;
  const auto u32 = [&](const char* file, Tagged<std::uint32_t>& out, bool zero_unknown, bool warn_missing) {
    const auto text = read_attr(cachefd, path(file), a);
    if (!text) {
      if (warn_missing) missing.push_back(file);
      return;
    }
    const auto v = parse_num<std::uint32_t>(*text);
    if (!v) {
      w.add(cpu, fmt::format(": cache/index{}/{} '{}' is not a number", index, file, *text));
      return;
    }
    if (*v == 0 && zero_unknown) {
      // The kernel prints 0 for a value no firmware table gave it.
      w.add(cpu, fmt::format(": cache/index{}/{} is 0 (unknown)", index, file));
      return;
    }
    out.set(*v, Source::kSysfs);
  };
  if (const auto text = read_attr(cachefd, path("size"), a)) {
    if (const auto v = parse_size(*text)) c.size.set(*v, Source::kSysfs);
    else w.add(cpu, fmt::format(": cache/index{}/size '{}' is not a size", index, *text));
  } else {
    missing.push_back("size");
  }
  u32("ways_of_associativity", c.ways, true, true);
  u32("number_of_sets", c.sets, true, true);
  u32("coherency_line_size", c.line, true, true);
  if (missing.size() < 4)
    for (const char* file : missing) w.add(cpu, fmt::format(": cache/index{}/{} missing", index, file));
  u32("physical_line_partition", c.physical_line_partition, false, false);
  u32("id", c.id, false, false);
  if (const auto text = read_attr(cachefd, path("allocation_policy"), a))
    c.allocation_policy.set(std::string(*text), Source::kSysfs);
  if (const auto text = read_attr(cachefd, path("write_policy"), a))
    c.write_policy.set(std::string(*text), Source::kSysfs);
  if (shared) memo[{index, c.shared_cpus.value->front()}] = c;
  info.caches.push_back(std::move(c));
}

std::optional<CpuInfo> read_cpu(int cpudir, unsigned cpu, Warnings& w, LeafMemo& memo) {
  Attr a;
  char rel[64];
  CpuInfo info;
  info.cpu = cpu;
  std::snprintf(rel, sizeof rel, "cpu%u", cpu);
  const Fd cfd(::openat(cpudir, rel, O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!cfd) return std::nullopt;  // a file named cpuN, not a CPU
  if (const auto text = read_attr(cfd.get(), "regs/identification/midr_el1", a)) {
    if (const auto v = parse_num<std::uint64_t>(*text, 16)) info.midr.set(*v, Source::kSysfs);
    else w.add(cpu, fmt::format(": midr_el1 '{}' is not hex", *text));
  } else {
    w.add(cpu, ": regs/identification/midr_el1 missing");
  }
  if (const auto text = read_attr(cfd.get(), "regs/identification/revidr_el1", a))
    if (const auto v = parse_num<std::uint64_t>(*text, 16)) info.revidr.set(*v, Source::kSysfs);
  if (const auto text = read_attr(cfd.get(), "topology/cluster_id", a))
    if (const auto v = parse_num<std::int64_t>(*text)) info.cluster_id.set(*v, Source::kSysfs);
  if (const auto text = read_attr(cfd.get(), "topology/physical_package_id", a))
    if (const auto v = parse_num<std::int64_t>(*text)) info.package_id.set(*v, Source::kSysfs);
  const Fd cache(::openat(cfd.get(), "cache", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!cache) {
    w.add(cpu, ": no cache directory");
  } else {
    for (unsigned index : numbered_entries(cache.get(), "index")) read_cache_leaf(cache.get(), cpu, index, info, w, memo);
  }
  sort_caches(info.caches);
  return info;
}

}  // namespace

Result<SourceDescription> read_sysfs(const std::string& root) {
  SourceDescription out;
  out.source = Source::kSysfs;
  std::string base = root.empty() ? std::string("/") : root;
  if (base.back() != '/') base += '/';
  out.origin = base + "sys/devices/system/cpu";
  const Fd cpudir(::open(out.origin.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!cpudir) return Error::make(fmt::format("{}: {}", out.origin, std::strerror(errno)), errno);

  const std::vector<unsigned> cpus = numbered_entries(cpudir.get(), "cpu");
  // Opening ~25 small files per CPU is all syscalls: on big hosts split the
  // CPUs over a few threads (each with its own results, joined in order).
  const unsigned hw = std::max(1u, std::thread::hardware_concurrency());
  const std::size_t nthreads = cpus.size() >= 64 ? std::min<std::size_t>({hw, 8, cpus.size() / 32}) : 1;
  std::vector<std::vector<CpuInfo>> parts(nthreads);
  std::vector<Warnings> warns(nthreads);
  const auto work = [&](std::size_t t) {
    LeafMemo memo;
    const std::size_t lo = cpus.size() * t / nthreads, hi = cpus.size() * (t + 1) / nthreads;
    for (std::size_t i = lo; i < hi; ++i)
      if (auto info = read_cpu(cpudir.get(), cpus[i], warns[t], memo)) parts[t].push_back(std::move(*info));
  };
  std::vector<std::thread> threads;
  for (std::size_t t = 1; t < nthreads; ++t) threads.emplace_back(work, t);
  work(0);
  for (auto& th : threads) th.join();
  Warnings w;
  if (cpus.empty()) w.add_global("no cpuN directories");
  for (std::size_t t = 0; t < nthreads; ++t) {
    w.absorb(std::move(warns[t]));
    for (auto& c : parts[t]) out.cpus.push_back(std::move(c));
  }
  out.warnings = w.take();
  return out;
}

}  // namespace armcache::host
