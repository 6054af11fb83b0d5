#!/usr/bin/env python3
"""Checks the nested test bed's consoles (run-nested.sh): what a Linux guest of Debian's QEMU
shows in its own sysfs, against the model's ground truth (groundtruth.sh) and what Linux's
cacheinfo makes of CLIDR_EL1 plus the device tree:
  full   CLIDR's levels and types, each with the ground truth's size, ways, sets and line size
         (the tree's cache nodes carry them), L1 private, the L2 of each cluster (run-nested.sh
         asks for one cluster per vCPU: a private L2, as on the real part)
  l1     the tree has no cache nodes: Linux counts one level, so L1 Data and L1 Instruction
         from CLIDR, without sizes; no L2
  none   CLIDR contradicts the tree (6.3+ fabricated CLIDR): the guest drops every cache
  fabricated  a 7.3 guest with a 6.3+ kernel's fabricated CLIDR (armregs.fabricated_clidr) and
         the cache-node tree, as measured: the first CPU shows the fabricated CLIDR's levels and
         types with the sizes of the tree's nodes of those levels; the other CPU falls back to
         CLIDR alone (levels and types, no sizes), and since that fallback
         (use_arch_info in drivers/base/cacheinfo.c) is one flag for all CPUs, every cache above
         L1 then counts as shared by all CPUs. A distorted hierarchy, not none.
  refused  QEMU exits non-zero before the guest runs; stderr names vCPU, register, errno

Usage: nested_check.py CONSOLE.log GT.json REFUSED.json EXPECT [CONSOLE.log GT.json REFUSED.json EXPECT ...]
  GT.json: the host model's ground truth; REFUSED.json: the view of the refused case
  EXPECT: comma-separated case=kind pairs, e.g. own-dt=l1,merged-dt=full
Prints one line per check and "N passed, N failed"; exits 1 on any failure.
"""
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from armregs import fabricated_clidr, sanitised_ctr  # noqa: E402


def geometry(ccsidr, ccidx):
    """(line bytes, ways, sets) of a CCSIDR_EL1 value; ccidx: the FEAT_CCIDX (64-bit) layout."""
    line = 1 << ((ccsidr & 7) + 4)
    if ccidx:
        return line, ((ccsidr >> 3) & 0x1FFFFF) + 1, ((ccsidr >> 32) & 0xFFFFFF) + 1
    return line, ((ccsidr >> 3) & 0x3FF) + 1, ((ccsidr >> 13) & 0x7FFF) + 1


def leaves_of(clidr, cc, ccidx):
    """[(level, type, line, ways, sets)] in Linux's leaf order (Data before Instruction)."""
    out = []
    for level in range(1, 8):
        ctype = (clidr >> (3 * (level - 1))) & 7
        if ctype == 0:
            break
        kinds = {1: ["Instruction"], 2: ["Data"], 3: ["Data", "Instruction"], 4: ["Unified"]}[ctype]
        for k in kinds:
            sel = (level - 1) << 1 | (1 if k == "Instruction" else 0)
            out.append((level, k) + geometry(cc[sel], ccidx))
    return out


def described_sels(gt):
    """The CSSELR values of expected_leaves, in the same order."""
    return [(l[0] - 1) << 1 | (l[1] == "Instruction") for l in expected_leaves(gt)]


def expected_leaves(gt):
    return leaves_of(int(gt["clidr"], 16), [int(x, 16) for x in gt["ccsidr"]], int(gt.get("ccidx", 0)))


def parse_console(path):
    """{case: {"rc", "wall", "files": {path: value}, "cpus": {cpu: [index...]}, "lscpu": [...],
    "dumps": n, "guest": [lines], "stderr": [lines], "log": [lines]}}"""
    cases = {}
    cur = None
    for raw in open(path, errors="replace"):
        line = raw.rstrip("\n")
        m = re.match(r"NESTED-CASE (\S+) mode=(\S+)", line)
        if m:
            cur = cases.setdefault(m.group(1), {"mode": m.group(2), "files": {}, "cpus": {}, "lscpu": [], "dumps": 0, "guest": [],
                                                "stderr": [], "log": [], "rc": None, "wall": None,
                                                "all_dumps": [], "retried": None})
            continue
        m = re.match(r"NESTED-RETRY (\S+) (.*)", line)
        if m and cur is not None:
            cur["retried"] = m.group(2)
            continue
        m = re.match(r"NESTED-DONE (\S+) rc=(\d+) start=([\d.]+) end=([\d.]+)", line)
        if m and cur is not None:
            cur["rc"] = int(m.group(2))
            cur["wall"] = float(m.group(4)) - float(m.group(3))
            cur = None
            continue
        if cur is None:
            continue
        if line.startswith("G| "):
            g = line[3:]
            cur["guest"].append(g)
            if g.startswith("GUEST-BEGIN"):
                # Each boot's dump is kept; the last one fills files/cpus/lscpu.
                cur["files"], cur["cpus"], cur["lscpu"] = {}, {}, []
            elif g.startswith("GUEST-CPU "):
                parts = g.split()
                cur["cpus"][parts[1]] = parts[2:]
            elif g.startswith("GUEST-FILE "):
                parts = g.split(" ", 2)
                cur["files"][parts[1]] = parts[2] if len(parts) > 2 else ""
            elif g.startswith("GUEST-LSCPU "):
                cur["lscpu"].append(g[len("GUEST-LSCPU "):])
            elif g.startswith("GUEST-END"):
                cur["dumps"] += 1
                cur["all_dumps"].append((dict(cur["files"]), dict(cur["cpus"]), list(cur["lscpu"])))
        elif line.startswith("E| "):
            cur["stderr"].append(line[3:])
        elif line.startswith("L| "):
            cur["log"].append(line[3:])
    return cases


