#!/usr/bin/env python3
"""check_refusal.py LOG PLAN_JSON: did the real kernel refuse where the planner said it would?

LOG is a test-bed boot log holding the ARMCACHE-RESULT line of an `apply` check
(`armcache kvm apply --view V --json`), PLAN_JSON the `armcache plan --json` verdict for V on the
same kernel and CPU model. Passes when apply failed (rc 1), the failing write is one the plan's
reasons name with the same errno, and apply put back every register it had written.
"""
import json
import re
import sys


def main():
    log, plan_file = sys.argv[1], sys.argv[2]
    res = None
    for line in open(log, errors="replace"):
        if line.startswith("ARMCACHE-RESULT "):
            r = json.loads(line[len("ARMCACHE-RESULT "):])
            if r.get("check") == "apply":
                res = r
    if res is None or not isinstance(res.get("stdout"), dict):
        print("    no apply result in the boot log")
        return 1
    plan = json.load(open(plan_file))
    a = res["stdout"]["apply"][0]
    f = a.get("failure")
    if res["rc"] != 1 or plan["verdict"] != "impossible" or not f:
        print(f"    apply rc {res['rc']}, plan verdict {plan['verdict']}, failure {f}")
        return 1
    # apply and the plan's reasons both name a register as reg::one_reg_name does:
    # "CLIDR_EL1", "CTR_EL0", "CCSIDR_EL1[n]".
    names = [f["register"] + " "]
    named = [r for r in plan["reasons"]
             if any(r.startswith(n) for n in names) and f"({f['errno_name']})" in r]
    print(f"    real: {f['register']} = {f['value']} -> {f['errno_name']}, restored {a['restored']}; "
          f"plan: {named[0] if named else 'no such reason'}")
    return 0 if named and a["restored"] and not a["restore_errors"] else 1


if __name__ == "__main__":
    sys.exit(main())
