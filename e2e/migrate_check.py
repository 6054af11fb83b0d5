#!/usr/bin/env python3
"""Checks the migration bed (run-migrate.sh): every step of every phase against what it must
show, and `armcache plan --for qemu` on the profiles the hosts captured.
Usage: migrate_check.py ARMCACHE PROFILES_DIR PHASE_LOG...   Prints "N passed, N failed".

A load that must resume: QEMU loads the stream, the guest ticks on (its first tick on the
destination comes after its last on the source, its uptime goes on) and its cache sysfs is the
one it had on the source. A load that must be refused: QEMU exits non-zero naming why.
The expected outcomes are the ones measured on Debian's kernels and written in
docs/migration-compat.md; the plan's hidden ids are the 17 measured there."""
import json
import os
import re
import subprocess
import sys

# What each (phase, step) must show: resume, or refuse with a text QEMU prints.
EXPECT = {
    ("6.12", "load s61"): ("resume", None),            # 6.1 -> 6.12, stock
    ("6.1", "load c61"): ("resume", None),             # 6.12 with --compat 6.1 -> 6.1
    ("6.1", "load s612"): ("refuse", "cpreg_vmstate_array_len"),  # stock 6.12 -> 6.1
    ("6.12", "load back61"): ("resume", None),         # ... and back to 6.12 (--compat 6.1)
    ("7.3", "load c73"): ("resume", None),             # 6.12 with --compat 7.3 -> 7.3
    ("7.3", "load again61"): ("resume", None),         # the same guest, 6.12 -> 6.1 -> 6.12 -> 7.3
    ("7.3", "load s61"): ("resume", None),             # 6.1 -> 7.3, stock
    ("7.3", "load s612"): ("refuse", "cpreg_vmstate_array_len"),  # stock 6.12 -> 7.3
}

# A CCIDX model (neoverse-v1): both directions refused, the plan impossible for the CCIDX fields.
EXPECT_CCIDX = {
    ("6.12", "load s61"): ("refuse", "load of migration failed: Operation not permitted"),
    ("6.1", "load s612"): ("refuse", "cpreg_vmstate_array_len"),
}
CCIDX_REGS = ("ID_AA64MMFR2_EL1", "ID_MMFR4_EL1")

# KVM one-reg ids (arch/arm64/include/uapi/asm/kvm.h: ARM64_SYS_REG(op0, op1, crn, crm, op2)).
def sysreg(op0, op1, crn, crm, op2):
    return 0x6030000000130000 | op0 << 14 | op1 << 11 | crn << 7 | crm << 3 | op2

DEMUX = [0x6020000000110000 | s for s in range(14)]
# 6.12 lists these 17 ids a 6.1 vCPU lacks (measured; docs/migration-compat.md).
HIDDEN_612_TO_61 = set(DEMUX[3:]) | {sysreg(3, 0, 2, 0, 3), sysreg(3, 0, 10, 2, 2), sysreg(3, 0, 10, 2, 3),
                                     sysreg(3, 3, 14, 0, 1), sysreg(3, 3, 14, 2, 1), sysreg(3, 3, 14, 2, 2)}
# 7.3 lacks TCR2_EL1, PIRE0_EL1 and PIR_EL1 of 6.12's list.
HIDDEN_612_TO_73 = {sysreg(3, 0, 2, 0, 3), sysreg(3, 0, 10, 2, 2), sysreg(3, 0, 10, 2, 3)}
DFR0 = sysreg(3, 0, 0, 5, 0)


def parse(log):
    """Steps of one phase: [{"op", "name", "lines": [...]}], and the host release."""
    steps, cur, host = [], None, "?"
    for raw in open(log, errors="replace"):
        line = raw.rstrip("\n").replace("\r", "")
        if line.startswith("MIGRATE-HOST "):
            host = line.split()[1]
        m = re.match(r"MIGRATE-STEP (\S+) (\S+)", line)
        if m:
            cur = {"op": m.group(1), "name": m.group(2), "lines": []}
            steps.append(cur)
            continue
        if cur is not None:
            cur["lines"].append(line)
    return host, steps


