#!/usr/bin/env python3
"""armcache capture --nfd against node-feature-discovery's local feature file
format, checked with this file's own reading of it (not armcache's validator):

- a features.d file holds one feature per line, `name=value` (or a bare
  `name`, value "true"); lines starting with # are comments;
- a name is an optional DNS-subdomain prefix and `/`, then a name part of at
  most 63 characters of [A-Za-z0-9._-], starting and ending alphanumeric;
- a value is a Kubernetes label value: empty, or at most 63 characters of
  [A-Za-z0-9._-], starting and ending alphanumeric.

  nfd_check.py ARMCACHE FIXTURES
"""
import json
import os
import re
import subprocess
import sys
import tempfile

PART = r"[A-Za-z0-9](?:[-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?"
PREFIX = r"(?:[a-z0-9](?:[-a-z0-9]*[a-z0-9])?(?:\.[a-z0-9](?:[-a-z0-9]*[a-z0-9])?)*/)?"
LINE = re.compile(rf"^({PREFIX}{PART})=((?:{PART})?)$")

failures = []


def check(what, ok):
    print(("ok: " if ok else "FAILED: ") + what)
    if not ok:
        failures.append(what)


def run(*args):
    return subprocess.run(list(args), capture_output=True, text=True)


def read_features(path):
    labels, comments = {}, []
    for n, line in enumerate(open(path).read().split("\n")[:-1], 1):
        if line.startswith("#"):
            comments.append(line)
            continue
        m = LINE.match(line)
        check(f"line {n} is name=value with a valid name and value: {line!r}", bool(m))
        if m:
            check(f"{m.group(1)} appears once", m.group(1) not in labels)
            labels[m.group(1)] = m.group(2)
    return labels, comments


def main():
    ac, fixtures = sys.argv[1], sys.argv[2]
    hetero = os.path.join(fixtures, "hetero")
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "armcache")
        src = ["--sysfs-root", hetero, "--ctr", "0x8444c004"]
        r = run(ac, "capture", *src, "--nfd", out)
        check(f"capture --nfd exits 0 ({r.stderr.strip()})", r.returncode == 0)
        check("capture --nfd without -o prints nothing", r.stdout == "")
        check("the file ends with a newline", open(out).read().endswith("\n"))
        labels, comments = read_features(out)
        cap = os.path.join(d, "host.json")
        r = run(ac, "capture", *src, "-o", cap)
        kinds = json.load(open(cap))["host"]["kinds"]
        check(f"armcache.cpu-kinds = {len(kinds)} kinds of the capture", labels.get("armcache.cpu-kinds") == str(len(kinds)))
        ids = []
        for i, kind in enumerate(kinds):
            # The cache identity is the fingerprint of the view the native capability gives.
            r = run(ac, "kernel-view", "--kernel", "native", "--host", cap, "--cpu-kind", str(i), "--json")
            want = json.loads(r.stdout)["fingerprint"].split(":")[-1]
            got = labels.get(f"armcache.kind{i}.cache-identity")
            check(f"kind {i} cache-identity {got} = kernel-view --kernel native fingerprint {want}", got == want)
            ids.append(got)
            if kind.get("midr"):
                check(f"kind {i} midr label = {kind['midr']}", labels.get(f"armcache.kind{i}.midr") == kind["midr"])
        check("the two CPU kinds of the hetero fixture have different identities", len(set(ids)) == len(ids) == 2)
        check("armcache.cache-identity is 16 hex digits",
              re.fullmatch(r"[0-9a-f]{16}", labels.get("armcache.cache-identity", "")) is not None)
        check("armcache.native-cache-config is true or false",
              labels.get("armcache.native-cache-config") in ("true", "false"))
        if os.uname().machine != "aarch64":
            check("no native capability without KVM/arm64", labels.get("armcache.native-cache-config") == "false")
        check("armcache.kernel-generation is a generation",
              labels.get("armcache.kernel-generation") in ("pre-6.3", "6.3-6.9", "6.10-6.15", "6.16-plus", "native"))
        check("no stray .tmp file", sorted(os.listdir(d)) == ["armcache", "host.json"])

        # Without CTR_EL0 the identity is unknown: no such labels, a comment says why.
        out2 = os.path.join(d, "homog")
        r = run(ac, "capture", "--sysfs-root", os.path.join(fixtures, "homogeneous"), "--nfd", out2)
        check("capture --nfd of a tree without CTR_EL0 exits 0", r.returncode == 0)
        labels2, comments2 = read_features(out2)
        check("no cache-identity label without CTR_EL0", not any("cache-identity" in k for k in labels2))
        check("a comment says why", any("CTR_EL0" in c for c in comments2))

        r = run(ac, "capture", *src, "--nfd", os.path.join(d, "no-such-dir", "f"))
        check("an unwritable --nfd path exits 3 with one line on stderr",
              r.returncode == 3 and r.stderr.count("\n") == 1 and r.stdout == "")
    print(f"nfd: {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
