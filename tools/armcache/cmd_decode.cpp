// armcache decode REG VALUE: every field of a register, in words.
#include <fmt/format.h>

#include <iostream>
#include <sstream>

#include "armcache/cache/geometry.h"
#include "armcache/cache/selectors.h"
#include "armcache/registers/catalog.h"
#include "armcache/registers/ccsidr.h"
#include "armcache/registers/clidr.h"
#include "armcache/registers/codec.h"
#include "armcache/registers/csselr.h"
#include "armcache/registers/kvm_reg_id.h"
#include "armcache/util/parse.h"
#include "armcache/util/words.h"
#include "commands.h"

namespace armcache::cli {
namespace {

struct DecodeArgs {
  std::string reg;
  std::string value;
  bool ccidx = false;
  bool json = false;
};

std::string register_list() {
  std::string out;
  for (const auto& r : reg::known_registers()) out += fmt::format("  {:<8} {}\n", r.key, r.summary);
  return out;
}

// "48 KiB (49152 bytes)", or "96 bytes" below a whole KiB.
std::string human_size(std::uint64_t bytes) {
  if (bytes < 1024 || bytes % 1024 != 0) return fmt::format("{} bytes", bytes);
  return fmt::format("{} ({} bytes)", size_words(bytes), bytes);
}

// Register-specific facts beyond the fields: a CLIDR's levels and
// selectors, a CCSIDR's geometry, what a CSSELR or one-reg id names.
void add_extras(reg::RegisterKind kind, const reg::Layout& layout, std::uint64_t raw, Json& j,
                std::vector<std::string>& lines, std::vector<std::string>& warnings) {
  using reg::RegisterKind;
  switch (kind) {
    case RegisterKind::kClidr: {
      const cache::ClidrShape shape = cache::clidr_shape(reg::Clidr(raw));
      Json levels = Json::array();
      std::string level_text;
      for (const auto& l : shape.levels) {
        Json lj{{"level", l.level}, {"ctype", cache::ctype_name(l.ctype)}};
        if (l.ttype) lj["ttype"] = cache::ttype_name(l.ttype);
        levels.push_back(lj);
        level_text += fmt::format("{}L{} {}{}", level_text.empty() ? "" : ", ", l.level, cache::ctype_name(l.ctype),
                                  l.ttype ? fmt::format(" (tags: {})", cache::ttype_name(l.ttype)) : "");
      }
      Json sels = Json::array();
      std::string sel_text;
      for (const auto& s : shape.selectors) {
        sels.push_back(s.value());
        sel_text += fmt::format("{}{:#x} (L{} {})", sel_text.empty() ? "" : ", ", s.value(), s.level,
                                cache::to_string(s.kind));
      }
      j["levels"] = levels;
      j["selectors"] = sels;
      lines.push_back("Levels: " + (level_text.empty() ? std::string("none") : level_text));
      lines.push_back("Selectors (CSSELR): " + (sel_text.empty() ? std::string("none") : sel_text));
      for (const auto& p : shape.problems) warnings.push_back(p);
      break;
    }
    case RegisterKind::kCcsidr: {
      const auto format = &layout == &reg::kCcsidrLayout ? reg::CcsidrFormat::k32 : reg::CcsidrFormat::kCcidx;
      const reg::Ccsidr c(raw, format);
      const cache::Geometry g = cache::geometry_of(c);
      j["format"] = format == reg::CcsidrFormat::k32 ? "32-bit" : "ccidx";
      j["line_bytes"] = g.line_bytes;
      j["ways"] = g.ways;
      j["sets"] = g.sets;
      j["size_bytes"] = g.size_bytes();
      lines.push_back(fmt::format("Geometry: {}-byte lines x {} way{} x {} set{} = {}", g.line_bytes, g.ways,
                                  g.ways == 1 ? "" : "s", g.sets, g.sets == 1 ? "" : "s",
                                  human_size(g.size_bytes())));
      if (format == reg::CcsidrFormat::kCcidx) {
        auto as32 = cache::convert(c, reg::CcsidrFormat::k32);
        if (as32) {
          j["as_32bit"] = fmt::format("{:#x}", as32->raw());
          lines.push_back(fmt::format("In the 32-bit format: {:#x}", as32->raw()));
        } else {
          j["as_32bit"] = nullptr;
          lines.push_back("In the 32-bit format: does not fit (" + as32.error().message + ")");
        }
      } else {
        const bool likely = cache::check_truncated(std::uint32_t(raw), std::nullopt) == cache::Truncation::kLikely;
        j["likely_truncated_ccidx"] = likely;
        if (likely)
          warnings.push_back(fmt::format("{:#x} looks like the low half of a FEAT_CCIDX value (several ways, one set):"
                                         " pre-6.3 KVM hands these out on CCIDX hosts and the real set count is lost",
                                         raw));
      }
      break;
    }
    case RegisterKind::kCsselr: {
      const reg::Csselr s(raw);
      const bool reserved_level = reg::csselr::kLevel.get(raw) == 7;
      lines.push_back(reserved_level ? std::string("Selects: reserved level")
                                     : fmt::format("Selects: L{} {}", s.level(),
                                                   s.tnd() ? "tag cache" : s.ind() ? "instruction cache"
                                                                                   : "data or unified cache"));
      if (s.tnd() && s.ind()) warnings.push_back("TnD with InD is not a valid selection");
      if (reserved_level) warnings.push_back("Level 7 (L8) is reserved");
      break;
    }
    case RegisterKind::kRegId: {
      auto id = reg::decode_reg_id(raw);
      if (!id) usage_error(id.error().message);
      std::string name(id->name);
      if (id->kind == reg::RegIdKind::kDemuxCcsidr) name = fmt::format("CCSIDR_EL1 selector {}", id->csselr);
      j["name"] = name.empty() ? Json(nullptr) : Json(name);
      lines.push_back("Names: " + (name.empty() ? std::string("a register armcache does not know") : name));
      if (auto p = reg::reg_id_problem(*id)) warnings.emplace_back(*p);
      break;
    }
    default: break;
  }
}

int run_decode(const DecodeArgs& a) {
  const auto kind = reg::find_register(a.reg);
  if (!kind) usage_error(kind.error().message);
  const std::uint64_t raw = take(parse_hex(a.value, 64));
  const reg::Layout& layout = reg::decode_layout(*kind, raw, a.ccidx);
  if (auto st = reg::check_reserved(layout, raw); !st) usage_error(st.error().message);

  Json j;
  j["register"] = layout.name;
  j["value"] = fmt::format("{:#x}", raw);
  Json fields = Json::object();
  std::ostringstream table;
  table << layout.name << " = " << fmt::format("{:#x}", raw) << '\n';
  for (const auto& f : reg::decode(layout, raw)) {
    fields[std::string(f.field->name)] = f.value;
    const std::string v = f.field->hex ? fmt::format("{:#x}", f.value) : fmt::format("{}", f.value);
    table << "  " << f.field->name << " = " << v;
    if (!f.meaning.empty()) table << " (" << f.meaning << ')';
    table << '\n';
  }
  j["fields"] = fields;
  std::vector<std::string> lines, warnings;
  add_extras(*kind, layout, raw, j, lines, warnings);
  j["warnings"] = warnings;
  if (a.json) {
    print_json(j);
  } else {
    for (const auto& l : lines) table << l << '\n';
    for (const auto& w : warnings) table << "warning: " << w << '\n';
    std::cout << table.str();
  }
  return kExitOk;
}

}  // namespace

void add_decode(CLI::App& app, Context& ctx) {
  auto args = std::make_shared<DecodeArgs>();
  CLI::App* sub = app.add_subcommand("decode", "Decode a register value field by field");
  sub->add_option("REG", args->reg, "Register name (see the list below)")->required();
  sub->add_option("VALUE", args->value, "Value in hex")->required();
  sub->add_flag("--ccidx", args->ccidx, "Decode CCSIDR in the FEAT_CCIDX 64-bit format");
  sub->add_flag("-J,--json", args->json,
                "Print JSON: {register, value, fields{Name: n}, warnings[]} plus line_bytes, ways, sets, "
                "size_bytes (CCSIDR) or levels and selectors (CLIDR)");
  sub->footer(
      "Names each field as the Arm ARM does and says what its value means. VALUE is hexadecimal,\n"
      "with or without 0x.\n\nRegisters:\n" + register_list() +
      "\nCCSIDR is decoded in the FEAT_CCIDX 64-bit format when bits [63:32] are non-zero or with\n"
      "--ccidx, else in the 32-bit format. A reg-id is a KVM one-reg id: system register or DEMUX\n"
      "CCSIDR. Values with RES0 bits set (or RES1 bits clear) are rejected.\n\n"
      "Examples:\n  armcache decode clidr 0x1482000023\n  armcache decode ccsidr 0x000007ff0000003a --json\n"
              "  armcache decode reg-id 0x603000000013c801\n\n" + exit_status_help());
  sub->callback([args, &ctx] { ctx.status = run_decode(*args); });
}

}  // namespace armcache::cli
