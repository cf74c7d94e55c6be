#!/usr/bin/python3
# ===- run-regressions.py - Replay fuzzer finds through overlordc ----------===#
#
# Usage: run-regressions.py OVERLORDC REGRESSIONS_DIR
#
# Every file in REGRESSIONS_DIR once crashed or hung a fuzz target. Each is
# replayed through the real driver, by the prefix of its name:
#   deployment-*  overlordc check -f FILE
#   envfile-*     overlordc check -e FILE -f <a valid readOnly deployment>
#   makejail-*    overlordc check-makejail FILE
# and must end with exit code 0 or 1 (diagnosed) within 10 seconds: never a
# signal, a sanitizer report or a hang. Runs in an empty temporary directory
# so no ./.env is read. Prints one line per failure and a summary.
#
# ===------------------------------------------------------------------------===#
import os
import subprocess
import sys
import tempfile

VALID = """kind: readOnly
datacenters:
  main:
    entrypoint: 'http://127.0.0.1:8888'
    access_token: 'token'
deployIn:
  labels:
    - all
"""


def command(overlordc, path, tmp):
    name = os.path.basename(path)
    if name.startswith("deployment-"):
        return [overlordc, "check", "-f", path]
    if name.startswith("envfile-"):
        return [overlordc, "check", "-e", path, "-f", os.path.join(tmp, "valid.yml")]
    if name.startswith("makejail-"):
        return [overlordc, "check-makejail", path]
    return None


def main():
    overlordc, folder = sys.argv[1], sys.argv[2]
    files = sorted(f for f in os.listdir(folder)
                   if not f.startswith(".") and f != "README.md")
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        with open(os.path.join(tmp, "valid.yml"), "w") as f:
            f.write(VALID)
        for name in files:
            path = os.path.abspath(os.path.join(folder, name))
            cmd = command(overlordc, path, tmp)
            if cmd is None:
                print("%s: unknown prefix (deployment-, envfile-, makejail-)" % name)
                failures += 1
                continue
            try:
                p = subprocess.run(cmd, cwd=tmp, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.PIPE, timeout=10)
            except subprocess.TimeoutExpired:
                print("%s: hang (no exit within 10 s)" % name)
                failures += 1
                continue
            if p.returncode not in (0, 1):
                tail = p.stderr.decode("utf-8", "replace").strip().splitlines()[-3:]
                print("%s: exit %d\n  %s" % (name, p.returncode, "\n  ".join(tail)))
                failures += 1
    print("fuzz regressions: %d inputs, %d failed" % (len(files), failures))
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
