// The command table: each command file adds its subcommand to the CLI11 app.
#pragma once

#include <CLI/CLI.hpp>

#include <string>

#include "cli.h"

namespace armcache::cli {

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
