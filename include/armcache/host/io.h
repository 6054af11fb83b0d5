// Small file helpers shared by the readers (whole files are read with
// util/file.h's read_file).
#pragma once

#include <string>

namespace armcache::host {

bool is_directory(const std::string& path);

}  // namespace armcache::host
