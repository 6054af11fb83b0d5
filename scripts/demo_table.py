#!/usr/bin/env python3
"""Formats the demo's side-by-side table from the boot logs.

demo_table.py extract LOG CHECK        prints the JSON a check printed (ARMCACHE-RESULT line)
demo_table.py table GT LOG61 LOG612 LOGNATIVE
  The boot logs also hold the nested Linux guest's cases (e2e/nested-host.sh): "guest" on each,
  "armcache" on 6.12.
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


def lscpu_of(log, case):
    """The guest's lscpu -C rows (NAME ONE-SIZE ALL-SIZE WAYS SETS) of a nested-host.sh case,
    or a note when it shows none."""
    rows, inside = [], False
    for line in open(log, errors="replace"):
        if line.startswith(f"NESTED-CASE {case} "):
            inside, rows = True, []
        elif line.startswith(f"NESTED-DONE {case} "):
            inside = False
        elif inside and line.startswith("G| GUEST-BEGIN"):
            rows = []  # the last boot's dump
        elif inside and line.startswith("G| GUEST-LSCPU "):
            rows.append(line[len("G| GUEST-LSCPU "):].split())
    if not rows:
        return ["(no caches: cache/ is empty)"]
    head = rows[0]
    keep = ["NAME", "ONE-SIZE", "ALL-SIZE", "WAYS", "SETS"]
    cols = [[r[head.index(k)] if head.index(k) < len(r) else "" for k in keep] for r in rows]
    widths = [max(len(c[i]) for c in cols) for i in range(len(keep))]
    return [" ".join(c[i].rjust(widths[i]) if i else c[i].ljust(widths[i]) for i in range(len(keep))) for c in cols]


def side_by_side(cols):
    widths = [max(len(h), *(len(x) for x in c)) for h, c in cols]
    n = max(len(c) for _, c in cols)
    print("  ".join(h.ljust(w) for (h, _), w in zip(cols, widths)).rstrip())
    for i in range(n):
        print("  ".join((c[i] if i < len(c) else "").ljust(w) for (_, c), w in zip(cols, widths)).rstrip())


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
    print("\nWhat a Linux guest shows: lscpu -C in Debian's 6.1 kernel under Debian's QEMU 7.2 with KVM "
          "(-cpu host, 2 vCPUs),\nbooted with QEMU's device tree plus the real hierarchy's cache nodes "
          "(armcache firmware --into-dtb):\n")
    side_by_side([("6.1 host", lscpu_of(sys.argv[3], "guest")), ("6.12 host", lscpu_of(sys.argv[4], "guest")),
                  ("6.12 + armcache vmm-exec", lscpu_of(sys.argv[4], "armcache")),
                  ("7.3 + vmm-exec --native", lscpu_of(sys.argv[5], "guest"))])
    print("\nOn 6.12 the made-up CLIDR_EL1 contradicts the tree's cache nodes, so the guest drops every cache;")
    print("with the 6.1 view restored (vmm-exec --view) or the native one (--native) it shows the hierarchy again.")


main()
