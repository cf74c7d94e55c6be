#!/usr/bin/env python3
"""Runs lit and ends with one counting line: 'lit: N passed, N failed, N skipped'.

lit itself never prints such a line. PASS and XFAIL count as passed,
UNSUPPORTED as skipped, everything else as failed. The counts are also written
to TEST_EXEC_DIR/lit-summary.txt for scripts/test.sh.
Usage: run_lit.py LIT_PY TEST_EXEC_DIR [extra lit args]
"""
import json, os, subprocess, sys, tempfile

lit_py, exec_dir, extra = sys.argv[1], sys.argv[2], sys.argv[3:]
with tempfile.TemporaryDirectory() as tmp:
    out = os.path.join(tmp, "results.json")
    rc = subprocess.call([sys.executable, lit_py, "-sv", "--timeout", "120", "-o", out, *extra, exec_dir])
    passed = failed = skipped = 0
    if os.path.exists(out):
        with open(out) as f:
            for t in json.load(f).get("tests", []):
                code = t.get("code")
                if code in ("PASS", "XFAIL"):
                    passed += 1
                elif code in ("UNSUPPORTED",):
                    skipped += 1
                else:
                    failed += 1
summary = os.path.join(exec_dir, "lit-summary.txt")
if passed + failed == 0:
    print("lit: no tests executed")
    with open(summary, "w") as f:
        f.write("0 0 0\n")
    sys.exit(1)
print(f"lit: {passed} passed, {failed} failed, {skipped} skipped")
# scripts/test.sh adds these counts to the unit tests' for its closing line.
with open(summary, "w") as f:
    f.write(f"{passed} {failed} {skipped}\n")
sys.exit(1 if failed or rc else 0)
