#!/usr/bin/env python3
"""Formats the demo's side-by-side table from the boot logs.

demo_table.py extract LOG CHECK        prints the JSON a check printed (ARMCACHE-RESULT line)
demo_table.py table GT LOG61 LOG612 LOGNATIVE
"""
import json
import re
import sys


def result(log, check):
    for line in open(log, errors="replace"):
        if line.startswith("ARMCACHE-RESULT "):
            r = json.loads(line[len("ARMCACHE-RESULT "):])
            if r["check"] == check:
                return r
    sys.exit(f"demo: no result for '{check}' in {log}")


def geometry(v, ccidx=False):
    if v == 0:
        return "-"
    if ccidx or v >> 32:
        line, ways, sets = 16 << (v & 7), ((v >> 3) & 0x1FFFFF) + 1, ((v >> 32) & 0xFFFFFF) + 1
    else:
        line, ways, sets = 16 << (v & 7), ((v >> 3) & 0x3FF) + 1, ((v >> 13) & 0x7FFF) + 1
    size = line * ways * sets
    size_s = f"{size // 1024} KiB" if size >= 1024 else f"{size} B"
    return f"{size_s} {ways}-way {sets} sets"


def levels(clidr):
    names = {1: "I", 2: "D", 3: "I+D", 4: "U"}
    out = []
    for n in range(1, 8):
        c = (clidr >> (3 * (n - 1))) & 7
        if not c:
            break
        out.append(f"L{n} {names.get(c, '?')}")
    return ", ".join(out) or "none"


def column(clidr, ctr, ccsidr):
    return [f"{clidr:#x}", levels(clidr), geometry(ccsidr.get(0, 0)), geometry(ccsidr.get(1, 0)),
            geometry(ccsidr.get(2, 0)), f"{ctr:#x} IDC={ctr >> 28 & 1}"]


def from_view(v):
    g = v["guest"] if "guest" in v else v
    return column(int(g["clidr"], 16), int(g["ctr_el0"], 16), {int(k): int(x, 16) for k, x in g["ccsidr"].items()})


def main():
    if sys.argv[1] == "extract":
        print(json.dumps(result(sys.argv[2], sys.argv[3])["stdout"]))
        return
    gt = json.load(open(sys.argv[2]))
    host = column(int(gt["clidr"], 16), int(gt["ctr"], 16), {i: int(x, 16) for i, x in enumerate(gt["ccsidr"])})
    k61 = from_view(result(sys.argv[3], "show")["stdout"])
    k612 = from_view(result(sys.argv[4], "show")["stdout"])
    rest = result(sys.argv[4], "restore")
    reads = rest["stdout"]["reads"]
    after = from_view(reads[-1]["view"])  # last vCPU, after reset
    ok = "every vCPU, also after reset" if rest["rc"] == 0 else "MISMATCH: " + "; ".join(
        f"vCPU {m['vcpu']} {m['phase']} {m['register']}" for m in rest["stdout"]["mismatches"])
    log = open(sys.argv[5], errors="replace").read()
    nclidr = re.search(r"^# native CLIDR_EL1 (0x[0-9a-f]+)", log, re.M)
    ncc = {int(s): int(v, 16) for s, v in re.findall(r"^# native CCSIDR_EL1\[(\d+)\] (0x[0-9a-f]+)", log, re.M)}
    native = column(int(nclidr.group(1), 16), int(gt["ctr"], 16), ncc) if nclidr else ["-"] * 6
    native[5] = "(7.3 default)"
    rows = ["CLIDR_EL1", "levels", "L1D", "L1I", "L2", "CTR_EL0"]
    cols = [("hardware", host), ("6.1 guest", k61), ("6.12 guest", k612), ("6.12 + armcache", after),
            ("7.3 + native cap", native)]
    w0 = max(len(r) for r in rows)
    widths = [max(len(h), *(len(c) for c in col)) for h, col in cols]
    print()
    print(" " * w0 + "  " + "  ".join(h.ljust(w) for (h, _), w in zip(cols, widths)))
    for i, r in enumerate(rows):
        print(r.ljust(w0) + "  " + "  ".join(col[i].ljust(w) for (_, col), w in zip(cols, widths)))
    print(f"\n6.12 + armcache: the 6.1 view restored with KVM_SET_ONE_REG and probed from inside the guest on {ok}.")
    selftest = re.search(r"^# Totals: (.*)$", log, re.M)
    print(f"native cap: kselftest native_cache_config {selftest.group(1) if selftest else 'did not run'}.")


main()
