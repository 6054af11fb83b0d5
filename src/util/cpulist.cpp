#include "armcache/util/cpulist.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <optional>

namespace armcache {
namespace {

std::optional<unsigned> parse_cpu(std::string_view s) {
  if (s.empty()) return std::nullopt;
  unsigned out = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return out;
}

}  // namespace

Result<std::vector<unsigned>> parse_cpulist(std::string_view text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.remove_suffix(1);
  std::vector<unsigned> cpus;
  if (text.empty()) return cpus;  // the kernel writes an empty line for "no CPUs"
  while (!text.empty()) {
    const std::size_t comma = text.find(',');
    std::string_view item = text.substr(0, comma);
    text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
    unsigned lo = 0, hi = 0;
    const std::size_t dash = item.find('-');
    if (dash == std::string_view::npos) {
      const auto cpu = parse_cpu(item);
      if (!cpu) return Error::make(fmt::format("bad cpulist item '{}'", item));
      lo = hi = *cpu;
    } else {
      const auto first = parse_cpu(item.substr(0, dash));
      const auto last = parse_cpu(item.substr(dash + 1));
      if (!first || !last || *last < *first) return Error::make(fmt::format("bad cpulist range '{}'", item));
      lo = *first;
      hi = *last;
    }
    if (hi >= kMaxCpus) return Error::make(fmt::format("cpulist names CPU {} (limit {})", hi, kMaxCpus - 1));
    for (unsigned c = lo; c <= hi; ++c) cpus.push_back(c);
    if (cpus.size() > kMaxCpus * 4) return Error::make("cpulist too long");
  }
  std::sort(cpus.begin(), cpus.end());
  cpus.erase(std::unique(cpus.begin(), cpus.end()), cpus.end());
  return cpus;
}

std::string format_cpulist(const std::vector<unsigned>& cpus) {
  std::string out;
  for (std::size_t i = 0; i < cpus.size();) {
    std::size_t j = i;
    while (j + 1 < cpus.size() && cpus[j + 1] == cpus[j] + 1) ++j;
    if (!out.empty()) out += ',';
    out += j == i ? fmt::format("{}", cpus[i]) : fmt::format("{}-{}", cpus[i], cpus[j]);
    i = j + 1;
  }
  return out;
}

}  // namespace armcache