def size_text(nbytes):
    return f"{nbytes >> 10}K"


def lscpu_rows(lines):
    rows = [l.split() for l in lines if l.strip()]
    if not rows or rows[0][0] != "NAME":
        return {}
    head = rows[0]
    return {r[0]: dict(zip(head, r)) for r in rows[1:]}


def lscpu_size(nbytes):
    # lscpu's human sizes: K below 1 MiB, M from there (whole numbers here).
    return f"{nbytes >> 20}M" if nbytes >= 1 << 20 and nbytes % (1 << 20) == 0 else f"{nbytes >> 10}K"


def check_fabricated(gt, leaves, files, cpus, lscpu, ncpu=2):
    clidr = int(gt["clidr"], 16)
    fab = leaves_of(fabricated_clidr(sanitised_ctr(int(gt["ctr"], 16), clidr)), [0] * 16, 0)
    geo = {(l[0], l[1]): l[2:] for l in leaves}
    problems = []
    for c in range(ncpu):
        cpu = f"cpu{c}"
        idx = sorted(i for i in cpus.get(cpu, []) if i.startswith("index"))
        if len(idx) != len(fab):
            problems.append(f"{cpu}: {len(idx)} cache leaves ({' '.join(idx) or 'none'}), expected {len(fab)}")
            continue
        for i, (level, typ, *_) in enumerate(fab):
            base = f"{cpu}/cache/index{i}/"
            exp = {"level": str(level), "type": typ,
                   "shared_cpu_list": str(c) if level == 1 else f"0-{ncpu - 1}"}
            if c == 0 and (level, typ) in geo:
                line, ways, sets = geo[(level, typ)]
                exp.update({"size": size_text(line * ways * sets), "ways_of_associativity": str(ways),
                            "number_of_sets": str(sets), "coherency_line_size": str(line)})
            elif files.get(base + "size") not in (None, ""):
                problems.append(f"{base}size = {files.get(base + 'size')!r}, expected none (CLIDR only)")
            for f, v in exp.items():
                if files.get(base + f) != v:
                    problems.append(f"{base}{f} = {files.get(base + f)!r}, expected {v!r}")
    rows = lscpu_rows(lscpu)
    want = {"L1d" if (l, t) == (1, "Data") else "L1i" if (l, t) == (1, "Instruction") else f"L{l}" for l, t, *_ in fab}
    if set(rows) != want:
        problems.append(f"lscpu -C lists {sorted(rows)}, expected {sorted(want)}")
    return problems


def check_dump(kind, leaves, files, cpus, lscpu, ncpu=2):
    """Problems of one guest dump against the expected kind."""
    problems = []
    for c in range(ncpu):
        cpu = f"cpu{c}"
        if cpu not in cpus:
            problems.append(f"{cpu} missing from the guest")
            continue
        idx = sorted(i for i in cpus[cpu] if i.startswith("index"))
        want = [] if kind == "none" else [l for l in leaves if kind == "full" or l[0] == 1]
        if len(idx) != len(want):
            problems.append(f"{cpu}: {len(idx)} cache leaves ({' '.join(idx) or 'none'}), expected {len(want)}")
            continue
        for i, (level, typ, line, ways, sets) in enumerate(want):
            base = f"{cpu}/cache/index{i}/"
            get = lambda f: files.get(base + f)
            exp = {"level": str(level), "type": typ}
            if kind == "full":
                exp.update({"size": size_text(line * ways * sets), "ways_of_associativity": str(ways),
                            "number_of_sets": str(sets), "coherency_line_size": str(line),
                            "shared_cpu_list": str(c)})
            for f, v in exp.items():
                if get(f) != v:
                    problems.append(f"{base}{f} = {get(f)!r}, expected {v!r}")
            if kind == "l1" and get("size") not in (None, ""):
                problems.append(f"{base}size = {get('size')!r}, expected none (no cache nodes)")
    rows = lscpu_rows(lscpu)
    if kind == "none":
        if rows:
            problems.append(f"lscpu -C lists {sorted(rows)}, expected no caches")
    else:
        names = {(1, "Data"): "L1d", (1, "Instruction"): "L1i"}
        for level, typ, line, ways, sets in [l for l in leaves if kind == "full" or l[0] == 1]:
            name = names.get((level, typ), f"L{level}")
            r = rows.get(name)
            if r is None:
                problems.append(f"lscpu -C has no {name} row")
            elif kind == "full" and (r.get("ONE-SIZE") != lscpu_size(line * ways * sets) or
                                     r.get("WAYS") != str(ways) or r.get("SETS") != str(sets)):
                problems.append(f"lscpu -C {name}: {r}")
    return problems


