#!/usr/bin/env python3
"""Differential tests of the kernel models against the real kernels of the test bed.

differential.py corpus GT_JSON OUT
    writes a deterministic SET_ONE_REG corpus for the host whose ground truth is GT_JSON
    (e2e/groundtruth.sh): valid and invalid CLIDR_EL1, DEMUX CCSIDR and CTR_EL0 values, ids out
    of range, resets, probe runs, and KVM_ENABLE_CAP(KVM_CAP_ARM_NATIVE_CACHE_CONFIG) with good
    and bad flags and args. The same corpus runs on every kernel of that host.
differential.py check RESULTS_DIR CORPUS_DIR ARMCACHE
    for every result of run-matrix.sh (RESULTS_DIR/*.json, from matrix.py collect):
    1. default view: the real `kvm show --json` guest view vs the model's
       `ARMCACHE kernel-view --kernel RELEASE --qemu-model M --json`;
    2. corpus: the real `kvm replay --corpus` result vs `ARMCACHE model-replay`.
    Prints every disagreement with its case and exits 1 if there is any.

CCSIDR selectors 14/15 (Level 7) are compared: the probe zeroes the destination register before
each CCSIDR read, so "KVM left it unchanged" reads 0, which is what the model reports.
"""
import json
import os
import subprocess
import sys

from armregs import described, sanitised_ctr
from matrix import kernel_order

# KVM one-reg ids (arch/arm64/include/uapi/asm/kvm.h).
ARM64, U8, U16, U32, U64 = 0x6000000000000000, 0x0, 0x0010000000000000, 0x0020000000000000, 0x0030000000000000
SYSREG, DEMUX = 0x13 << 16, 0x11 << 16


def sysreg(op0, op1, crn, crm, op2, size=U64):
    return ARM64 | size | SYSREG | op0 << 14 | op1 << 11 | crn << 7 | crm << 3 | op2


def demux(idx, size=U32, demux_id=0):
    return ARM64 | size | DEMUX | demux_id << 8 | idx


CLIDR, CTR = sysreg(3, 1, 0, 0, 1), sysreg(3, 3, 0, 0, 1)


def reg_name(i):
    if i == CLIDR:
        return "CLIDR_EL1"
    if i == CTR:
        return "CTR_EL0"
    if i & ~0xFF == demux(0):
        return f"DEMUX CCSIDR {i & 0xFF}"
    return hex(i)


def field(v, hi, lo, x):
    m = ((1 << (hi - lo + 1)) - 1) << lo
    return (v & ~m) | ((x << lo) & m)


def get(v, hi, lo):
    return (v >> lo) & ((1 << (hi - lo + 1)) - 1)


