// Whole-file reads, the one way armcache reads a file it was given: one
// open, read() until the end, no iostreams (a fleet has thousands of host
// files, a sysfs tree tens of thousands of tiny ones).
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <string>

#include "armcache/util/result.h"

namespace armcache {

// The bytes of `path`. Fails with open()'s or read()'s errno
// ("PATH: cannot read: No such file or directory"), or with EFBIG when the
// file holds more than `max_bytes`.
Result<std::string> read_file(const std::string& path,
                              std::size_t max_bytes = std::numeric_limits<std::size_t>::max());

// The bytes read_file() returned, as the binary parsers (DTB, PPTT) take them.
inline std::span<const std::uint8_t> bytes_of(const std::string& data) {
  return {reinterpret_cast<const std::uint8_t*>(data.data()), data.size()};
}

}  // namespace armcache
