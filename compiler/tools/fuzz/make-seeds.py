#!/usr/bin/python3
# ===- make-seeds.py - Seed corpora for the libFuzzer targets --------------===#
#
# Writes the seed corpus of each fuzz target into OUT/<target>/ from the
# files already in the tree, so that no corpus file is committed twice:
#   deployment/  examples/**/*.yml, test/**/*.yml, ../shared/corpus/overlord/*,
#                every ../shared/corpus/director file wrapped as the
#                `projectFile: |` of a directorProject, and Makejails wrapped
#                as `kind: metadata` values;
#   makejail/    ../shared/corpus/makejails/*, examples/**/*.makejail;
#   envfile/     examples/**/*.env and .env*, test/**/*.env, a few made here.
# Deterministic: sorted inputs, names derived from paths.
#
# ===------------------------------------------------------------------------===#
import argparse
import os
import re

ENVFILES = {
    "synthetic-basic.env": "ENTRYPOINT=http://127.0.0.1:8888\nTOKEN=abc\n",
    "synthetic-quotes.env": "# comment\nexport A='x y'\nB=\"${A} z\\n\"\nC=${HOME:-/root}\nD=\n",
    "synthetic-multiline.env": "K=\"line1\nline2\"\n  E = spaced  # tail\n",
}

DEPLOYMENT_HEAD = """kind: directorProject
datacenters:
  main:
    entrypoint: !ENV '${ENTRYPOINT}'
    access_token: !ENV '${TOKEN}'
deployIn:
  labels:
    - desktop
projectName: %s
projectFile: |
"""

METADATA_HEAD = """kind: metadata
datacenters:
  main:
    entrypoint: !ENV '${ENTRYPOINT}'
    access_token: !ENV '${TOKEN}'
deployIn:
  labels:
    - all
metadata:
  %s.makejail: |
"""


def walk(top, pred):
    """Sorted files under top whose name satisfies pred."""
    out = []
    if not os.path.isdir(top):
        return out
    for d, dirs, files in os.walk(top):
        dirs.sort()
        out += [os.path.join(d, f) for f in sorted(files) if pred(f)]
    return out


def read(path):
    with open(path, "rb") as f:
        return f.read()


def indent(data, pad):
    lines = data.decode("utf-8", "replace").splitlines()
    return "".join((pad + l if l.strip() else "") + "\n" for l in lines)


def name_of(path, root):
    return re.sub(r"[^A-Za-z0-9._-]", "_", os.path.relpath(path, root))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", required=True)
    ap.add_argument("--shared", required=True)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    corpus = os.path.join(a.shared, "corpus")
    out = {t: os.path.join(a.out, t) for t in ("deployment", "makejail", "envfile", "dsl")}
    for d in out.values():
        os.makedirs(d, exist_ok=True)

    def put(target, name, data):
        if isinstance(data, str):
            data = data.encode()
        with open(os.path.join(out[target], name), "wb") as f:
            f.write(data)

    yml = lambda f: f.endswith((".yml", ".yaml", ".yml.template"))
    for top in (os.path.join(a.root, "examples"), os.path.join(a.root, "test"),
                os.path.join(corpus, "overlord")):
        for p in walk(top, yml):
            put("deployment", name_of(p, os.path.dirname(top)), read(p))
    for p in walk(os.path.join(corpus, "director"), yml):
        project = re.sub(r"[^A-Za-z0-9._-]", "-", os.path.basename(p))[:60]
        put("deployment", "wrapped-" + os.path.basename(p),
            DEPLOYMENT_HEAD % project + indent(read(p), "  "))

    makejails = walk(os.path.join(corpus, "makejails"), lambda f: True)
    makejails += walk(os.path.join(a.root, "examples"),
                      lambda f: f.endswith(".makejail") or f == "Makejail")
    for i, p in enumerate(makejails):
        put("makejail", name_of(p, os.path.dirname(os.path.dirname(p))), read(p))
        # A few Makejails as metadata text too: the path `kind: metadata` takes.
        if i % 8 == 0:
            put("deployment", "metadata-" + os.path.basename(p) + ".yml",
                METADATA_HEAD % "app" + indent(read(p), "    "))

    envs = lambda f: f.endswith(".env") or f.startswith(".env")
    for top in (os.path.join(a.root, "examples"), os.path.join(a.root, "test")):
        for p in walk(top, envs):
            put("envfile", name_of(p, os.path.dirname(top)), read(p))
    for name, text in ENVFILES.items():
        put("envfile", name, text)

    # The DSL: examples, stdlib modules, DSL tests and their inputs.
    ovl = lambda f: f.endswith((".ovl", ".test"))
    for top in (os.path.join(a.root, "examples"), os.path.join(a.root, "stdlib"),
                os.path.join(a.root, "test", "Dsl")):
        for p in walk(top, ovl):
            put("dsl", name_of(p, os.path.dirname(top)), read(p))

    print("seeds: " + ", ".join("%s %d" % (t, len(os.listdir(d)))
                                for t, d in sorted(out.items())))


if __name__ == "__main__":
    main()
