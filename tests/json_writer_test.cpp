// JsonWriter against nlohmann::json: the same document must print the same
// text as dump(2), and any bytes must come out as JSON nlohmann can parse.
#include "armcache/util/json_writer.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <random>

namespace armcache {
namespace {

using Json = nlohmann::ordered_json;

std::string write(void (*f)(JsonWriter&)) {
  std::string out;
  JsonWriter w(out);
  f(w);
  return out;
}

TEST(JsonWriter, PrintsWhatDump2Prints) {
  const std::string text = write([](JsonWriter& w) {
    w.begin_object();
    w.member("u", std::numeric_limits<std::uint64_t>::max()).member("i", std::int64_t{-42}).member("zero", 0u);
    w.member("t", true).member("f", false).key("n").null();
    w.key("empty_obj").begin_object().end_object();
    w.key("empty_arr").begin_array().end_array();
    w.key("arr").begin_array().value("a").value(1u).begin_object().member("k", "v").end_object().begin_array().end_array();
    w.end_array();
    w.member("esc", "quote\" backslash\\ nl\n tab\t cr\r bs\b ff\f ctl\x01\x1f slash/ utf8 \xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
    w.member("opt_set", std::optional<unsigned>(7)).member("opt_empty", std::optional<unsigned>());
    w.end_object();
  });
  Json expect = Json::object();
  expect["u"] = std::numeric_limits<std::uint64_t>::max();
  expect["i"] = -42;
  expect["zero"] = 0;
  expect["t"] = true;
  expect["f"] = false;
  expect["n"] = nullptr;
  expect["empty_obj"] = Json::object();
  expect["empty_arr"] = Json::array();
  expect["arr"] = Json::array({"a", 1, Json{{"k", "v"}}, Json::array()});
  expect["esc"] = "quote\" backslash\\ nl\n tab\t cr\r bs\b ff\f ctl\x01\x1f slash/ utf8 \xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80";
  expect["opt_set"] = 7;
  expect["opt_empty"] = nullptr;
  EXPECT_EQ(text, expect.dump(2));
}

TEST(JsonWriter, TopLevelScalarAndArray) {
  EXPECT_EQ(write([](JsonWriter& w) { w.value(5u); }), "5");
  EXPECT_EQ(write([](JsonWriter& w) { w.begin_array().value(1u).value(2u).end_array(); }), "[\n  1,\n  2\n]");
}

std::string one_string(const std::string& s) {
  std::string out;
  JsonWriter(out).value(s);
  return out;
}

// Bytes that are not UTF-8 become U+FFFD, one per byte; valid sequences stay.
TEST(JsonWriter, InvalidUtf8BecomesReplacementCharacter) {
  const std::string fffd = "\xef\xbf\xbd";
  const struct {
    std::string in, out;
  } cases[] = {
      {"\xff", fffd},
      {"a\x80" "b", "a" + fffd + "b"},
      {"\xc0\xaf", fffd + fffd},                     // overlong '/'
      {"\xe2\x82", fffd + fffd},                     // truncated
      {"\xed\xa0\x80", fffd + fffd + fffd},          // surrogate U+D800
      {"\xf4\x90\x80\x80", fffd + fffd + fffd + fffd},  // above U+10FFFF
      {"\xf0\x9f\x98\x80", "\xf0\x9f\x98\x80"},
      {"\xf4\x8f\xbf\xbf", "\xf4\x8f\xbf\xbf"},      // U+10FFFF
  };
  for (const auto& c : cases) {
    const Json j = Json::parse(one_string(c.in));
    EXPECT_EQ(j.get<std::string>(), c.out) << one_string(c.in);
  }
}

TEST(JsonWriter, RandomBytesAlwaysParse) {
  std::mt19937 rng(7);
  for (int n = 0; n < 3000; ++n) {
    std::string s(rng() % 24, '\0');
    for (char& c : s) c = char(rng() & 0xFF);
    const std::string text = one_string(s);
    const Json j = Json::parse(text, nullptr, false);
    ASSERT_FALSE(j.is_discarded()) << text;
    // ASCII-only input comes back unchanged.
    bool ascii = true;
    for (char c : s) ascii = ascii && static_cast<unsigned char>(c) < 0x80;
    if (ascii) {
      EXPECT_EQ(j.get<std::string>(), s);
    }
  }
}

}  // namespace
}  // namespace armcache
