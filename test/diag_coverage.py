#!/usr/bin/env python3
"""Fails when a registered diagnostic kind has no negative test.

Reads every OVERLORD_DIAG(Name, ...) in compiler/include/overlord/Support/*.def
and looks for the text '[Name]' (errors and warnings print it) or, for notes,
the kind name itself, in some file under test/ or compiler/unittests/.
Usage: diag_coverage.py SRCROOT
"""
import os, re, sys

root = sys.argv[1]
defs = os.path.join(root, "compiler", "include", "overlord", "Support")
kinds = []
for name in sorted(os.listdir(defs)):
    if name.endswith(".def"):
        with open(os.path.join(defs, name)) as f:
            for m in re.finditer(r"^OVERLORD_DIAG\((\w+),\s*(\w+)", f.read(), re.M):
                kinds.append((m.group(1), m.group(2), name))

corpus = []
for sub in ("test", os.path.join("compiler", "unittests"), os.path.join("engine", "unittests")):
    for dirpath, _, files in os.walk(os.path.join(root, sub)):
        for fn in files:
            try:
                with open(os.path.join(dirpath, fn), errors="replace") as f:
                    corpus.append(f.read())
            except OSError:
                pass
text = "\n".join(corpus)

missing = []
for kind, sev, src in kinds:
    needle = kind if sev == "Note" else f"[{kind}]"
    if needle not in text:
        missing.append(f"{src}: {kind} ({sev})")
for m in missing:
    print(f"no negative test for diagnostic kind {m}")
print(f"{len(kinds) - len(missing)} of {len(kinds)} diagnostic kinds have a test")
sys.exit(1 if missing else 0)
