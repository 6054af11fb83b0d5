// Small file helpers shared by the readers: whole-file reads without
// iostreams (sysfs trees have tens of thousands of tiny files).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "armcache/util/result.h"

namespace armcache::host {

Result<std::vector<std::uint8_t>> read_binary_file(const std::string& path, std::size_t max_bytes);
bool is_directory(const std::string& path);

}  // namespace armcache::host
