// Shared plumbing of the armcache commands: exit codes, the error type that
// becomes a one-line message, and output helpers. The command table is in
// commands.h: only the files that declare options include CLI11, whose
// headers cost seconds per unit.
#pragma once

#include <nlohmann/json.hpp>

#include <stdexcept>
#include <string>

#include "armcache/util/result.h"
#include "armcache/version.h"

namespace armcache::cli {

// "armcache X.Y.Z" (PROJECT_VERSION): --version and the provenance of the profiles written.
inline constexpr const char* kTool = "armcache " ARMCACHE_VERSION_STRING;

// Exit statuses, the same for every command (documented in --help).
inline constexpr int kExitOk = 0;
inline constexpr int kExitNegative = 1;  // a check that ran and said no (different, impossible, mismatch)
inline constexpr int kExitUsage = 2;     // bad input: arguments, values, files
inline constexpr int kExitSystem = 3;    // the system failed us: an ioctl, /dev/kvm

// Thrown by commands; main prints "armcache: <message>" and exits with code.
class Failure : public std::runtime_error {
 public:
  Failure(std::string message, int code) : std::runtime_error(std::move(message)), code_(code) {}
  int code() const { return code_; }

 private:
  int code_;
};

[[noreturn]] inline void usage_error(std::string message) { throw Failure(std::move(message), kExitUsage); }

// A failure of the system (an ioctl, /dev/kvm), not of the input.
[[noreturn]] inline void system_failure(const Error& e) { throw Failure(e.message, kExitSystem); }

// Unwraps a Result or fails as bad input.
template <typename T>
T take(Result<T> r) {
  if (!r) usage_error(r.error().message);
  return std::move(r).value();
}

// Unwraps a Result or fails as the system's failure.
template <typename T>
T sys(Result<T> r) {
  if (!r) system_failure(r.error());
  return std::move(r).value();
}

using Json = nlohmann::ordered_json;
void print_json(const Json& j);

}  // namespace armcache::cli
