#!/usr/bin/env python3
"""Helpers of run-matrix.sh.

matrix.py collect CONSOLE_LOG GT_JSON MODEL KERNEL   -> one result JSON on stdout
matrix.py summary RESULTS_DIR                         -> markdown table; exit 1 if a verdict is
                                                         not the expected one
"""
import json
import os
import re
import sys

from armregs import described


def num(x):
    return int(x, 16) if isinstance(x, str) else int(x)


def default_vs_truth(guest, gt):
    """Differences between a guest view (kvm show) and the bare-metal reads."""
    diffs = []
    clidr = num(gt["clidr"])
    if num(guest["clidr"]) != clidr:
        diffs.append(f"CLIDR {guest['clidr']}")
    for s in described(clidr):
        want = num(gt["ccsidr"][s])
        got = num(guest["ccsidr"][str(s)])
        if got != want:
            diffs.append(f"CCSIDR[{s}] {hex(got)}")
        tnd = num(guest["ccsidr_tnd"][str(s)])
        if tnd != want:
            diffs.append(f"CCSIDR[0x{0x10 | s:x}] {hex(tnd)}")
        d = guest.get("demux", {}).get(str(s))
        if d is None:
            diffs.append(f"DEMUX {s} not listed")
        elif num(d) != want & 0xFFFFFFFF:
            diffs.append(f"DEMUX {s} {d}")
    extra = sorted(set(int(k) for k in guest.get("demux", {})) - set(described(clidr)))
    if extra:
        diffs.append(f"DEMUX lists {extra}")
    if num(guest["ctr_el0"]) != num(gt["ctr"]):
        diffs.append(f"CTR {guest['ctr_el0']}")
    if guest["mmfr2_ccidx"] != gt["ccidx"]:
        diffs.append(f"CCIDX {guest['mmfr2_ccidx']}")
    return diffs


def ccsidr64_to_32(v):
    """A FEAT_CCIDX CCSIDR_EL1 (NumSets [55:32], Associativity [23:3], LineSize [2:0], Arm ARM) in the
    32-bit format (NumSets [27:13], Associativity [12:3], LineSize [2:0]); None if it does not fit."""
    sets, assoc, line = (v >> 32) & 0xFFFFFF, (v >> 3) & 0x1FFFFF, v & 7
    if sets >= 1 << 15 or assoc >= 1 << 10:
        return None
    return sets << 13 | assoc << 3 | line


def closest_problems(r, c):
    """kvm verify --closest of the ground-truth view: every vCPU reads the nearest view (rc 0); on a
    CCIDX host under a kernel that hides CCIDX it is the GT's CLIDR_EL1 with the GT geometry in the
    32-bit format; elsewhere it is the GT view itself wherever plain restore works."""
    p = []
    gt = r["groundtruth"]
    if c["rc"] != 0:
        s = c["summary"]
        return [f"closest: rc {c['rc']}: {s.get('apply_error') or s.get('first') or c['stderr']}"]
    ccidx = gt["ccidx"] == 1
    if ccidx and r["kernel"] != "6.1":
        if num(c["clidr"] or "0") != num(gt["clidr"]):
            p.append(f"closest: CLIDR {c['clidr']}, not the GT's {gt['clidr']}")
        for i in range(3):
            want = ccsidr64_to_32(num(gt["ccsidr"][i]))
            if c["ccsidr012"][i] is None or num(c["ccsidr012"][i]) != want:
                p.append(f"closest: CCSIDR[{i}] {c['ccsidr012'][i]}, not {hex(want)} (the GT's in 32 bits)")
        if not any("CCIDX" in d for d in c["differs"]):
            p.append("closest: the CCIDX difference is not listed")
    elif not c["exact"]:
        p.append("closest: not exact where restore works: " + "; ".join(c["differs"])[:200])
    return p


def category(reg):
    if "CTR_EL0" in reg:
        return "ctr"
    if "CCIDX" in reg:
        return "ccidx"
    return "cache"


