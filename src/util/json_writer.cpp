#include "armcache/util/json_writer.h"

#include <charconv>

namespace armcache {

void JsonWriter::newline() {
  out_ += '\n';
  out_.append(std::size_t(indent_) * empty_.size(), ' ');
}

void JsonWriter::before_value() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (empty_.empty()) return;  // the top-level value
  if (!empty_.back()) out_ += ',';
  empty_.back() = false;
  newline();
}

JsonWriter& JsonWriter::open(char c) {
  before_value();
  out_ += c;
  empty_.push_back(true);
  return *this;
}

JsonWriter& JsonWriter::close(char c) {
  const bool was_empty = empty_.back();
  empty_.pop_back();
  if (!was_empty) newline();
  out_ += c;
  return *this;
}

JsonWriter& JsonWriter::key(std::string_view k) {
  before_value();
  string(k);
  out_ += ": ";
  after_key_ = true;
  return *this;
}

JsonWriter& JsonWriter::value(std::string_view s) {
  before_value();
  string(s);
  return *this;
}

template <typename Int>
JsonWriter& JsonWriter::integer(Int v) {
  before_value();
  char buf[24];  // 20 digits and a sign at most
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  out_.append(buf, r.ptr);
  return *this;
}

JsonWriter& JsonWriter::value(std::uint64_t v) { return integer(v); }
JsonWriter& JsonWriter::value(std::int64_t v) { return integer(v); }

JsonWriter& JsonWriter::value(bool v) {
  before_value();
  out_ += v ? "true" : "false";
  return *this;
}

JsonWriter& JsonWriter::null() {
  before_value();
  out_ += "null";
  return *this;
}

namespace {

// Length of the well-formed UTF-8 sequence at s[i], or 0 (RFC 3629: no
// overlong forms, no surrogates, nothing above U+10FFFF).
std::size_t utf8_length(std::string_view s, std::size_t i) {
  const auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[i + k]); };
  const unsigned char c = b(0);
  const auto cont = [&](std::size_t k) { return i + k < s.size() && (b(k) & 0xC0) == 0x80; };
  if (c < 0x80) return 1;
  if (c >= 0xC2 && c <= 0xDF) return cont(1) ? 2 : 0;
  if (c >= 0xE0 && c <= 0xEF) {
    if (!cont(1) || !cont(2)) return 0;
    if (c == 0xE0 && b(1) < 0xA0) return 0;  // overlong
    if (c == 0xED && b(1) > 0x9F) return 0;  // surrogate
    return 3;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    if (!cont(1) || !cont(2) || !cont(3)) return 0;
    if (c == 0xF0 && b(1) < 0x90) return 0;  // overlong
    if (c == 0xF4 && b(1) > 0x8F) return 0;  // above U+10FFFF
    return 4;
  }
  return 0;
}

}  // namespace

void JsonWriter::string(std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out_ += '"';
  std::size_t i = 0;
  while (i < s.size()) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
      // The common case: a run of plain ASCII.
      std::size_t j = i + 1;
      while (j < s.size()) {
        const unsigned char d = static_cast<unsigned char>(s[j]);
        if (d < 0x20 || d >= 0x80 || d == '"' || d == '\\') break;
        ++j;
      }
      out_.append(s.data() + i, j - i);
      i = j;
      continue;
    }
    switch (c) {
      case '"': out_ += "\\\""; ++i; continue;
      case '\\': out_ += "\\\\"; ++i; continue;
      case '\n': out_ += "\\n"; ++i; continue;
      case '\t': out_ += "\\t"; ++i; continue;
      case '\r': out_ += "\\r"; ++i; continue;
      case '\b': out_ += "\\b"; ++i; continue;
      case '\f': out_ += "\\f"; ++i; continue;
      default: break;
    }
    if (c < 0x20) {
      out_ += "\\u00";
      out_ += kHex[c >> 4];
      out_ += kHex[c & 0xF];
      ++i;
      continue;
    }
    if (const std::size_t n = utf8_length(s, i); n != 0) {
      out_.append(s.data() + i, n);
      i += n;
    } else {
      out_ += "\\ufffd";
      ++i;
    }
  }
  out_ += '"';
}

}  // namespace armcache
