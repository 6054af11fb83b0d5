// The replay engine of replay.h, and `armcache model-replay` (hidden): the
// kernel model's prediction for a corpus, in the JSON `kvm replay` prints.
#include "replay.h"

#include <fmt/format.h>

#include <cerrno>
#include <fstream>
#include <iostream>

#include "armcache/kernel/replay_target.h"
#include "armcache/kvm/kvm.h"
#include "armcache/profile/profile.h"
#include "armcache/registers/csselr.h"
#include "armcache/registers/kvm_reg_id.h"
#include "armcache/util/parse.h"
#include "commands.h"
#include "inputs.h"

namespace armcache::cli::replay {

namespace {

std::string err_text(const Status& st) { return st ? std::string("ok") : errno_name(st.error().errnum); }

// A corpus number: a JSON number or a "0x..." (or decimal) string.
std::optional<std::uint64_t> as_number(const Json& v) {
  if (v.is_number_unsigned()) return v.get<std::uint64_t>();
  if (v.is_string())
    if (auto p = parse_uint(v.get<std::string>())) return *p;
  return std::nullopt;
}

std::uint64_t num_field(const Json& s, const char* key, std::size_t i, const std::string& path) {
  auto it = s.find(key);
  if (it == s.end()) usage_error(fmt::format("{}: step {}: \"{}\" is missing", path, i, key));
  if (auto v = as_number(*it)) return *v;
  usage_error(fmt::format("{}: step {}: \"{}\" must be a number or a \"0x...\" string", path, i, key));
}

// A register value, or the errno name when KVM_GET_ONE_REG failed (ENOENT:
// the register does not exist, recorded as null).
Json reg_json(const Result<std::uint64_t>& r) {
  if (r) return hex(*r);
  if (r.error().errnum == ENOENT) return nullptr;
  return errno_name(r.error().errnum);
}

Json state(vcpu::RegisterFile& regs, std::optional<std::uint64_t> target_id) {
  Json s;
  s["clidr"] = reg_json(regs.get(reg::kClidrId));
  s["ctr"] = reg_json(regs.get(reg::kCtrId));
  Json d = Json::array();
  for (unsigned i = 0; i < reg::kCsselrLevelInDCount; ++i) d.push_back(reg_json(regs.get(reg::demux_ccsidr_id(i))));
  s["demux"] = d;
  if (target_id) s["target"] = reg_json(regs.get(*target_id));
  return s;
}

}  // namespace

std::vector<Step> load_corpus(const std::string& path) {
  std::ifstream in(path);
  if (!in) usage_error(fmt::format("{}: cannot open", path));
  Json j;
  try {
    j = Json::parse(in);
  } catch (const std::exception& e) {
    usage_error(fmt::format("{}: not JSON: {}", path, e.what()));
  }
  if (!j.is_object() || !j.contains("steps") || !j["steps"].is_array())
    usage_error(fmt::format("{}: expected {{\"steps\": [...]}}", path));
  std::vector<Step> out;
  for (std::size_t i = 0; i < j["steps"].size(); ++i) {
    const Json& s = j["steps"][i];
    if (!s.is_object() || !s.contains("op") || !s["op"].is_string())
      usage_error(fmt::format("{}: step {}: needs \"op\"", path, i));
    Step st;
    st.op = s["op"].get<std::string>();
    if (st.op == "set") {
      st.id = num_field(s, "id", i, path);
      st.value = num_field(s, "value", i, path);
    } else if (st.op == "enable") {
      if (s.contains("flags")) {
        const std::uint64_t f = num_field(s, "flags", i, path);
        if (f > 0xFFFFFFFFu) usage_error(fmt::format("{}: step {}: \"flags\" is 32 bits", path, i));
        st.flags = std::uint32_t(f);
      }
      if (auto it = s.find("args"); it != s.end()) {
        if (!it->is_array() || it->size() > st.args.size())
          usage_error(fmt::format("{}: step {}: \"args\" must be an array of up to 4 numbers", path, i));
        for (std::size_t a = 0; a < it->size(); ++a) {
          const auto n = as_number((*it)[a]);
          if (!n) usage_error(fmt::format("{}: step {}: args[{}] must be a number or a \"0x...\" string", path, i, a));
          st.args[a] = *n;
        }
      }
    } else if (st.op != "reset" && st.op != "run" && st.op != "fresh") {
      usage_error(fmt::format("{}: step {}: unknown op \"{}\" (set, enable, reset, run, fresh)", path, i, st.op));
    }
    if (auto it = s.find("case"); it != s.end() && it->is_string()) st.label = it->get<std::string>();
    out.push_back(std::move(st));
  }
  return out;
}

Json run(const std::vector<Step>& steps, vcpu::ReplayTarget& t) {
  auto fresh = [&t] {
    if (auto st = t.fresh(); !st) throw Failure(st.error().message, kExitSystem);
  };
  Json out = Json::array();
  if (steps.empty() || steps.front().op != "fresh") fresh();  // a corpus starting with "fresh" makes its own
  for (std::size_t i = 0; i < steps.size(); ++i) {
    const Step& s = steps[i];
    Json r{{"i", i}, {"op", s.op}};
    std::optional<std::uint64_t> target;
    if (s.op == "fresh") {
      fresh();
      r["errno"] = "ok";
    } else if (s.op == "set") {
      r["id"] = hex(s.id);
      r["value"] = hex(s.value);
      r["errno"] = err_text(t.regs().set(s.id, s.value));
      target = s.id;
    } else if (s.op == "enable") {
      r["errno"] = err_text(t.enable(s.flags, s.args));
    } else if (s.op == "reset") {
      r["errno"] = err_text(t.reset());
    } else if (s.op == "run") {
      auto g = t.run();
      if (g) {
        r["errno"] = "ok";
        r["guest"] = profile::guest_view_to_json(*g);
      } else {
        r["errno"] = g.error().errnum ? errno_name(g.error().errnum) : std::string("error");
        r["error"] = g.error().message;
      }
    }
    r["state"] = state(t.regs(), target);
    out.push_back(std::move(r));
  }
  return out;
}

namespace {

struct ModelReplayArgs {
  std::string kernel, host_file, qemu_model, corpus;
  bool json = false;
  bool mte = false;
};

}  // namespace

void print_result(const std::string& kernel, const char* source, const std::vector<Step>& steps, const Json& results,
                  bool json) {
  if (json) {
    // One compact line: the test bed carries it over a serial console.
    std::cout << Json{{"format", "armcache-replay"}, {"kernel", kernel}, {"source", source}, {"steps", results}}.dump()
              << '\n';
    return;
  }
  for (std::size_t i = 0; i < results.size(); ++i) {
    const Json& r = results[i];
    const Json& st = r["state"];
    std::cout << fmt::format("{:>4} {:<5} {:<20} {:<20} {:<8} CLIDR {} CTR {}  {}\n", i, steps[i].op,
                             r.value("id", ""), r.value("value", ""), r["errno"].get<std::string>(),
                             st["clidr"].dump(), st["ctr"].dump(), steps[i].label);
  }
}

}  // namespace armcache::cli::replay

