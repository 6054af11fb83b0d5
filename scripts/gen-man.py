#!/usr/bin/env python3
"""Man pages and bash completion from armcache's own --help.

  gen-man.py ARMCACHE OUTDIR [--version V] [--docdir DIR]

Runs `ARMCACHE --help` and `ARMCACHE CMD [SUB] --help` for every listed
(not hidden) command and writes OUTDIR/man1/armcache.1, one
OUTDIR/man1/armcache-CMD.1 per command (its subcommands as subsections) and
OUTDIR/completion/armcache. The text of every page is the text of --help:
description, synopsis, options, the footer's paragraphs, its "Examples:"
block (EXAMPLES) and its "Exit status:" paragraph (EXIT STATUS). Only FILES
and SEE ALSO are written here, below, because --help has no room for them.
"""
import argparse
import datetime
import os
import re
import subprocess
import sys

SECTION = re.compile(r"^(Positionals|Options|Subcommands):$")
ENTRY = re.compile(r"^  (\S.*?)(?:\s{2,}(\S.*))?$")

# What each command reads or writes beyond its arguments (FILES).
SOURCES = [
    ("/sys/devices/system/cpu/cpu*/cache/index*/", "sysfs cacheinfo: levels, types, sizes, sharing"),
    ("/sys/firmware/fdt, /proc/device-tree", "the device tree the host booted with"),
    ("/sys/firmware/acpi/tables/PPTT", "the ACPI Processor Properties Topology Table"),
]
FILES = {
    "": [("/dev/kvm", "KVM, for the kvm commands (aarch64 hosts)")] + SOURCES,
    "show": SOURCES,
    "capture": SOURCES + [("/etc/kubernetes/node-feature-discovery/features.d/",
                           "where node-feature-discovery reads local feature files (--nfd)")],
    "kvm": [("/dev/kvm", "the KVM device; the commands create scratch VMs, or use an inherited vCPU fd")],
}
PROFILE_FILE = ("profile-format.md", "the armcache profile format (JSON) the commands read and write")
SEE_ALSO_EXTRA = {
    "show": ["lscpu(1)", "lstopo(1)"],
    "capture": ["lscpu(1)"],
    "firmware": ["dtc(1)", "iasl(1)"],
}


def run_help(binary, words):
    r = subprocess.run([binary, *words, "--help"], capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"gen-man: {' '.join([binary, *words])} --help exited {r.returncode}: {r.stderr.strip()}")
    return r.stdout


def parse(text):
    """--help of CLI11 -> {desc, usage, sections{name: [(name, desc)]}, paragraphs[[lines]]}."""
    lines = text.rstrip("\n").split("\n")
    i = next(n for n, l in enumerate(lines) if l.startswith("Usage: "))
    page = {"desc": [l for l in lines[:i] if l.strip()], "usage": lines[i][len("Usage: "):],
            "sections": {}, "paragraphs": []}
    i += 1
    current = None
    while i < len(lines):
        line = lines[i]
        m = SECTION.match(line)
        if m:
            current = page["sections"].setdefault(m.group(1), [])
        elif line.strip() == "":
            current = None
            nxt = next((l for l in lines[i + 1:] if l.strip()), "")
            if not SECTION.match(nxt):  # the footer starts after this blank line
                i += 1
                break
        elif current is not None:
            e = ENTRY.match(line)
            if line.startswith("   ") and current:  # continuation of the last entry's text
                name, desc = current[-1]
                current[-1] = (name, (desc + " " + line.strip()).strip())
            elif e:
                current.append((e.group(1), e.group(2) or ""))
        else:
            break
        i += 1
    para = []
    for line in lines[i:] + [""]:
        if line.strip() == "":
            if para:
                page["paragraphs"].append(para)
            para = []
        else:
            para.append(line)
    return page


def esc(text):
    text = text.replace("\\", "\\e").replace("-", "\\-")
    return text


def line(text):
    """One output line of running text; a leading . or ' would be a request."""
    t = esc(text)
    return "\\&" + t if t[:1] in (".", "'") else t


def verbatim(lines):
    out = [".PP", ".nf", ".RS 4"]
    out += [line(l) for l in lines]
    out += [".RE", ".fi"]
    return out


