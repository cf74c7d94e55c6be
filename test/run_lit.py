#!/usr/bin/env python3
"""Runs lit and ends with one counting line: 'lit: N passed, N failed, N skipped'.

lit itself never prints such a line. PASS/XPASS... see counts below.
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
if passed + failed == 0:
    print("lit: no tests executed")
    sys.exit(1)
print(f"lit: {passed} passed, {failed} failed, {skipped} skipped")
sys.exit(1 if failed or rc else 0)
