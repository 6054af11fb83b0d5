#include "armcache/util/fdt_error.h"

#include <fmt/format.h>

#include <cerrno>

extern "C" {
#include <libfdt.h>
}

namespace armcache {

Error fdt_error(std::string_view what, int code) {
  const int err = code == -FDT_ERR_NOSPACE ? ENOSPC : EINVAL;
  if (what.empty()) return Error::make(fdt_strerror(code), err);
  return Error::make(fmt::format("{}: {}", what, fdt_strerror(code)), err);
}

}  // namespace armcache