def split_footer(paragraphs):
    """-> (description paragraphs, example lines, exit status text)."""
    body, examples, status = [], [], ""
    for p in paragraphs:
        if p[0].startswith(("Examples:", "Example:")):
            examples += [l.strip() for l in p[1:]]
        elif p[0].startswith("Exit status:"):
            status = " ".join(l.strip() for l in p)[len("Exit status:"):].strip()
        else:
            body.append(p)
    return body, examples, status


def render_paragraph(p):
    # "Registers:" followed by indented lines: a heading and a verbatim list.
    if len(p) > 1 and p[0].endswith(":") and all(l.startswith("  ") for l in p[1:]):
        return [".PP", line(p[0])] + verbatim([l.strip() for l in p[1:]])[1:]
    out = [".PP"]
    for l in p:
        if l.startswith("  "):  # an indented line inside text: keep it on its own line
            out += [".br", line(l.strip())]
        else:
            out.append(line(l))
    return out


def render_entries(entries):
    out = []
    for name, desc in entries:
        out += [".TP", "\\fB" + esc(name) + "\\fR", line(desc) if desc else ".br"]
    return out


def options_of(page):
    return [e for e in page["sections"].get("Options", []) + page["sections"].get("Positionals", [])]


def page_body(page, binary_words):
    """DESCRIPTION text, SYNOPSIS and OPTIONS of one --help."""
    body, examples, status = split_footer(page["paragraphs"])
    out = []
    for p in body:
        out += render_paragraph(p)
    return out, examples, status


def header(name, version, date):
    return [f'.TH {esc(name.upper())} 1 "{date}" "armcache {esc(version)}" "User Commands"']


def files_section(cmd, docdir):
    entries = list(FILES.get(cmd, []))
    entries.append((os.path.join(docdir, PROFILE_FILE[0]), PROFILE_FILE[1]))
    out = [".SH FILES"]
    for path, what in entries:
        out += [".TP", "\\fI" + esc(path) + "\\fR", line(what)]
    return out


def write_page(outdir, name, lines_):
    text = "\n".join(lines_) + "\n"
    with open(os.path.join(outdir, "man1", name + ".1"), "w") as f:
        f.write(text)


def command_page(binary, cmd, summary, version, date, docdir, all_cmds):
    page = parse(run_help(binary, [cmd]))
    desc, examples, status = page_body(page, [cmd])
    out = header("armcache-" + cmd, version, date)
    out += [".SH NAME", f"armcache\\-{esc(cmd)} \\- {esc(summary)}"]
    out += [".SH SYNOPSIS", "\\fB" + esc(page["usage"]) + "\\fR"]
    out += [".SH DESCRIPTION"] + [line(l) for l in page["desc"]] + desc
    opts = options_of(page)
    if opts:
        out += [".SH OPTIONS"] + render_entries(opts)
    subs = page["sections"].get("Subcommands", [])
    completion = {cmd: ([s for s, _ in subs], [o for o, _ in opts])}
    if subs:
        out += [".SH COMMANDS"]
        for sub, sub_summary in subs:
            sp = parse(run_help(binary, [cmd, sub]))
            sdesc, sex, sstatus = page_body(sp, [cmd, sub])
            examples += sex
            if not status:
                status = sstatus
            out += [".SS " + esc(f"armcache {cmd} {sub}"), line(sub_summary),
                    ".PP", "\\fB" + esc(sp["usage"]) + "\\fR"] + sdesc
            sopts = options_of(sp)
            if sopts:
                out += [".PP", "Options:"] + render_entries(sopts)
            completion[f"{cmd} {sub}"] = ([], [o for o, _ in sopts])
    out += [".SH EXIT STATUS", line(status or "0 success")]
    out += files_section(cmd, docdir)
    if examples:
        out += [".SH EXAMPLES"] + verbatim(examples)[1:]
    see = ["armcache(1)"] + [f"armcache-{c}(1)" for c in all_cmds if c != cmd] + SEE_ALSO_EXTRA.get(cmd, [])
    out += [".SH SEE ALSO", ", ".join(f"\\fB{esc(s.split('(')[0])}\\fR({s.split('(')[1]}" for s in see)]
    return out, examples, completion


def option_names(spec):
    """'-o,--output TEXT' -> ['-o', '--output'], takes_value; positionals -> []."""
    first = spec.split(" ")[0]
    if not first.startswith("-"):
        return [], False
    return first.split(","), " " in spec