def dumps(lines):
    """Every cache dump the guest printed: [(uptime, {file: value})], and its ticks [(n, uptime)]."""
    out, ticks, cur, up = [], [], None, None
    for l in lines:
        if not l.startswith("G| "):
            continue
        g = l[3:]
        if g.startswith("GUEST-BEGIN"):
            parts = g.split()
            up, cur = float(parts[2]) if len(parts) > 2 else None, {}
        elif g.startswith("GUEST-FILE ") and cur is not None:
            p = g.split(" ", 2)
            cur[p[1]] = p[2] if len(p) > 2 else ""
        elif g.startswith("GUEST-END") and cur is not None:
            out.append((up, cur))
            cur = None
        elif g.startswith("GUEST-ALIVE "):
            p = g.split()
            ticks.append((int(p[1]), float(p[2])))
    return out, ticks


def main():
    armcache, profiles, logs = sys.argv[1], sys.argv[2], sys.argv[3:]
    n1 = os.environ.get("MODEL", "neoverse-n1") == "neoverse-n1"
    expect = EXPECT if n1 else EXPECT_CCIDX
    refusal_names = ("ID_AA64PFR0_EL1",) if n1 else CCIDX_REGS
    passed = failed = 0

    def check(ok, label, detail=""):
        nonlocal passed, failed
        if ok:
            passed += 1
            print(f"ok   {label}")
        else:
            failed += 1
            print(f"FAIL {label}" + (f": {detail}" if detail else ""))

    saved = {}  # stream -> (last tick, last uptime, last dump, host)
    rows = []
    for log in logs:
        host, steps = parse(log)
        line = re.search(r"phase\d+-(\S+)\.log$", log).group(1)
        for st in steps:
            key = (line, f"{st['op']} {st['name']}")
            text = "\n".join(st["lines"])
            ds, ticks = dumps(st["lines"])
            if st["op"] == "capture":
                m = re.search(r"MIGRATE-FILE \S+ rc=(\d+)", text)
                check(m and m.group(1) == "0", f"{line}: kvm show --json captured {st['name']}")
            if st["op"] in ("load",):
                want, why = expect.get(key, (None, None))
                resumed = "MIGRATE-RESUMED" in text
                if want == "refuse":
                    err = [l[3:] for l in st["lines"] if l.startswith("E| ")]
                    ok = not resumed and any(why in e for e in err)
                    check(ok, f"{line}: {st['name']} refused: {why}", "; ".join(err[-3:]))
                    rows.append((st["name"], line, "refused", next((e for e in err if why in e), "")))
                elif want == "resume":
                    src = saved.get(st["name"])
                    problems = []
                    if not resumed:
                        problems.append("the guest did not resume: " + "; ".join(l[3:] for l in st["lines"] if l.startswith("E| "))[-300:])
                    elif src is None:
                        problems.append("no saved stream")
                    else:
                        if not ticks or ticks[0][0] <= src[0]:
                            problems.append(f"first tick here {ticks[0] if ticks else None}, last on the source {src[0]}")
                        if ticks and ticks[0][1] < src[1]:
                            problems.append(f"uptime went back: {ticks[0][1]} < {src[1]}")
                        if not ds:
                            problems.append("no cache dump after the load")
                        elif ds[-1][1] != src[2]:
                            problems.append("the guest's cache sysfs changed across the migration")
                    check(not problems, f"{line}: {st['name']} (saved on {src[3] if src else '?'}) loaded, the guest runs on "
                          f"with the same cache sysfs", "; ".join(problems))
                    rows.append((st["name"], line, "runs on" if not problems else "FAILED",
                                 f"{len(ds[-1][1]) if ds else 0} cache files"))
            for m in re.finditer(r"MIGRATE-SAVED (\S+) slot=\d+ bytes=(\d+) last_alive=(\S+)", text):
                name, nbytes, last = m.group(1), int(m.group(2)), m.group(3)
                up = max((u for n, u in ticks), default=0.0)
                check(nbytes > 0 and last != "none" and ds, f"{line}: stream {name} saved ({nbytes} bytes)")
                saved[name] = (int(last) if last.isdigit() else 0, up, ds[-1][1] if ds else None, line)
            if st["op"] == "save" and st["name"].startswith("c"):
                applied = [l for l in st["lines"] if l.startswith("L| armcache-vmm: vCPU")]
                check(any("ids hidden from KVM_GET_REG_LIST" in l for l in applied),
                      f"{line}: {st['name']}: the interposer applied the plan on every vCPU init ({len(applied)} inits)")
            if st["op"] == "refuse":
                m = re.search(r"MIGRATE-REFUSE-RC rc=(\d+)", text)
                err = [l[3:] for l in st["lines"] if l.startswith("E| ")]
                ok = m and m.group(1) == "1" and any("cannot migrate" in e and any(r in e for r in refusal_names)
                                                     for e in err) \
                    and not any(l.startswith("G| ") for l in st["lines"])
                check(ok, f"{line}: vmm-exec --compat of an impossible destination refuses to start QEMU",
                      "; ".join(err))
    # The same guest as a 6.1 guest: started on 6.12 under --compat 6.1, its cache sysfs is a 6.1 guest's.
    if "s61" in saved and "c61" in saved:
        check(saved["s61"][2] == saved["c61"][2] and saved["c61"][2] is not None,
              "a guest started on 6.12 with --compat 6.1 shows the cache sysfs of a guest started on 6.1")

    def plan(src, dst):
        r = subprocess.run([armcache, "plan", "--from", f"{profiles}/{src}.json", "--to", f"{profiles}/{dst}.json",
                            "--for", "qemu", "-J"], capture_output=True, text=True)
        return r.returncode, json.loads(r.stdout) if r.stdout.strip().startswith("{") else {}

    if not n1:
        # Both ways impossible, for the CCIDX fields QEMU's refusals above come from.
        for a, b in (("p612", "p61"), ("p61", "p612")):
            rc, j = plan(a, b)
            bad = [i["register"] for i in j.get("items", []) if i["action"] == "impossible"]
            check(rc == 1 and any(r in bad for r in CCIDX_REGS),
                  f"plan --for qemu {a[1:2]}.{a[2:]} -> {b[1:2]}.{b[2:]}: impossible, naming the CCIDX fields",
                  f"rc {rc}, {bad}")
        print(f"{passed} passed, {failed} failed")
        return 1 if failed else 0
    rc, j = plan("p612", "p61")
    hide = {int(h, 16) for h in j.get("hide", [])}
    writes = {int(w["id"], 16): int(w["value"], 16) for w in j.get("id_writes", [])}
    check(rc == 0 and hide == HIDDEN_612_TO_61 and set(writes) == {DFR0} and writes[DFR0] & 0xf == 6,
          "plan --for qemu 6.12 -> 6.1: restorable, hides the 17 measured ids, writes DebugVer 6",
          f"rc {rc}, hide {sorted(hex(h) for h in hide ^ HIDDEN_612_TO_61)} off, writes {writes}")
    rc, j = plan("p612", "p73")
    hide = {int(h, 16) for h in j.get("hide", [])}
    check(rc == 0 and hide == HIDDEN_612_TO_73, "plan --for qemu 6.12 -> 7.3: restorable, hides TCR2_EL1, PIRE0_EL1, PIR_EL1",
          f"rc {rc}, hide {sorted(hex(h) for h in hide)}")
    rc, j = plan("p61", "p612")
    check(rc == 0 and not j.get("needs_compat"), "plan --for qemu 6.1 -> 6.12: restorable as it is",
          f"rc {rc}, {j.get('verdict')}, needs_compat {j.get('needs_compat')}")
    print()
    print("| stream | loaded on | outcome | |")
    print("|---|---|---|---|")
    for r in rows:
        print(f"| {r[0]} | {r[1]} | {r[2]} | {r[3]} |")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