namespace armcache::cli {

void add_model_replay(CLI::App& app, Context& ctx) {
  using namespace replay;
  auto a = std::make_shared<ModelReplayArgs>();
  CLI::App* sub = app.add_subcommand("model-replay", "Testing: the kernel model's outcome for a ONE_REG corpus");
  sub->group("");  // hidden: a test-bed tool
  sub->add_option("--kernel", a->kernel, "Kernel version or generation")->required();
  sub->add_option("--host", a->host_file, "Host profile");
  sub->add_option("--qemu-model", a->qemu_model, "A built-in QEMU CPU model as the host");
  sub->add_option("--corpus", a->corpus, "Corpus JSON (see kvm replay)")->required();
  sub->add_flag("-J,--json", a->json, "Print the result as one JSON line (what kvm replay --json prints)");
  sub->add_flag("--mte", a->mte, "Every VM with MTE (as kvm replay --mte)");
  sub->callback([a, &ctx] {
    const kernel::KernelSpec k = load_kernel(a->kernel);
    const identity::Host host = load_host(a->host_file, a->qemu_model);
    const auto steps = load_corpus(a->corpus);
    kernel::ModelReplayTarget t(k, take(kernel::host_input(host)), kernel::VmConfig{a->mte});
    print_result(k.label, "model", steps, run(steps, t), a->json);
    ctx.status = kExitOk;
  });
}

}  // namespace armcache::cli
