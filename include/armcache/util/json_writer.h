// A streaming JSON writer for the outputs that must be fast (`armcache show
// --json` runs in about a millisecond, and building a DOM cost more than
// discovering the host). Output is pretty-printed like nlohmann's dump(2).
// Strings are written as valid JSON whatever their bytes: control characters
// are escaped and bytes that are not UTF-8 become U+FFFD (sysfs files are not
// guaranteed to be text).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace armcache {

class JsonWriter {
 public:
  explicit JsonWriter(std::string& out, unsigned indent = 2) : out_(out), indent_(indent) {}

  JsonWriter& begin_object() { return open('{'); }
  JsonWriter& end_object() { return close('}'); }
  JsonWriter& begin_array() { return open('['); }
  JsonWriter& end_array() { return close(']'); }
  // The key of the next value in the current object.
  JsonWriter& key(std::string_view k);

  JsonWriter& value(std::string_view s);
  JsonWriter& value(const char* s) { return value(std::string_view(s)); }
  JsonWriter& value(const std::string& s) { return value(std::string_view(s)); }
  JsonWriter& value(std::uint64_t v);
  JsonWriter& value(std::int64_t v);
  JsonWriter& value(unsigned v) { return value(std::uint64_t(v)); }
  JsonWriter& value(int v) { return value(std::int64_t(v)); }
  JsonWriter& value(bool v);
  JsonWriter& null();
  template <typename T>
  JsonWriter& value(const std::optional<T>& v) {
    return v ? value(*v) : null();
  }
  // key(k).value(v)
  template <typename T>
  JsonWriter& member(std::string_view k, const T& v) {
    return key(k).value(v);
  }

 private:
  template <typename Int>
  JsonWriter& integer(Int v);
  JsonWriter& open(char c);
  JsonWriter& close(char c);
  void before_value();
  void newline();
  void string(std::string_view s);

  std::string& out_;
  unsigned indent_;
  std::vector<bool> empty_;  // per open container: nothing written in it yet
  bool after_key_ = false;
};

}  // namespace armcache
