// armcache encode REG Field=value...: the inverse of decode.
#include <fmt/format.h>

#include <iostream>

#include "armcache/registers/catalog.h"
#include "armcache/registers/codec.h"
#include "armcache/util/parse.h"
#include "commands.h"

namespace armcache::cli {
namespace {

struct EncodeArgs {
  std::string reg;
  std::vector<std::string> fields;
  bool ccidx = false;
  bool json = false;
};

int run_encode(const EncodeArgs& a) {
  const auto kind = reg::find_register(a.reg);
  if (!kind) usage_error(kind.error().message);
  std::vector<reg::FieldAssignment> assignments;
  bool demux = false;
  for (const auto& text : a.fields) {
    assignments.push_back(take(reg::parse_field_assignment(text)));
    demux |= assignments.back().name == "DemuxId" || assignments.back().name == "Index";
  }
  const reg::Layout& layout = reg::encode_layout(*kind, a.ccidx, demux);
  const std::uint64_t raw = take(reg::encode(layout, assignments, reg::encode_base(*kind, demux)));
  if (a.json)
    print_json(Json{{"register", layout.name}, {"value", fmt::format("{:#x}", raw)}});
  else
    std::cout << fmt::format("{:#x}", raw) << '\n';
  return kExitOk;
}

}  // namespace

void add_encode(CLI::App& app, Context& ctx) {
  auto args = std::make_shared<EncodeArgs>();
  CLI::App* sub = app.add_subcommand("encode", "Build a register value from its fields");
  sub->add_option("REG", args->reg, "Register name, as for decode")->required();
  sub->add_option("FIELDS", args->fields, "Field=value pairs");
  sub->add_flag("--ccidx", args->ccidx, "Encode CCSIDR in the FEAT_CCIDX 64-bit format");
  sub->add_flag("-J,--json", args->json, "Print JSON: {register, value}");
  sub->footer(
      "Builds a register value from Field=value pairs (decimal, or hex with 0x); fields not given\n"
      "are zero and RES1 bits are set. Field names are those decode prints. For reg-id, Arch, Size\n"
      "and Coproc default to an arm64 system register id (Op0, Op1, CRn, CRm, Op2), or to a DEMUX\n"
      "CCSIDR id when DemuxId or Index is given.\n\n"
      "Examples:\n"
      "  armcache encode clidr Ctype1=3 Ctype2=4 LoC=2 ICB=2 Ttype1=2 Ttype2=2\n"
      "  armcache encode ccsidr --ccidx LineSize=2 Associativity=7 NumSets=2047\n"
      "  armcache encode reg-id Op0=3 Op1=1 Op2=1\n\n" +
      exit_status_help());
  sub->callback([args, &ctx] { ctx.status = run_encode(*args); });
}

}  // namespace armcache::cli