def make_corpus(gt):
    C, T = int(gt["clidr"], 16), int(gt["ctr"], 16)
    S = sanitised_ctr(T, C)
    cc = [int(x, 16) for x in gt["ccsidr"]]
    idc, dic = get(S, 28, 28), get(S, 29, 29)
    # Minimum CCSIDR.LineSize per side: log2(bytes) - 4 = CTR {D,I}minLine - 2.
    min_ls = {0: get(S, 19, 16) - 2, 1: get(S, 3, 0) - 2}
    steps = []

    def s(rid, value, case):
        steps.append({"op": "set", "id": hex(rid), "value": hex(value & (2**64 - 1)), "case": case})

    def op(name, case=""):
        steps.append({"op": name, "case": case})

    # -- CLIDR_EL1
    op("fresh", "CLIDR group")
    s(CLIDR, C, "host CLIDR")
    s(CLIDR, C & ~(0x3FFF << 33), "host CLIDR without Ttype")
    for t in (1, 2, 3):
        s(CLIDR, C | t << 33, f"Ttype1={t}")
    s(CLIDR, C | 2 << 35, "Ttype2=2")
    s(CLIDR, C | 0x3FFF << 33, "every Ttype field 3")
    for b in (47, 52, 63):
        s(CLIDR, C | 1 << b, f"RES0 bit {b}")
    for icb in (1, 2, 7):
        s(CLIDR, field(C, 32, 30, icb), f"ICB={icb}")
    s(CLIDR, field(C, 26, 24, 0), "LoC=0 (implies IDC)")
    s(CLIDR, field(field(C, 29, 27, 0), 23, 21, 0), "LoUU=LoUIS=0 (implies IDC)")
    s(CLIDR, field(field(field(C, 29, 27, 0), 23, 21, 0), 26, 24, 3), "LoUU=LoUIS=0, LoC=3 (implies IDC)")
    s(CLIDR, field(field(C, 29, 27, 1), 23, 21, 0), "LoUU=1 LoUIS=0")
    s(CLIDR, field(field(C, 29, 27, 0), 23, 21, 1), "LoUU=0 LoUIS=1")
    for v, what in ((0x09200003, "6.12 fabricated, IDC=0"), (0x02000021, "6.12 fabricated, IDC=1 DIC=0"),
                    (0x01000004, "6.12 fabricated, IDC=1 DIC=1"), (0x0A200023, "A53-style"),
                    (0x82000023, "N1-style"), (0x1482000023, "N2-style with Ttype"), (0x0, "zero (LoC 0)"),
                    (0x3, "L1 separate, LoC 0"), (0x09000003, "LoC 1 LoUU 1 LoUIS 0"),
                    (0x7124924 | 1 << 27 | 1 << 21, "7 unified levels, LoC 7"),
                    (0x7FFFFFFFFFFF, "every non-RES0 bit"), (2**64 - 1, "all ones")):
        s(CLIDR, v, f"fabricated: {what}")
    for ct in (5, 6, 7):
        s(CLIDR, (C & ~7) | ct, f"reserved Ctype1={ct}")
    s(CLIDR, (C & ~(7 << 3)) | 1 << 6, "gap: no L2, L3 data")
    op("reset", "CLIDR kept over reset?")
    s(CLIDR, C, "host CLIDR before run")
    op("run", "guest reads the set CLIDR")
    s(CLIDR, 0x0A200023 if idc == 0 else 0x82000023, "CLIDR after the VM ran")
    s(CLIDR, field(C, 26, 24, 0), "LoC=0 after the VM ran")
    op("reset", "after run + reset")

    # -- DEMUX CCSIDR
    op("fresh", "DEMUX group")
    for i in range(14):
        side = "I" if i & 1 else "D"
        lv = f"L{i // 2 + 1}{side}"
        m = min_ls[i & 1]
        host = cc[i] & 0xFFFFFFFF
        s(demux(i), host, f"{lv}: host value (low 32 bits)")
        if m > 0:
            s(demux(i), m - 1, f"{lv}: LineSize-only, line below the minimum")
        s(demux(i), m, f"{lv}: LineSize-only, line at the minimum")
        s(demux(i), min(m + 1, 7), f"{lv}: LineSize-only, line above the minimum")
        s(demux(i), 0x7FFFE000 | 7, f"{lv}: biggest geometry, 2 KiB lines")
        s(demux(i), 0x00FFE000 | m, f"{lv}: 128 sets x 512 ways, line at the minimum")
    for i in range(3):
        lv = f"L{i // 2 + 1}{'I' if i & 1 else 'D'}"
        host = cc[i] & 0xFFFFFFFF
        s(demux(i), host | 0xF0000000, f"{lv}: host value with UNKNOWN bits [31:28] set")
        s(demux(i), host | 1 << 32, f"{lv}: host value with bit 32 set (U32 register takes the low half)")
        if cc[i] >> 32:
            s(demux(i), cc[i], f"{lv}: the 64-bit FEAT_CCIDX value")
        s(demux(i), (host & ~7) | max(min_ls[i & 1] - 1, 0), f"{lv}: host geometry, line below the minimum")
        s(demux(i), host, f"{lv}: host value again")
    for i in (14, 15, 16, 31, 100, 255):
        s(demux(i), min_ls[i & 1], f"DEMUX index {i} out of range")
    s(demux(0, U64), cc[0] & 0xFFFFFFFF, "DEMUX 0 with a U64 id")
    s(demux(1, U16), cc[1] & 0xFFFFFFFF, "DEMUX 1 with a U16 id")
    s(demux(0, U8), cc[0] & 0xFFFFFFFF, "DEMUX 0 with a U8 id")
    s(demux(0, U32, demux_id=1), cc[0] & 0xFFFFFFFF, "DEMUX id 1 (not CCSIDR), index 0")
    op("reset", "DEMUX values kept over reset?")
    op("run", "guest reads the set CCSIDRs")
    s(demux(0), cc[0] & 0xFFFFFFFF, "L1D after the VM ran")
    s(demux(2), min_ls[0], "L2 LineSize-only after the VM ran")

    # -- CTR_EL0
    op("fresh", "CTR_EL0 group")
    s(CTR, S, "host sanitised CTR_EL0")
    s(CTR, T, "raw CTR_EL0")
    s(CTR, field(S, 28, 28, 1 - idc), f"IDC {idc} -> {1 - idc}")
    s(CTR, S, "back to sanitised")
    s(CTR, field(S, 29, 29, 1 - dic), f"DIC {dic} -> {1 - dic}")
    for hi, lo, name in ((3, 0, "IminLine"), (19, 16, "DminLine")):
        cur = get(S, hi, lo)
        for nv in sorted({max(cur - 1, 0), min(cur + 1, 15), 0}):
            if nv != cur:
                s(CTR, field(S, hi, lo, nv), f"{name} {cur} -> {nv}")
    s(CTR, field(field(S, 3, 0, get(S, 3, 0) - 1), 19, 16, get(S, 19, 16) - 1), "IminLine and DminLine both lower")
    s(CTR, S, "back to sanitised")
    for hi, lo, name in ((27, 24, "CWG"), (23, 20, "ERG")):
        cur = get(S, hi, lo)
        for nv in (cur - 1, cur + 1):
            s(CTR, field(S, hi, lo, nv & 0xF), f"{name} {cur} -> {nv & 0xF}")
    for nv in range(4):
        if nv != get(S, 15, 14):
            s(CTR, field(S, 15, 14, nv), f"L1Ip {get(S, 15, 14)} -> {nv}")
    s(CTR, S | 4 << 32, "TminLine=4")
    s(CTR, S | 1 << 30, "RES0 bit 30")
    s(CTR, S & ~(1 << 31), "RES1 bit 31 cleared")
    s(CTR, S | 0x10, "bit 4 (RES0 [13:4])")
    s(CTR, S | 1 << 63, "bit 63")
    s(CTR, 0, "zero")
    s(CTR, S, "back to sanitised")
    # Which CTR_EL0 the cache rules read: the VM's (lowered) or the host's.
    if get(S, 19, 16) > 2:
        s(CTR, field(S, 19, 16, get(S, 19, 16) - 1), "DminLine lowered by 1")
        s(demux(0), min_ls[0] - 1, "L1D line at the lowered VM minimum, below the host's")
        s(demux(0), min_ls[0], "L1D line at the host minimum")
    if get(S, 3, 0) > 2:
        s(CTR, field(S, 3, 0, get(S, 3, 0) - 1), "IminLine lowered by 1")
        s(demux(1), min_ls[1] - 1, "L1I line at the lowered VM minimum, below the host's")
    if idc:
        s(CTR, field(S, 28, 28, 0), "IDC lowered")
        s(CLIDR, 0x02000021, "IDC-implying CLIDR with the VM's IDC lowered")
        s(CLIDR, C, "host CLIDR with the VM's IDC lowered")
    op("reset", "VM CTR_EL0 kept over reset?")
    op("run", "guest reads CTR_EL0 (the VM's)")
    s(CTR, S, "sanitised CTR_EL0 after the VM ran")
    s(CTR, field(S, 28, 28, 0) if idc else S, "the VM's CTR_EL0 after the VM ran")
    s(CTR, T, "raw CTR_EL0 after the VM ran")
    op("reset", "after run + reset")

    # -- CTR_EL0 field by field in a VM of its own (6.16 made L1Ip writable: VIPT or the host's)
    op("fresh", "CTR_EL0 fields group")
    l1ip = get(S, 15, 14)
    for nv in range(4):
        s(CTR, field(S, 15, 14, nv), f"fields: L1Ip {l1ip} -> {nv}")
    s(CTR, S, "fields: back to sanitised")
    for tmin in (1, 4, 0x3F):
        s(CTR, field(S, 37, 32, tmin), f"fields: TminLine={tmin}")
    for b in (5, 13, 38, 47):
        s(CTR, S | 1 << b, f"fields: RES0 bit {b}")
    s(CTR, field(field(S, 15, 14, 2), 28, 28, 0), "fields: L1Ip VIPT and IDC 0 together")
    s(CTR, field(S, 15, 14, 2), "fields: L1Ip VIPT")
    s(CLIDR, field(C, 26, 24, 0), "fields: LoC=0 (implies IDC) with the VM's L1Ip lowered")
    op("reset", "fields: VM CTR_EL0 kept over reset?")
    op("run", "fields: guest reads the VM's CTR_EL0")
    s(CTR, field(S, 15, 14, 0), "fields: L1Ip 0 after the VM ran")
    s(CTR, S, "fields: sanitised CTR_EL0 after the VM ran")
    s(CTR, field(S, 15, 14, 2), "fields: the VM's CTR_EL0 after the VM ran")

    # -- the VM runs before any write: CTR_EL0 is locked, the cache registers are not
    op("fresh", "run-first group")
    op("run", "default guest view")
    s(CTR, field(S, 28, 28, 0), "IDC lowered after the first run")
    s(CTR, field(S, 19, 16, get(S, 19, 16) - 1), "DminLine lowered after the first run")
    s(CTR, S, "sanitised CTR_EL0 after the first run")
    s(demux(0), cc[0] & 0xFFFFFFFF, "L1D host value after the first run")
    s(CLIDR, C, "host CLIDR after the first run")
    op("run", "guest reads after writes to a VM that ran")

    # -- malformed ids
    op("fresh", "id group")
    s(sysreg(3, 1, 0, 0, 1, U32), C, "CLIDR_EL1 with a U32 id")
    s(sysreg(3, 3, 0, 0, 1, U32), S, "CTR_EL0 with a U32 id")
    s(sysreg(3, 1, 0, 0, 0), cc[0], "CCSIDR_EL1 as a system register")
    s(sysreg(3, 1, 0, 0, 2), 0, "CCSIDR2_EL1 as a system register")
    s(demux(0) | 1 << 32, cc[0] & 0xFFFFFFFF, "DEMUX 0 id with bit 32 set")
    s(CLIDR | 1 << 40, C, "CLIDR_EL1 id with bit 40 set")

    # -- restore a pre-6.3 view, as armcache apply orders it
    op("fresh", "restore the host (6.1) view")
    s(CTR, S, "restore: CTR_EL0")
    for i in described(C):
        if i < 14:
            s(demux(i), cc[i] & 0xFFFFFFFF, f"restore: DEMUX {i}")
    s(CLIDR, C, "restore: CLIDR_EL1")
    op("run", "restored view, boot")
    op("reset")
    op("run", "restored view, after reset")

    # -- the 6.12 default view written explicitly
    op("fresh", "write the fabricated (6.12) view")
    s(CTR, S, "fabricated: CTR_EL0")
    for i in range(14):
        s(demux(i), min_ls[i & 1], f"fabricated: DEMUX {i}")
    fab = 0x09200003 if not idc else (0x01000004 if dic else 0x02000021)
    s(CLIDR, fab, "fabricated: CLIDR_EL1")
    op("reset")

    # -- KVM_CAP_ARM_NATIVE_CACHE_CONFIG (linux/patches); kernels without it answer EINVAL
    def enable(case, flags=0, args=(0, 0, 0, 0)):
        steps.append({"op": "enable", "flags": flags, "args": [hex(a) for a in args], "case": case})

    op("fresh", "native cap: flags and args")
    enable("enable, flags=1", flags=1)
    enable("enable, args[3]=1", args=(0, 0, 0, 1))
    enable("enable, args[0]=2^63", args=(1 << 63, 0, 0, 0))
    enable("enable")
    enable("enable again before the first run")
    op("run", "native view, boot")
    op("reset")
    op("run", "native view, after reset")
    enable("enable after the vCPU ran (EBUSY)")
    first = described(C)[0]
    s(demux(first), min_ls[first & 1], f"after enable: override DEMUX {first}")
    s(CLIDR, fab, "after enable: override CLIDR_EL1")
    op("run", "overridden after enable")
    op("fresh", "native cap over a written view")
    s(CLIDR, fab, "fabricated CLIDR_EL1 before enable")
    s(demux(first), min_ls[first & 1], f"fabricated DEMUX {first} before enable")
    enable("enable replaces the written view")
    op("reset")
    op("run", "native view after a written view")
    return {"format": "armcache-replay-corpus", "host": gt.get("model"), "steps": steps}