def verify_summary(res):
    """rc, distinct mismatched registers by category, apply failure."""
    out = {"rc": res.get("rc"), "cache": [], "ctr": [], "ccidx": [], "vcpus": [], "phases": [], "apply_error": None}
    so = res.get("stdout")
    if not isinstance(so, dict):
        out["apply_error"] = (res.get("stderr") or str(so)).strip()
        return out
    for a in so.get("apply", []):
        if not a.get("ok"):
            f = a["failure"]
            out["apply_error"] = f"vCPU {a['vcpu']}: {f['register']}={f['value']} {f['errno_name'] or 'readback ' + str(f['read_back'])}"
    for m in so.get("mismatches", []):
        c = category(m["register"])
        if m["register"] not in out[c]:
            out[c].append(m["register"])
        # Where the cache registers went wrong (CTR_EL0 and CCIDX differences are reported apart).
        if c == "cache" and m["vcpu"] not in out["vcpus"]:
            out["vcpus"].append(m["vcpu"])
        if c == "cache" and m["phase"] not in out["phases"]:
            out["phases"].append(m["phase"])
    out["first"] = so["mismatches"][0] if so.get("mismatches") else None
    return out


def collect(log, gt_path, model, kernel):
    gt = json.load(open(gt_path))
    r = {"model": model.split("@")[0], "qemu": "10" if model.endswith("@10") else "7.2", "kernel": kernel,
         "groundtruth": gt, "checks": {}, "done": False, "boot_rc": None, "boot_wall_s": None, "errors": []}
    for line in open(log, errors="replace"):
        line = line.rstrip("\n")
        if line.startswith("ARMCACHE-BOOT "):
            b = json.loads(line[len("ARMCACHE-BOOT "):])
            r["kernel_release"], r["host_cpus"] = b["kernel"], b["cpus"]
        elif line.startswith("ARMCACHE-RESULT "):
            try:
                c = json.loads(line[len("ARMCACHE-RESULT "):])
                r["checks"][c["check"]] = c
            except json.JSONDecodeError as e:
                r["errors"].append(f"bad result line: {e}")
        elif line.startswith("ARMCACHE-CRASH "):
            c = json.loads(line[len("ARMCACHE-CRASH "):])
            r.setdefault("crashes", []).append(c)
        elif line.startswith("ARMCACHE-DONE"):
            r["done"] = True
        elif line.startswith("boot.sh: "):
            m = re.search(r"rc=(\d+) wall=([0-9.]+)s", line)
            if m:
                r["boot_rc"], r["boot_wall_s"] = int(m.group(1)), float(m.group(2))
        elif re.search(r"Kernel panic|Internal error|Oops", line):
            r["errors"].append(line)
    # Verdicts.
    v = {}
    show = r["checks"].get("show", {})
    guest = show.get("stdout", {}).get("guest") if isinstance(show.get("stdout"), dict) else None
    if guest:
        v["default"] = {"clidr": guest["clidr"], "ctr": guest["ctr_el0"],
                        "ccsidr012": [guest["ccsidr"][str(i)] for i in range(3)],
                        "demux_ids": sorted(int(k) for k in guest["demux"]), "ccidx": guest["mmfr2_ccidx"],
                        "vs_truth": default_vs_truth(guest, gt),
                        "vcpus_agree": not show["stdout"].get("warnings")}
    for name in ("restore", "restore-rawctr", "only-vcpu0", "lose-on-reset", "reset-no-complete"):
        if name in r["checks"]:
            v[name] = verify_summary(r["checks"][name])
    rs = r["checks"].get("restore", {}).get("stdout")
    if isinstance(rs, dict) and rs.get("reads"):
        last = [x for x in rs["reads"] if x["phase"] == "after-reset"][-1]["view"]
        v["after_restore"] = {"clidr": last["clidr"], "ctr": last["ctr_el0"],
                              "ccsidr012": [last["ccsidr"][str(i)] for i in range(3)]}
    if "native" in r["checks"]:
        n = r["checks"]["native"]
        so = n.get("stdout")
        prof = so[0] if isinstance(so, list) and so else so
        src = prof.get("provenance", {}).get("source") if isinstance(prof, dict) else None
        v["native"] = {"rc": n["rc"], "source": src, "stderr": (n.get("stderr") or "").strip()}
    if "closest" in r["checks"]:
        c = r["checks"]["closest"]
        so = c.get("stdout") if isinstance(c.get("stdout"), dict) else {}
        near = so.get("closest", {})
        view = near.get("view", {})
        v["closest"] = {"rc": c["rc"], "exact": near.get("exact"), "differs": near.get("differs", []),
                        "clidr": view.get("clidr"), "ccsidr012": [view.get("ccsidr", {}).get(str(i)) for i in range(3)],
                        "summary": verify_summary(c), "stderr": (c.get("stderr") or "").strip()[:300]}
    if "apply" in r["checks"]:
        a = r["checks"]["apply"]
        v["apply"] = {"rc": a["rc"], "stderr": a["stderr"].strip()}
    r["verdicts"] = v
    json.dump(r, sys.stdout, indent=1)
    print()


