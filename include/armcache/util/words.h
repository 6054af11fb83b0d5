// Numbers in the words messages and reports use.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace armcache {

// "1 way", "4 ways".
std::string plural(std::uint64_t n, std::string_view one, std::string_view many);

// The largest exact binary unit: "1 MiB", "48 KiB", "64 B".
std::string size_words(std::uint64_t bytes);

}  // namespace armcache
