#!/usr/bin/env python3
"""Turn a groundtruth.sh JSON line (a model's real registers) into an armcache profile holding
the guest view a pre-6.3 kernel gives a VM on that model: what `armcache kvm verify/apply`
should restore on a newer kernel.

Usage: gt2view.py GT.json OUT.json [--raw-ctr]
  guest reads: CLIDR, CTR_EL0 and CCSIDR as the hardware reads them (selectors 14, 15: 0);
  with TnD: QEMU drops TnD, so the Level|InD entry.
  ONE_REG: CLIDR; DEMUX = low 32 bits of CCSIDR for the selectors CLIDR describes (what 6.1
  lists); CTR_EL0 = Linux's sanitised value (IDC set when effectively set, TminLine dropped), as
  6.1 reports it through ONE_REG. --raw-ctr writes the raw CTR_EL0 instead (asks the kernel to
  lower IDC so the guest reads the hardware value).
"""
import json
import sys

from armregs import described, sanitised_ctr


def main():
    gt = json.load(open(sys.argv[1]))
    raw_ctr = "--raw-ctr" in sys.argv[3:]
    clidr = int(gt["clidr"], 16)
    ctr = int(gt["ctr"], 16)
    cc = [int(x, 16) for x in gt["ccsidr"]] + [0, 0]
    for k, t in enumerate(gt.get("ccsidr_tnd", [])):
        if int(t, 16) != cc[2 * k]:
            sys.exit(f"gt2view: {gt['model']}: TnD read of level {k + 1} differs from the data entry")
    h = lambda v: hex(v)
    sels = described(clidr)
    view = {
        "clidr": h(clidr),
        "ctr_el0": h(ctr),
        "mmfr2_ccidx": int(gt["ccidx"]),
        "ccsidr": {str(i): h(cc[i]) for i in range(16)},
        "ccsidr_tnd": {str(i): h(cc[i]) for i in range(16)},
        "demux": {str(i): h(cc[i] & 0xFFFFFFFF) for i in sels},
        "clidr_reg": h(clidr),
        "ctr_reg": h(ctr if raw_ctr else sanitised_ctr(ctr, clidr)),
    }
    prof = {
        "format": "armcache-profile",
        "version": 1,
        "kernel": "groundtruth",
        "generation": "pre-6.3",
        "guest": view,
        "demux_ids": sels,
        "provenance": {"tool": "e2e/gt2view.py", "source": "groundtruth", "model": gt["model"],
                       "midr": gt.get("midr"), "raw_ctr": raw_ctr},
        "warnings": [],
    }
    with open(sys.argv[2], "w") as f:
        json.dump(prof, f, indent=1)


if __name__ == "__main__":
    main()