# ---- comparison ----

def num(x):
    return int(x, 16) if isinstance(x, str) else x


def diff_view(real, pred):
    d = []
    for k in ("clidr", "ctr_el0", "clidr_reg", "ctr_reg"):
        if num(real[k]) != num(pred[k]):
            d.append(f"{k}: real {real[k]} model {pred[k]}")
    if real["mmfr2_ccidx"] != pred["mmfr2_ccidx"]:
        d.append(f"mmfr2_ccidx: real {real['mmfr2_ccidx']} model {pred['mmfr2_ccidx']}")
    for k in ("ccsidr", "ccsidr_tnd"):
        for sel in range(16):
            r, p = real[k].get(str(sel)), pred[k].get(str(sel))
            if num(r) != num(p):
                d.append(f"{k}[{sel}]: real {r} model {p}")
    ri, pi = sorted(int(x) for x in real["demux"]), sorted(int(x) for x in pred["demux"])
    if ri != pi:
        d.append(f"demux ids: real {ri} model {pi}")
    for sel in set(ri) & set(pi):
        r, p = real["demux"][str(sel)], pred["demux"][str(sel)]
        if num(r) != num(p):
            d.append(f"demux[{sel}]: real {r} model {p}")
    return d


def norm(v):
    return num(v) if isinstance(v, str) and v.startswith("0x") else v