def expect(r):
    """Problems with a result: what the issue says must hold."""
    p = []
    v = r.get("verdicts", {})
    if not r["done"] or r["boot_rc"] != 0:
        p.append(f"boot rc={r['boot_rc']} done={r['done']}")
        return p
    ccidx = r["groundtruth"]["ccidx"] == 1
    d = v.get("default")
    if not d:
        p.append("no show result")
    elif not d["vcpus_agree"]:
        p.append("vCPUs disagree")
    if r["kernel"] == "6.1" and d and d["vs_truth"]:
        p.append("6.1 default != truth: " + ", ".join(d["vs_truth"]))
    rs = v.get("restore", {})
    if not ccidx and (rs.get("cache") or rs.get("apply_error")):
        p.append("restore: " + (rs.get("apply_error") or ", ".join(rs["cache"])))
    rr = v.get("restore-rawctr", {})
    if r["kernel"] != "6.1" and not ccidx and rr.get("rc") != 0:
        p.append("restore with raw CTR_EL0: " + (rr.get("apply_error") or ", ".join(rr["cache"] + rr["ctr"])))
    ov = v.get("only-vcpu0", {})
    lr = v.get("lose-on-reset", {})
    if r["kernel"] != "6.1" and not ccidx:
        if ov.get("rc") != 1 or ov.get("vcpus") != [1]:
            p.append(f"only-vcpu0 not detected as vCPU 1 (rc {ov.get('rc')}, vcpus {ov.get('vcpus')})")
        if lr.get("rc") != 1 or lr.get("phases") != ["after-reset"] or "CLIDR_EL1" not in lr.get("cache", []):
            p.append(f"lose-on-reset not detected (rc {lr.get('rc')}, phases {lr.get('phases')})")
    if "closest" in v:
        p += closest_problems(r, v["closest"])
    else:
        p.append("no kvm verify --closest result")
    # kvm show --native: the capability only on the patched kernel; every stock kernel falls back to
    # host discovery and says why (its capability number is another capability's from 6.15 on).
    n = v.get("native")
    if not n:
        p.append("no kvm show --native result")
    elif r["kernel"] == "native":
        if n["rc"] != 0 or n["source"] != "KVM_CAP_ARM_NATIVE_CACHE_CONFIG":
            p.append(f"kvm show --native on the patched kernel: rc {n['rc']}, source {n['source']}: {n['stderr'][:200]}")
    elif n["rc"] not in (0, 1) or "using host discovery" not in n["stderr"] or (n["rc"] == 0 and n["source"] != "host discovery"):
        p.append(f"kvm show --native did not fall back: rc {n['rc']}, source {n['source']}: {n['stderr'][:200]}")
    return p


def native_text(n):
    if not n:
        return "-"
    if n["rc"] == 0:
        return n["source"] or "?"
    return f"rc {n['rc']}: host discovery" if "using host discovery" in n["stderr"] else f"rc {n['rc']}"


def closest_text(c):
    if not c:
        return "-"
    if c["rc"] != 0:
        return f"rc {c['rc']}"
    if c["exact"]:
        return "exact"
    return f"ok, {c['clidr']} / {'/'.join(x or '?' for x in c['ccsidr012'])}; {len(c['differs'])} differ"


