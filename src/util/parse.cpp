#include "armcache/util/parse.h"

#include <fmt/format.h>

#include <cctype>

namespace armcache {
std::string quoted(std::string_view text) {
  std::string out;
  for (char c : text.substr(0, 40)) out += std::isprint(static_cast<unsigned char>(c)) ? c : '?';
  if (text.size() > 40) out += "...";
  return "'" + out + "'";
}

namespace {
int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
}  // namespace

Result<std::uint64_t> parse_hex(std::string_view text, unsigned bits) {
  std::string_view digits = text;
  if (digits.size() >= 2 && digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X')) digits.remove_prefix(2);
  if (digits.empty()) return Error::make(fmt::format("{} is not a hex value", quoted(text)));
  std::uint64_t v = 0;
  for (char c : digits) {
    const int d = hex_digit(c);
    if (d < 0) return Error::make(fmt::format("{} is not a hex value", quoted(text)));
    if (v >> 60) return Error::make(fmt::format("{} is wider than 64 bits", quoted(text)));
    v = v << 4 | unsigned(d);
  }
  if (bits < 64 && (v >> bits) != 0)
    return Error::make(fmt::format("{} is wider than {} bits", quoted(text), bits));
  return v;
}

Result<std::uint64_t> parse_uint(std::string_view text) {
  if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) return parse_hex(text);
  if (text.empty()) return Error::make("empty number");
  std::uint64_t v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return Error::make(fmt::format("{} is not a number (decimal, or hex with 0x)", quoted(text)));
    const unsigned d = unsigned(c - '0');
    if (v > (~std::uint64_t{0} - d) / 10) return Error::make(fmt::format("{} is wider than 64 bits", quoted(text)));
    v = v * 10 + d;
  }
  return v;
}

Result<KernelVersion> parse_kernel_version(std::string_view text) {
  // major.minor, then anything ("6.1.0-50-cloud-arm64", "6.12.100").
  KernelVersion kv;
  std::size_t i = 0;
  auto number = [&](unsigned& out) {
    const std::size_t start = i;
    out = 0;
    while (i < text.size() && i - start < 4 && std::isdigit(static_cast<unsigned char>(text[i])))
      out = out * 10 + unsigned(text[i++] - '0');
    return i > start;
  };
  if (!number(kv.major) || i >= text.size() || text[i] != '.' || (++i, !number(kv.minor)) ||
      (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))))
    return Error::make(fmt::format("{} is not a kernel version (like 6.1.0-50-cloud-arm64 or 6.12)", quoted(text)));
  return kv;
}

std::string hex(std::uint64_t v) { return fmt::format("0x{:x}", v); }

}  // namespace armcache
