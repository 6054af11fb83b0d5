// armcache import / export: Firecracker fingerprints and custom CPU templates.
#include <fmt/format.h>

#include <fstream>
#include <iostream>

#include "armcache/profile/firecracker.h"
#include "armcache/util/file.h"
#include "commands.h"
#include "inputs.h"

namespace armcache::cli {
namespace {

struct InteropArgs {
  std::string file;
  std::string output;
};

// JSON to the -o file, or to stdout; warnings go to stderr so stdout stays JSON.
void emit(const Json& j, const std::string& output, const std::vector<std::string>& warnings) {
  for (const auto& w : warnings) std::cerr << "warning: " << w << '\n';
  if (output.empty()) {
    print_json(j);
    return;
  }
  std::ofstream f(output, std::ios::trunc);
  f << j.dump(2) << '\n';
  if (!f.flush()) usage_error(fmt::format("{}: cannot write", output));
}

int run_import(const InteropArgs& a, bool fingerprint) {
  const std::string text = take(read_file(a.file));
  profile::Profile p = take(fingerprint ? profile::firecracker::import_fingerprint(text, a.file)
                                        : profile::firecracker::import_template(text, a.file));
  emit(profile::to_json(p), a.output, p.warnings);
  if (!a.output.empty()) {
    std::cout << fmt::format("{} -> {}: fingerprint {}{}\n", a.file, a.output, profile::fingerprint(p.guest->view),
                             p.warnings.empty() ? "" : fmt::format(", {} warning(s)", p.warnings.size()));
    if (auto it = p.provenance.find("clidr_origin"); it != p.provenance.end())
      std::cout << fmt::format("  CLIDR_EL1 {:#x}: {}\n", p.guest->view.clidr.raw(), (*it)["text"].get<std::string>());
  }
  return kExitOk;
}

int run_export(const InteropArgs& a) {
  const profile::Profile p = take(profile::load(a.file));
  emit(take(profile::firecracker::export_template(p, a.file)), a.output, {});
  return kExitOk;
}

}  // namespace

void add_interop(CLI::App& app, Context& ctx) {
  const std::string format_help =
      "Firecracker's reg_modifiers: {\"addr\": KVM one-reg id as a hex string, \"bitmap\": \"0b\" and up to\n"
      "128 characters, one per bit, most significant first, '0', '1' or 'x' (keep KVM's value); bits\n"
      "above the last character are not fixed}. Fingerprints zero-pad every bitmap to 128 digits; a\n"
      "set bit beyond the register's width (32 for DEMUX CCSIDR and FPSR/FPCR, 64 for system and core\n"
      "registers, 128 for V registers) is refused. Templates may not fix any bit beyond the width.\n\n";
  CLI::App* imp = app.add_subcommand("import", "Read other tools' files into armcache profiles");
  imp->require_subcommand(1);
  {
    auto args = std::make_shared<InteropArgs>();
    CLI::App* s = imp->add_subcommand("firecracker-fingerprint", "A cpu-template-helper fingerprint -> a guest-view profile");
    s->add_option("FILE", args->file, "The fingerprint JSON")->required();
    s->add_option("-o,--output", args->output, "Write the profile here (default: stdout)");
    s->footer("Reads kernel_version and, from guest_cpu_config.reg_modifiers, CLIDR_EL1, CTR_EL0,\n"
              "ID_AA64MMFR2_EL1, MIDR_EL1 and the DEMUX CCSIDR values into the guest view; every register the\n"
              "fingerprint lists (core, FP/SIMD, system, DEMUX) is kept under kvm_registers, for diff.\n"
              "CCSIDR values that are the low half of FEAT_CCIDX values (pre-6.3 KVM on a CCIDX host) are\n"
              "flagged as truncated: a warning, and provenance.truncated_ccidx in the profile. What made the\n"
              "CLIDR_EL1 (the hardware, KVM's fabrication, a sysfs-derived override of the Firecracker kind)\n"
              "is in provenance.clidr_origin and, with -o, printed.\n" +
              format_help +
              "Example:\n  armcache import firecracker-fingerprint fp.json -o host-a.json\n\n" + exit_status_help());
    s->callback([args, &ctx] { ctx.status = run_import(*args, true); });
  }
  {
    auto args = std::make_shared<InteropArgs>();
    CLI::App* s = imp->add_subcommand("firecracker-template", "A custom CPU template -> a guest-view profile");
    s->add_option("FILE", args->file, "The template JSON")->required();
    s->add_option("-o,--output", args->output, "Write the profile here (default: stdout)");
    s->footer("Needs CLIDR_EL1 and CTR_EL0 modifiers. 'x' bits of CLIDR_EL1 and CCSIDR take what KVM 6.3+\n"
              "fabricates for the template's CTR_EL0; 'x' bits of CTR_EL0 read as 0. A selector CLIDR\n"
              "describes without a CCSIDR modifier reads as KVM 6.3+ fabricates it (LineSize only). Each is\n"
              "warned about. Other registers are counted (provenance.other_registers), not modelled.\n" +
              format_help +
              "Example:\n  armcache import firecracker-template tmpl.json -o back.json\n\n" + exit_status_help());
    s->callback([args, &ctx] { ctx.status = run_import(*args, false); });
  }
  CLI::App* exp = app.add_subcommand("export", "Write armcache profiles in other tools' formats");
  exp->require_subcommand(1);
  {
    auto args = std::make_shared<InteropArgs>();
    CLI::App* s = exp->add_subcommand("firecracker-template", "A guest-view profile -> a custom CPU template");
    s->add_option("PROFILE", args->file, "A profile holding a guest view")->required();
    s->add_option("-o,--output", args->output, "Write the template here (default: stdout)");
    s->footer("The template sets CLIDR_EL1, CTR_EL0 and the DEMUX CCSIDR of every Level|InD selector the\n"
              "CLIDR describes, every bit fixed, each bitmap as wide as its register (as Firecracker checks\n"
              "them). Importing it back gives the same fingerprint. A view with\n"
              "FEAT_CCIDX (64-bit CCSIDR) or tag caches that differ from their data cache cannot be written\n"
              "(KVM has no register for either).\n" +
              format_help +
              "Example:\n  armcache export firecracker-template n1-61.json -o n1.template.json\n\n" +
              "Exit status: 0 written; 2 bad input or a view a template cannot express.\n");
    s->callback([args, &ctx] { ctx.status = run_export(*args); });
  }
}

}  // namespace armcache::cli