def diff_step(r, p):
    d = []
    if r["errno"] != p["errno"]:
        d.append(f"errno: real {r['errno']} model {p['errno']}")
    rs, ps = r["state"], p["state"]
    for k in ("clidr", "ctr", "target"):
        if norm(rs.get(k)) != norm(ps.get(k)):
            d.append(f"{k}: real {rs.get(k)} model {ps.get(k)}")
    for i, (a, b) in enumerate(zip(rs["demux"], ps["demux"])):
        if norm(a) != norm(b):
            d.append(f"DEMUX {i}: real {a} model {b}")
    if "guest" in r or "guest" in p:
        rg, pg = r.get("guest"), p.get("guest")
        if rg is None or pg is None:
            d.append(f"guest reads: real {'-' if rg is None else 'read'} model {'-' if pg is None else 'read'}"
                     f" ({r.get('error', '')})")
        else:
            # Both are profile guest views (profile::guest_view_to_json).
            for k in ("clidr", "ctr_el0", "mmfr2_ccidx"):
                if norm(rg[k]) != norm(pg[k]):
                    d.append(f"guest {k}: real {rg[k]} model {pg[k]}")
            for k in ("ccsidr", "ccsidr_tnd"):
                for sel in map(str, range(16)):
                    if norm(rg[k][sel]) != norm(pg[k][sel]):
                        d.append(f"guest {k}[{sel}]: real {rg[k][sel]} model {pg[k][sel]}")
    return d


