#!/usr/bin/env python3
"""Validates profiles against docs/profile.schema.json (JSON Schema 2020-12):
profiles every writer produces must pass, and malformed ones that armcache
rejects must fail the schema too. Usage: schema_check.py SCHEMA ARMCACHE SRCDIR"""
import json
import os
import subprocess
import sys
import tempfile

import jsonschema

schema_path, armcache, src = sys.argv[1:4]
schema = json.load(open(schema_path))
jsonschema.Draft202012Validator.check_schema(schema)
validator = jsonschema.Draft202012Validator(schema)
failures = []


def run(*args):
    return subprocess.run([armcache, *args], capture_output=True, text=True)


def check(name, doc, want_valid):
    errors = list(validator.iter_errors(doc))
    if bool(errors) == want_valid:
        failures.append(f"{name}: expected {'valid' if want_valid else 'invalid'}"
                        + (f": {errors[0].message[:160]}" if errors else ""))


with tempfile.TemporaryDirectory() as tmp:
    samples = {}
    for model in ("neoverse-n1", "neoverse-n2", "cortex-a53", "a64fx"):
        for kernel in ("6.1", "6.5", "6.12", "native"):
            r = run("kernel-view", "--kernel", kernel, "--qemu-model", model, "--json")
            if r.returncode == 0:  # native refuses some hosts
                samples[f"kernel-view {model} {kernel}"] = r.stdout
    r = run("kernel-view", "--kernel", "6.12", "--qemu-model", "max", "--mte", "--json")
    samples["kernel-view max 6.12 --mte"] = r.stdout
    for fixture in ("homogeneous", "hetero"):
        r = run("capture", "--sysfs-root", os.path.join(src, "tests/fixtures", fixture))
        if r.returncode == 0:
            samples[f"capture {fixture}"] = r.stdout
        else:
            failures.append(f"capture {fixture}: {r.stderr.strip()}")
    for fp in ("fingerprint-n2-61.json", "fingerprint-n1-612.json", "fingerprint-n1-6.1.json", "fingerprint-n1-6.18.json",
               "fingerprint-v1-6.1.json"):
        r = run("import", "firecracker-fingerprint", os.path.join(src, "tests/data/firecracker", fp))
        samples[f"import {fp}"] = r.stdout
    for t in ("template-hand.json", "template-short.json"):
        r = run("import", "firecracker-template", os.path.join(src, "tests/data/firecracker", t))
        samples[f"import {t}"] = r.stdout
    views = []
    for i, (model, kernel) in enumerate((("neoverse-n1", "6.1"), ("cortex-a57", "6.12"))):
        path = os.path.join(tmp, f"h{i}.json")
        open(path, "w").write(run("kernel-view", "--kernel", kernel, "--qemu-model", model, "--json").stdout)
        views.append(path)
    base = os.path.join(tmp, "base.json")
    run("baseline", *views, "-o", base)
    samples["baseline -o"] = open(base).read()
    for rel in ("tests/data/hosts/n1-capture.json", "fuzz/corpus/fuzz_profile/n2-61.json",
                "fuzz/corpus/fuzz_profile/a53-612.json"):
        samples[rel] = open(os.path.join(src, rel)).read()
    for name, text in samples.items():
        try:
            check(name, json.loads(text), True)
        except json.JSONDecodeError:
            failures.append(f"{name}: no JSON written")

    # Malformed profiles: the schema and armcache's reader both refuse them.
    good = json.loads(samples["kernel-view neoverse-n1 6.1"])
    bad = {
        "non-hex clidr": {**good, "guest": {**good["guest"], "clidr": "0xzz"}},
        "15 selectors": {**good, "guest": {**good["guest"], "ccsidr": {str(i): "0x0" for i in range(15)}}},
        "wrong format": {**good, "format": "other"},
        "version 2": {**good, "version": 2},
        "no host or guest": {"format": "armcache-profile", "version": 1},
        "empty kinds": {"host": {"kinds": []}},
        "kind selector 99": {"host": {"kinds": [{"clidr": "0x1", "ccsidr": {"99": "0x1"}}]}},
        "ccidx not a number": {**good, "guest": {**good["guest"], "mmfr2_ccidx": "1"}},
    }
    for name, doc in bad.items():
        check(name, doc, False)
        path = os.path.join(tmp, "bad.json")
        json.dump(doc, open(path, "w"))
        r = run("diff", path, path)
        if r.returncode != 2:
            failures.append(f"{name}: armcache accepted what the schema rejects (exit {r.returncode})")

for f in failures:
    print("FAIL", f)
print(f"{len(samples)} valid samples, {len(bad)} invalid ones, {len(failures)} failures")
sys.exit(1 if failures else 0)
