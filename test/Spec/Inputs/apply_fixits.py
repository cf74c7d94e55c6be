#!/usr/bin/env python3
"""Applies the fix-its of `overlordc check --diagnostics-format=json` to a file.

Usage: apply_fixits.py DIAGNOSTICS.json SOURCE OUTPUT
Fix-its are applied from the end of the file backwards so offsets stay valid.
"""
import json, sys

diags = json.load(open(sys.argv[1]))
lines = open(sys.argv[2]).read().split("\n")
fixes = []
for d in diags:
    for f in d.get("fixits", []):
        loc = f["location"]
        fixes.append((loc["line"], loc["column"], loc["endLine"], loc["endColumn"], f["replacement"]))
for line, col, eline, ecol, text in sorted(fixes, reverse=True):
    assert line == eline, "multi-line fix-its are not used by the spec checker"
    s = lines[line - 1]
    lines[line - 1] = s[: col - 1] + text + s[ecol - 1 :]
open(sys.argv[3], "w").write("\n".join(lines))