def completion_script(table):
    """table: {path: (subcommands, option specs)}; path '' is the top level (key 'armcache')."""
    out = ["# bash completion for armcache, generated from armcache --help (scripts/gen-man.py).",
           "_armcache() {",
           "  local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]} path=armcache w i",
           "  local -A subs=() opts=() valued=()"]
    for path, (subs, opts) in sorted(table.items()):
        path = ("armcache " + path).strip()
        names, vals = [], []
        for spec in opts:
            n, v = option_names(spec)
            names += n
            if v:
                vals += n
        out.append(f"  subs[{path!r}]={' '.join(subs)!r}")
        out.append(f"  opts[{path!r}]={' '.join(names)!r}")
        out.append(f"  valued[{path!r}]={' '.join(vals)!r}")
    out += [
        "  for ((i = 1; i < COMP_CWORD; i++)); do",
        "    w=${COMP_WORDS[i]}",
        "    if [[ \" ${subs[$path]} \" == *\" $w \"* ]]; then path=\"$path $w\"; fi",
        "  done",
        "  if [[ \" ${valued[$path]} \" == *\" $prev \"* ]]; then",
        "    COMPREPLY=($(compgen -f -- \"$cur\"))",
        "    return",
        "  fi",
        "  if [[ $cur == -* ]]; then",
        "    COMPREPLY=($(compgen -W \"${opts[$path]}\" -- \"$cur\"))",
        "  elif [[ -n ${subs[$path]} ]]; then",
        "    COMPREPLY=($(compgen -W \"${subs[$path]}\" -- \"$cur\"))",
        "  else",
        "    COMPREPLY=($(compgen -f -- \"$cur\"))",
        "  fi",
        "}",
        "complete -F _armcache armcache",
    ]
    return "\n".join(out) + "\n"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("binary")
    ap.add_argument("outdir")
    ap.add_argument("--version", default="")
    ap.add_argument("--docdir", default="/usr/share/doc/armcache")
    a = ap.parse_args()
    version = a.version or subprocess.run([a.binary, "--version"], capture_output=True, text=True).stdout.split()[-1]
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    when = datetime.datetime.fromtimestamp(int(epoch), datetime.timezone.utc) if epoch else \
        datetime.datetime.now(datetime.timezone.utc)
    date = when.strftime("%Y-%m-%d")
    os.makedirs(os.path.join(a.outdir, "man1"), exist_ok=True)
    os.makedirs(os.path.join(a.outdir, "completion"), exist_ok=True)

    top = parse(run_help(a.binary, []))
    cmds = top["sections"].get("Subcommands", [])
    names = [c for c, _ in cmds]
    table = {"": (names, [o for o, _ in options_of(top)])}
    all_examples = []
    for cmd, summary in cmds:
        lines_, examples, completion = command_page(a.binary, cmd, summary, version, date, a.docdir, names)
        write_page(a.outdir, "armcache-" + cmd, lines_)
        table.update(completion)
        if examples:
            all_examples.append(examples[0])

    body, _, status = split_footer(top["paragraphs"])
    out = header("armcache", version, date)
    out += [".SH NAME", "armcache \\- " + esc(top["desc"][0].split(": ", 1)[-1].rstrip("."))]
    out += [".SH SYNOPSIS", "\\fB" + esc(top["usage"]) + "\\fR"]
    out += [".SH DESCRIPTION"] + [line(l) for l in top["desc"]]
    for p in body:
        out += render_paragraph(p)
    out += [".SH OPTIONS"] + render_entries(options_of(top))
    out += [".SH COMMANDS"]
    for cmd, summary in cmds:
        out += [".TP", f"\\fBarmcache\\-{esc(cmd)}\\fR(1)", line(summary)]
    out += [".SH EXIT STATUS", line(status)]
    out += files_section("", a.docdir)
    out += [".SH EXAMPLES"] + verbatim(all_examples)[1:]
    out += [".SH SEE ALSO", ", ".join(f"\\fBarmcache\\-{esc(c)}\\fR(1)" for c in names)]
    write_page(a.outdir, "armcache", out)
    with open(os.path.join(a.outdir, "completion", "armcache"), "w") as f:
        f.write(completion_script(table))


if __name__ == "__main__":
    main()