def armcache_json(exe, *args):
    out = subprocess.run([exe, *args], capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(f"{exe} {' '.join(args)}: rc {out.returncode}: {out.stderr.strip()}")
    return json.loads(out.stdout)


def check(results_dir, corpus_dir, exe):
    results = [json.load(open(os.path.join(results_dir, f))) for f in sorted(os.listdir(results_dir))
               if f.endswith(".json")]
    results.sort(key=lambda r: (r["qemu"], r["model"], kernel_order(r["kernel"])))
    bad, rows = [], []
    totals = {}  # kernel -> [results, view fields, set attempts, steps, disagreements]
    for r in results:
        try:
            check_one(r, corpus_dir, exe, totals, bad, rows)
        except (RuntimeError, OSError, KeyError, ValueError) as e:
            bad.append(f"{r['model']} ({r['qemu']}) {r['kernel']}: cannot compare: {e}")
    print_report(rows, totals, bad)
    return 1 if bad else 0


def check_one(r, corpus_dir, exe, totals, bad, rows):
    model, kernel, rel = r["model"], r["kernel"], r.get("kernel_release") or r["kernel"]
    tag = f"{model} ({r['qemu']}) {kernel}"
    tot = totals.setdefault(kernel, [0, 0, 0, 0, 0])
    tot[0] += 1
    row = [tag, "-", "-"]
    # 1. default view
    show = r["checks"].get("show", {}).get("stdout")
    if isinstance(show, dict) and "guest" in show:
        pred = armcache_json(exe, "kernel-view", "--kernel", rel, "--qemu-model", model, "--json")
        d = diff_view(show["guest"], pred["guest"])
        tot[1] += 1
        tot[4] += len(d)
        row[1] = "agree" if not d else f"{len(d)} disagreements"
        for x in d:
            bad.append(f"{tag}: default view: {x}")
    else:
        bad.append(f"{tag}: default view: no kvm show result")
    # 2. corpus, and on max (booted with mte=on) the corpus again in VMs with MTE
    row[2] = compare_corpus(r, "replay", [], corpus_dir, exe, tot, bad, tag)
    row.append(compare_corpus(r, "replay-mte", ["--mte"], corpus_dir, exe, tot, bad, tag + " MTE")
               if model == "max" else "-")
    rows.append(row)


def compare_corpus(r, check, extra, corpus_dir, exe, tot, bad, tag):
    model, kernel, rel = r["model"], r["kernel"], r.get("kernel_release") or r["kernel"]
    corpus = os.path.join(corpus_dir, f"{model}.json")
    rep = r["checks"].get(check, {})
    real = rep.get("stdout")
    if not isinstance(real, dict) or "steps" not in real:
        bad.append(f"{tag}: corpus: no kvm {check} result (rc {rep.get('rc')}: {str(rep.get('stderr', ''))[:200]})")
        return "-"
    # The patched kernel's corpus (which enables the capability) is the native generation's. Its
    # default view (1.) is the stock one: the capability is off by default.
    replay_kernel = "native" if kernel == "native" else rel
    pred = armcache_json(exe, "model-replay", "--kernel", replay_kernel, "--qemu-model", model, "--corpus",
                         corpus, "--json", *extra)
    steps = json.load(open(corpus))["steps"]
    if len(real["steps"]) != len(pred["steps"]) or len(steps) != len(real["steps"]):
        bad.append(f"{tag}: corpus: {len(real['steps'])} real steps, {len(pred['steps'])} model steps, "
                   f"{len(steps)} in the corpus")
    n_set = sum(1 for s in steps if s["op"] == "set")
    tot[2] += n_set
    tot[3] += len(steps)
    nd = 0
    for st, a, b in zip(steps, real["steps"], pred["steps"]):
        d = diff_step(a, b)
        if not d:
            continue
        nd += 1
        what = st["op"] if st["op"] != "set" else f"set {reg_name(int(st['id'], 16))} ({st['id']}) = {st['value']}"
        bad.append(f"{tag}: corpus step {a['i']} [{st.get('case', '')}] {what}: " + "; ".join(d))
    tot[4] += nd
    return f"{len(steps)} steps ({n_set} sets): " + ("agree" if not nd else f"{nd} steps disagree")


def print_report(rows, totals, bad):
    print("| model (QEMU) kernel | default view vs model | SET_ONE_REG corpus vs model | the same in VMs with MTE |")
    print("|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    print()
    for k, (n, views, sets, nsteps, dis) in sorted(totals.items(), key=lambda kv: kernel_order(kv[0])):
        print(f"differential {k}: {n} boots, {views} default views compared, {nsteps} corpus steps "
              f"({sets} SET_ONE_REG attempts), {dis} disagreements")
    if bad:
        print(f"\nDisagreements ({len(bad)}):")
        for b in bad:
            print(f"- {b}")
    else:
        print("No disagreement between the kernel models and the real kernels.")


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "corpus":
        c = make_corpus(json.load(open(sys.argv[2])))
        with open(sys.argv[3], "w") as f:
            json.dump(c, f, indent=0)
        return 0
    if len(sys.argv) == 5 and sys.argv[1] == "check":
        return check(*sys.argv[2:5])
    sys.exit(__doc__)


if __name__ == "__main__":
    sys.exit(main())
