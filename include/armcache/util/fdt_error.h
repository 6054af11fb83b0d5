// libfdt's error codes in the one error channel. Host discovery parses
// device trees and the firmware writer builds and edits them, both with
// libfdt; this header keeps libfdt.h out of the public headers.
#pragma once

#include <string_view>

#include "armcache/util/result.h"

namespace armcache {

// `code` is a libfdt result (-FDT_ERR_*): "WHAT: fdt_strerror(code)" with
// ENOSPC when the buffer is full (the caller may retry with a larger one),
// EINVAL for everything else (a bad tree or a bad edit of it). An empty
// `what` gives the libfdt text alone.
Error fdt_error(std::string_view what, int code);

}  // namespace armcache