def check_refused(c, refused_view):
    problems = []
    if c["rc"] == 0:
        problems.append("QEMU exited 0")
    lines = [l for l in c["stderr"] if l.startswith("armcache-vmm: vCPU")]
    value = refused_view["guest"]["demux"]["0"]
    if len(lines) != 1:
        problems.append(f"{len(lines)} interposer lines on stderr, expected 1: {c['stderr']}")
    elif not all(w in lines[0] for w in (f"CCSIDR_EL1[0] = {value} refused", "EINVAL")):
        problems.append(f"stderr does not name the register, value {value} and errno: {lines[0]}")
    if c["guest"]:
        problems.append(f"the guest printed {len(c['guest'])} lines (it must never run): {c['guest'][:3]}")
    return problems


def main():
    args = sys.argv[1:]
    if not args or len(args) % 4:
        sys.exit("usage: nested_check.py CONSOLE GT.json REFUSED.json EXPECT [...]")
    passed = failed = 0
    for log, gt_path, refused_path, expect in zip(args[0::4], args[1::4], args[2::4], args[3::4]):
        gt = json.load(open(gt_path))
        leaves = expected_leaves(gt)
        cases = parse_console(log)
        host = next((l.split()[1] for l in open(log, errors="replace") if l.startswith("NESTED-HOST ")), "?")
        host = f"{gt['model']} {host}"
        inits = {}
        for pair in expect.split(","):
            name, kind = pair.split("=")
            c = cases.get(name)
            label = f"host {host} {name} ({kind})"
            problems = []
            if c is None or c["rc"] is None:
                problems.append("case did not run to the end")
            elif kind == "refused":
                problems = check_refused(c, json.load(open(refused_path)))
            else:
                want_dumps = 2 if name.endswith("reboot") else 1
                if c["rc"] != 0:
                    problems.append(f"QEMU exit {c['rc']}: {c['stderr'][-3:]}")
                if c["dumps"] != want_dumps:
                    problems.append(f"{c['dumps']} guest dumps, expected {want_dumps}")
                for k, (files, cpus, lscpu) in enumerate(c["all_dumps"]):
                    found = (check_fabricated(gt, leaves, files, cpus, lscpu) if kind == "fabricated"
                             else check_dump(kind, leaves, files, cpus, lscpu))
                    problems += [f"boot {k + 1}: {p}" for p in found]
                applied = [l for l in c["log"] if re.match(r"armcache-vmm: vCPU \d+ \(fd \d+\): ", l)]
                if c["mode"] != "stock":
                    inits[name] = applied
                    for v in (0, 1):
                        if not any(l.startswith(f"armcache-vmm: vCPU {v} ") for l in applied):
                            problems.append(f"no interposer line for vCPU {v}")
                elif c["log"]:
                    problems.append("interposer log in a stock case")
                if c["mode"].startswith("closest:") and applied:
                    # The nearest view of a CCIDX host's 6.1 view: the real CLIDR and each cache's
                    # geometry in the 32-bit CCSIDR layout, converted here from the ground truth.
                    first = applied[0]
                    want = [f"CLIDR_EL1 {int(gt['clidr'], 16):#x}"]
                    for sel, (level, typ, line, ways, sets) in zip(described_sels(gt), leaves):
                        v = (line.bit_length() - 5) | (ways - 1) << 3 | (sets - 1) << 13
                        want.append(f"CCSIDR_EL1[{sel}] {v:#x}")
                    problems += [f"vCPU 0's first apply lacks {w}: {first}" for w in want if w not in first]
            if problems:
                failed += 1
                print(f"FAIL {label}: " + "; ".join(problems[:8]))
            else:
                passed += 1
                print(f"ok   {label}" + (f"  {c['wall']:.1f} s" if c and c.get("wall") else "")
                      + (f"  (second try; the first: QEMU 7.2 aborted: {c['retried']})" if c and c.get("retried") else ""))
        # A reboot re-inits every vCPU: more applied inits for vCPU 1 than in a boot of the same
        # host without one.
        one = lambda name: sum(1 for l in inits[name] if l.startswith("armcache-vmm: vCPU 1 "))
        for r in [n for n in inits if n.endswith("reboot")]:
            base = [n for n in inits if not n.endswith("reboot")]
            if not base:
                continue
            if one(r) > one(base[0]):
                passed += 1
                print(f"ok   host {host} {r}: the reboot re-applied the view ({one(base[0])} -> {one(r)} inits of vCPU 1)")
            else:
                failed += 1
                print(f"FAIL host {host} {r}: the reboot did not re-apply the view to vCPU 1")
        costs = sorted(float(m.group(1)) for n in inits for l in inits[n] for m in [re.search(r"; ([\d.]+) us$", l)] if m)
        if costs:
            print(f"interposer cost per vCPU init on host {host}: median {costs[len(costs) // 2]:.1f} us, "
                  f"max {costs[-1]:.1f} us over {len(costs)} inits")
    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
