#!/usr/bin/env python3
"""The ABI check of libarmcache.so against the committed lists in abi/.

  abi_check.py LIB HEADER ABI_DIR SOVERSION [--update]

1. SONAME is libarmcache.so.SOVERSION.
2. Exported symbols (readelf --dyn-syms, defined, with their version and
   type) against ABI_DIR/libarmcache.symbols: a listed symbol that is missing
   or has another version or type fails (removed or changed). A new symbol is
   printed and accepted only for the C++ namespaces; a new C symbol fails
   until it is listed, so the C API changes only on purpose.
3. Every exported symbol is C API (armcache_*) or in one of the documented
   C++ namespaces (docs/library.md): nothing of fmt, std or the rest leaks.
4. The C API as declared (prototypes, struct members, #defines of the header,
   comments and spacing removed) equals ABI_DIR/armcache_kvm.h.abi exactly: a
   changed prototype or struct layout fails.
--update rewrites the two files from LIB and HEADER (then review the diff).
"""
import re
import subprocess
import sys

CXX_NAMESPACES = ("armcache::reg::", "armcache::cache::", "armcache::identity::", "armcache::vcpu::",
                  "armcache::kernel::", "armcache::profile::", "armcache::kvm::")
VERSION_NODE = "ARMCACHE_0"


def dynamic_symbols(lib):
    out = subprocess.run(["readelf", "--dyn-syms", "-W", lib], capture_output=True, text=True, check=True).stdout
    syms = {}
    for line in out.splitlines():
        f = line.split()
        if len(f) < 8 or not f[0].rstrip(":").isdigit():
            continue
        typ, bind, ndx, name = f[3], f[4], f[6], f[7]
        if ndx in ("UND", "ABS") or bind not in ("GLOBAL", "WEAK") or typ not in ("FUNC", "OBJECT", "IFUNC"):
            continue
        if "@@" not in name and "@" not in name:
            syms[name] = (typ, "")
            continue
        base, _, ver = name.replace("@@", "@").partition("@")
        syms[base] = (typ, ver)
    return syms


def demangle(names):
    if not names:
        return {}
    out = subprocess.run(["c++filt"], input="\n".join(names), capture_output=True, text=True, check=True).stdout
    return dict(zip(names, out.splitlines()))


def soname(lib):
    out = subprocess.run(["readelf", "-d", "-W", lib], capture_output=True, text=True, check=True).stdout
    m = re.search(r"\(SONAME\)\s+Library soname: \[(.+?)\]", out)
    return m.group(1) if m else None


def header_abi(path):
    text = open(path).read()
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    text = re.sub(r"//[^\n]*", " ", text)
    lines = []
    for m in re.finditer(r"^#define\s+(ARMCACHE_\w+)\s+(.+)$", text, flags=re.M):
        if m.group(1) != "ARMCACHE_KVM_H":
            lines.append(f"#define {m.group(1)} {m.group(2).strip()}")
    body = re.sub(r"^#.*$", " ", text, flags=re.M)
    body = body.replace('extern "C" {', " ")
    for m in re.finditer(r"struct\s+(\w+)\s*\{(.*?)\};", body, flags=re.S):
        members = [" ".join(x.split()) for x in m.group(2).split(";") if x.strip()]
        lines.append(f"struct {m.group(1)} {{ {'; '.join(members)}; }};")
    body = re.sub(r"struct\s+\w+\s*\{.*?\};", " ", body, flags=re.S)
    for m in re.finditer(r"([A-Za-z_][\w\s\*]*?\b(armcache_\w+)\s*\([^;{]*\))\s*;", body):
        lines.append(" ".join(m.group(1).split()) + ";")
    return lines


def main():
    args = [a for a in sys.argv[1:] if a != "--update"]
    update = "--update" in sys.argv
    lib, header, abi_dir, sover = args
    sym_file, hdr_file = f"{abi_dir}/libarmcache.symbols", f"{abi_dir}/armcache_kvm.h.abi"
    syms = dynamic_symbols(lib)
    hdr = header_abi(header)
    if update:
        with open(sym_file, "w") as f:
            f.write(f"# readelf --dyn-syms of libarmcache.so.{sover}: NAME TYPE VERSION (tests/abi_check.py)\n")
            for n in sorted(syms):
                f.write(f"{n} {syms[n][0]} {syms[n][1]}\n")
        with open(hdr_file, "w") as f:
            f.write("# The C API of include/armcache/armcache_kvm.h, normalised (tests/abi_check.py)\n")
            f.write("\n".join(hdr) + "\n")
        print(f"wrote {sym_file} ({len(syms)} symbols) and {hdr_file}")
        return 0

    problems, notes = [], []
    want_soname = f"libarmcache.so.{sover}"
    if soname(lib) != want_soname:
        problems.append(f"SONAME is {soname(lib)}, expected {want_soname}")

    listed = {}
    for line in open(sym_file):
        if line.startswith("# ") or not line.strip():
            continue
        name, typ, ver = (line.split() + [""])[:3]
        listed[name] = (typ, ver)
    for name, (typ, ver) in sorted(listed.items()):
        if name not in syms:
            problems.append(f"removed: {name}")
        elif syms[name] != (typ, ver):
            problems.append(f"changed: {name} {typ} {ver} -> {syms[name][0]} {syms[name][1]}")
    names = demangle(sorted(syms))
    for name in sorted(set(syms) - set(listed)):
        if name.startswith("armcache_"):
            problems.append(f"new C symbol not in {sym_file}: {name}")
        else:
            notes.append(f"new: {names.get(name, name)}")
    for name, (typ, ver) in sorted(syms.items()):
        plain = names.get(name, name)
        for prefix in ("typeinfo name for ", "typeinfo for ", "vtable for "):
            if plain.startswith(prefix):
                plain = plain[len(prefix):]
        if not (name.startswith("armcache_") or plain.startswith(CXX_NAMESPACES)):
            problems.append(f"exported outside the API: {names.get(name, name)}")
        if ver != VERSION_NODE:
            problems.append(f"{name}: version {ver!r}, expected {VERSION_NODE}")

    committed = [l.rstrip("\n") for l in open(hdr_file) if not l.startswith("# ") and l.strip()]
    for l in committed:
        if l not in hdr:
            problems.append(f"C API removed or changed: {l}")
    for l in hdr:
        if l not in committed:
            problems.append(f"C API added (list it in {hdr_file}): {l}")
    c_funcs = {re.search(r"\b(armcache_\w+)\s*\(", l).group(1) for l in hdr if "(" in l}
    for f in sorted(c_funcs):
        if f not in syms:
            problems.append(f"declared in the header but not exported: {f}")

    for n in notes[:20]:
        print(n)
    if len(notes) > 20:
        print(f"... {len(notes) - 20} more new C++ symbols")
    print(f"{len(syms)} exported symbols, {len(listed)} listed, {len(c_funcs)} C functions declared")
    for p in problems:
        print("ABI: " + p)
    if problems:
        print(f"If the change is intended: python3 tests/abi_check.py {lib} {header} abi {sover} --update, "
              "and bump PROJECT_VERSION's major number for a removed or changed symbol")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