def kernel_order(k):
    """Sort key of a KERNELS name: Debian lines by version, then the patched kernel."""
    m = re.match(r"^(\d+)\.(\d+)$", k)
    return (0, int(m.group(1)), int(m.group(2))) if m else (1 if k == "native" else 2, 0, 0)


def short(regs):
    return ", ".join(sorted(set(re.sub(r"\[[0-9]+(,TnD)?\]", "[*]", x) for x in regs)))


def verdict_text(s, ccidx):
    if s is None:
        return "-"
    if s.get("apply_error"):
        return f"refused ({s['apply_error']})"
    if s["rc"] == 0:
        return "ok"
    parts = []
    for cat in ("cache", "ctr", "ccidx"):
        if s[cat]:
            parts.append(short(s[cat]))
    where = f" [cache regs: vCPU {','.join(map(str, s['vcpus']))} {','.join(s['phases'])}]" if s["vcpus"] else ""
    return f"rc {s['rc']}: {'; '.join(parts)}{where}"


def summary(d):
    rows, bad = [], []
    results = [json.load(open(os.path.join(d, f))) for f in sorted(os.listdir(d)) if f.endswith(".json")]
    results.sort(key=lambda r: (r["qemu"], r["model"], kernel_order(r["kernel"])))
    print("| model (QEMU) | kernel | host truth CLIDR / CCSIDR 0,1,2 / CTR | default guest view CLIDR / CCSIDR 0,1,2 / CTR "
          "| default vs truth | after restore (vCPU 1, after reset) | restore | restore, raw CTR | only-vcpu0 | lose-on-reset "
          "| reset without completing MMIO | kvm show --native | closest (kvm verify --closest) | boot s |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in results:
        gt, v = r["groundtruth"], r.get("verdicts", {})
        ccidx = gt["ccidx"] == 1
        truth = f"{gt['clidr']} / {'/'.join(gt['ccsidr'][:3])} / {gt['ctr']}"
        dflt = v.get("default")
        dtext = f"{dflt['clidr']} / {'/'.join(dflt['ccsidr012'])} / {dflt['ctr']}" if dflt else "-"
        vs = ("= truth" if not dflt["vs_truth"] else "differs: " + ", ".join(dflt["vs_truth"][:4]) +
              (" ..." if len(dflt["vs_truth"]) > 4 else "")) if dflt else "-"
        if r["kernel"] != "6.1" and dflt and dflt["vs_truth"]:
            vs = "fabricated"
        ar = v.get("after_restore")
        atext = f"{ar['clidr']} / {'/'.join(ar['ccsidr012'])} / {ar['ctr']}" if ar else "-"
        probs = expect(r)
        if probs:
            bad.append(f"{r['model']} {r['kernel']}: " + "; ".join(probs))
        print(f"| {r['model']} ({r['qemu']}) | {r['kernel']} | {truth} | {dtext} | {vs} | {atext} | "
              f"{verdict_text(v.get('restore'), ccidx)} | {verdict_text(v.get('restore-rawctr'), ccidx)} | "
              f"{verdict_text(v.get('only-vcpu0'), ccidx)} | {verdict_text(v.get('lose-on-reset'), ccidx)} | "
              f"{verdict_text(v.get('reset-no-complete'), ccidx)} | {native_text(v.get('native'))} | "
              f"{closest_text(v.get('closest'))} | {r['boot_wall_s']} |")
    print()
    # A check killed by a signal ran once more (init-armcache.cpp); say so, with the kernel's line.
    for r in results:
        for c in r.get("crashes", []):
            tail = [l for l in c.get("kmsg", "").splitlines() if "armcache" in l][-2:]
            print(f"Crash, retried once: {r['model']} {r['kernel']} check {c['check']} rc {c['rc']}"
                  + (f"; kernel: {' | '.join(tail)}" if tail else ""))
    if bad:
        print("Unexpected:")
        for b in bad:
            print(f"- {b}")
        return 1
    print(f"All {len(results)} (model, kernel) results as expected.")
    return 0


if __name__ == "__main__":
    if sys.argv[1] == "collect":
        collect(*sys.argv[2:6])
    elif sys.argv[1] == "summary":
        sys.exit(summary(sys.argv[2]))
    else:
        sys.exit(__doc__)
