// Shared plumbing of the armcache commands: exit codes, the error type that
// becomes a one-line message, and output helpers.
#pragma once

#include <CLI/CLI.hpp>
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

// Unwraps a Result or fails as bad input.
template <typename T>
T take(Result<T> r) {
  if (!r) usage_error(r.error().message);
  return std::move(r).value();
}

using Json = nlohmann::ordered_json;
void print_json(const Json& j);

// Each command file adds its subcommand; the callback returns the exit code
// through `status`.
struct Context {
  int status = kExitOk;
};

void add_decode(CLI::App& app, Context& ctx);
void add_encode(CLI::App& app, Context& ctx);
void add_show(CLI::App& app, Context& ctx);
void add_capture(CLI::App& app, Context& ctx);
void add_kernel_view(CLI::App& app, Context& ctx);
void add_plan(CLI::App& app, Context& ctx);
void add_kvm(CLI::App& app, Context& ctx);
void add_diff(CLI::App& app, Context& ctx);
void add_baseline(CLI::App& app, Context& ctx);
void add_interop(CLI::App& app, Context& ctx);  // import, export
void add_firmware(CLI::App& app, Context& ctx);
void add_model_replay(CLI::App& app, Context& ctx);  // hidden, test bed
void add_vmm_exec(CLI::App& app, Context& ctx);

// Common footer for --help.
std::string exit_status_help();

}  // namespace armcache::cli
