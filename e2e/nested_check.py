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
  refused  QEMU exits non-zero before the guest runs; stderr names vCPU, register, errno

Usage: nested_check.py GT.json CONSOLE.log EXPECT [CONSOLE.log EXPECT ...]
  EXPECT: comma-separated case=kind pairs, e.g. own-dt=l1,merged-dt=full
Prints one line per check and "N passed, N failed"; exits 1 on any failure.
"""
import json
import re
import sys


def geometry(ccsidr):
    line = 1 << ((ccsidr & 7) + 4)
    ways = ((ccsidr >> 3) & 0x3FF) + 1
    sets = ((ccsidr >> 13) & 0x7FFF) + 1
    return line, ways, sets


def expected_leaves(gt):
    """[(level, type, line, ways, sets)] in Linux's leaf order (Data before Instruction)."""
    clidr = int(gt["clidr"], 16)
    cc = [int(x, 16) for x in gt["ccsidr"]]
    out = []
    for level in range(1, 8):
        ctype = (clidr >> (3 * (level - 1))) & 7
        if ctype == 0:
            break
        kinds = {1: ["Instruction"], 2: ["Data"], 3: ["Data", "Instruction"], 4: ["Unified"]}[ctype]
        for k in kinds:
            sel = (level - 1) << 1 | (1 if k == "Instruction" else 0)
            out.append((level, k) + geometry(cc[sel]))
    return out


def parse_console(path):
    """{case: {"rc", "wall", "files": {path: value}, "cpus": {cpu: [index...]}, "lscpu": [...],
    "dumps": n, "guest": [lines], "stderr": [lines], "log": [lines]}}"""
    cases = {}
    cur = None
    for raw in open(path, errors="replace"):
        line = raw.rstrip("\n")
        m = re.match(r"NESTED-CASE (\S+)", line)
        if m:
            cur = cases.setdefault(m.group(1), {"files": {}, "cpus": {}, "lscpu": [], "dumps": 0, "guest": [],
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


def main():
    gt = json.load(open(sys.argv[1]))
    leaves = expected_leaves(gt)
    passed = failed = 0
    walls = []
    for log, expect in zip(sys.argv[2::2], sys.argv[3::2]):
        cases = parse_console(log)
        host = next((l.split()[1] for l in open(log, errors="replace") if l.startswith("NESTED-HOST ")), "?")
        inits = {}
        for pair in expect.split(","):
            name, kind = pair.split("=")
            c = cases.get(name)
            label = f"host {host} {name} ({kind})"
            problems = []
            if c is None or c["rc"] is None:
                problems.append("case did not run to the end")
            elif kind == "refused":
                if c["rc"] == 0:
                    problems.append("QEMU exited 0")
                lines = [l for l in c["stderr"] if l.startswith("armcache-vmm: vCPU")]
                if len(lines) != 1:
                    problems.append(f"{len(lines)} interposer lines on stderr, expected 1: {c['stderr']}")
                elif not all(w in lines[0] for w in ("CCSIDR_EL1 (DEMUX 0) = 0x701fe018", "EINVAL")):
                    problems.append(f"stderr does not name the register, value and errno: {lines[0]}")
                if c["guest"]:
                    problems.append(f"the guest printed {len(c['guest'])} lines (it must never run): {c['guest'][:3]}")
            else:
                want_dumps = 2 if name.endswith("reboot") else 1
                if c["rc"] != 0:
                    problems.append(f"QEMU exit {c['rc']}: {c['stderr'][-3:]}")
                if c["dumps"] != want_dumps:
                    problems.append(f"{c['dumps']} guest dumps, expected {want_dumps}")
                for k, (files, cpus, lscpu) in enumerate(c["all_dumps"]):
                    problems += [f"boot {k + 1}: {p}" for p in check_dump(kind, leaves, files, cpus, lscpu)]
                applied = [l for l in c["log"] if re.match(r"armcache-vmm: vCPU \d+ \(fd \d+\): view ", l)]
                inits[name] = applied
                if name.startswith("view"):
                    for v in (0, 1):
                        if not any(l.startswith(f"armcache-vmm: vCPU {v} ") for l in applied):
                            problems.append(f"no interposer line for vCPU {v}")
                elif c["log"]:
                    problems.append("interposer log in a stock case")
                if c["wall"] is not None:
                    walls.append((host, name, c["wall"]))
            if problems:
                failed += 1
                print(f"FAIL {label}: " + "; ".join(problems[:8]))
            else:
                passed += 1
                print(f"ok   {label}" + (f"  {c['wall']:.1f} s" if c and c.get("wall") else "")
                      + (f"  (second try; the first: QEMU 7.2 aborted: {c['retried']})" if c and c.get("retried") else ""))
        # A reboot re-inits every vCPU: more applied inits for vCPU 1 than in a boot without one.
        if "view-merged-reboot" in inits and "view-own-dt" in inits:
            one = lambda name: sum(1 for l in inits[name] if l.startswith("armcache-vmm: vCPU 1 "))
            if one("view-merged-reboot") > one("view-own-dt"):
                passed += 1
                print(f"ok   host {host} reboot re-applied the view ({one('view-own-dt')} -> "
                      f"{one('view-merged-reboot')} inits of vCPU 1)")
            else:
                failed += 1
                print(f"FAIL host {host}: the reboot did not re-apply the view to vCPU 1")
            costs = [float(m.group(1)) for l in inits["view-merged-reboot"] + inits["view-own-dt"]
                     for m in [re.search(r"; ([\d.]+) us$", l)] if m]
            if costs:
                costs.sort()
                print(f"interposer cost per vCPU init on host {host}: median {costs[len(costs) // 2]:.1f} us, "
                      f"max {costs[-1]:.1f} us over {len(costs)} inits")
    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
