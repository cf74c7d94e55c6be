#!/usr/bin/env python3
"""Wraps AppJail Director files as `kind: directorProject` deployment files.

Each Director file's text becomes the block scalar `projectFile: |`, indented
by two spaces, after a fixed header of HEADER_LINES lines (kind, datacenters,
deployIn, projectName). Line L of the Director file is therefore line
L + HEADER_LINES of the wrapped file, which is where overlordc must report a
diagnostic found inside the Director file.

Usage:
  wrap_director.py FILE                 print the wrapped FILE on stdout
  wrap_director.py -o OUTDIR FILE...    write OUTDIR/<stem>.yml for each FILE

The project name is the file's stem with every character outside
[a-zA-Z0-9._-] replaced by '-', so it matches the reference's project-name
regex ^[a-zA-Z0-9._-]+$.
"""
import argparse
import os
import re
import sys

HEADER = """\
kind: directorProject
datacenters:
  main:
    entrypoint: 'http://127.0.0.1:8888'
    access_token: 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJjb3JwdXMifQ.c2lnbmF0dXJl'
deployIn:
  labels:
    - all
projectName: {name}
projectFile: {indicator}
"""
HEADER_LINES = HEADER.count("\n")


def project_name(path):
    stem = os.path.basename(path)
    if stem.endswith(".yml"):
        stem = stem[: -len(".yml")]
    return re.sub(r"[^a-zA-Z0-9._-]", "-", stem)


def wrap(path):
    with open(path, encoding="utf-8", newline="") as f:
        text = f.read()
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    # YAML infers a block scalar's indentation from its first non-empty line;
    # a Director file whose first line is itself indented (a partial snippet)
    # needs the explicit indentation indicator.
    first = next((l for l in lines if l.strip()), "")
    indicator = "|2" if first[:1] in (" ", "\t") else "|"
    out = [HEADER.format(name=project_name(path), indicator=indicator)]
    for line in lines:
        out.append(("  " + line if line else "") + "\n")
    return "".join(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-o", "--outdir")
    ap.add_argument("files", nargs="+")
    args = ap.parse_args()
    if not args.outdir:
        if len(args.files) != 1:
            ap.error("several files need -o OUTDIR")
        sys.stdout.write(wrap(args.files[0]))
        return 0
    os.makedirs(args.outdir, exist_ok=True)
    for path in args.files:
        dst = os.path.join(args.outdir, os.path.basename(path))
        if not dst.endswith(".yml"):
            dst += ".yml"
        with open(dst, "w", encoding="utf-8", newline="") as f:
            f.write(wrap(path))
    return 0


if __name__ == "__main__":
    sys.exit(main())
