// Whole-file reads of the files armcache is given (profiles, fleet files,
// DTBs, ACPI tables) and of device-tree property files: one open, read()
// until the end, no iostreams (a fleet has thousands of host files). sysfs
// attributes have their own reader (host/sysfs.cpp: openat() on directory
// fds, one read() into a buffer on the stack).
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
