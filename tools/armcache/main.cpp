// armcache: decode, discover, model and apply the cache identity of Arm64
// KVM guests.
#include <cstdio>
#include <iostream>
#include <string_view>

#include "commands.h"

namespace armcache::cli {

void print_json(const Json& j) { std::cout << j.dump(2) << '\n'; }

std::string exit_status_help() {
  return "Exit status: 0 success; 1 a check said no (different, impossible, mismatch);\n"
         "2 bad input or usage; 3 a system call failed.\n";
}

}  // namespace armcache::cli

namespace {
// CLI11 messages may span lines; the contract is one line on stderr.
std::string one_line(std::string s) {
  for (char& c : s)
    if (c == '\n' || c == '\r') c = ' ';
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return s;
}
}  // namespace

int main(int argc, char** argv) {
  using namespace armcache::cli;
  CLI::App app{
      "armcache: what cache hierarchy an Arm64 KVM guest sees, and keeping it true and stable.\n"
      "Decodes the cache ID registers (CLIDR_EL1, CCSIDR_EL1, CTR_EL0, ...) and KVM one-reg ids."};
  app.name("armcache");
  app.set_version_flag("--version", kTool);
  app.require_subcommand(1);
  app.footer(exit_status_help());
  Context ctx;
  // Building every subcommand's options costs more than a whole `show` run
  // on a small host, so when argv names a subcommand only that one is built.
  // Anything else (help, typos) gets them all, for the full list.
  struct Command {
    std::string_view name, alias;  // add_interop builds import and export
    void (*add)(CLI::App&, Context&);
  };
  const Command commands[] = {
      {"decode", {}, add_decode},     {"encode", {}, add_encode},         {"show", {}, add_show},
      {"capture", {}, add_capture},   {"kernel-view", {}, add_kernel_view}, {"plan", {}, add_plan},
      {"kvm", {}, add_kvm},           {"diff", {}, add_diff},             {"baseline", {}, add_baseline},
      {"import", "export", add_interop}, {"firmware", {}, add_firmware},
      {"model-replay", {}, add_model_replay}, {"vmm-exec", {}, add_vmm_exec},
  };
  const std::string_view first = argc > 1 ? std::string_view(argv[1]) : std::string_view();
  const Command* only = nullptr;
  for (const Command& c : commands)
    if (!first.empty() && (c.name == first || c.alias == first)) only = &c;
  if (only) {
    only->add(app, ctx);
  } else {
    for (const Command& c : commands) c.add(app, ctx);
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);  // help goes to stdout, status 0
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "armcache: " << one_line(e.what()) << " (see armcache --help)\n";
    return kExitUsage;
  } catch (const Failure& e) {
    std::cerr << "armcache: " << one_line(e.what()) << '\n';
    return e.code();
  } catch (const std::exception& e) {
    std::cerr << "armcache: internal error: " << one_line(e.what()) << '\n';
    return kExitSystem;
  }
  return ctx.status;
}
