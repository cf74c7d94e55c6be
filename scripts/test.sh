#!/usr/bin/env bash
# Sets up (scripts/setup.sh), then runs the whole test suite through ctest:
# the GoogleTest unit tests and the lit suite. Ends with one line counting
# every test case of both: "tests: N passed, N failed".
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
BUILD_DIR=${BUILD_DIR:-build}
cd "$BUILD_DIR"
rm -f ./*unittests.xml test/lit-summary.txt
rc=0
ctest --output-on-failure || rc=$?

# Unit tests: the totals of every GoogleTest XML report (compiler and engine
# binaries); a binary that did not write its report counts as one failure.
read -r u_total u_failed < <(/usr/bin/python3 - <<'PY'
import glob, xml.etree.ElementTree as ET
total = failed = 0
for name in ("unittests.xml", "engine-unittests.xml"):
    matches = glob.glob(name)
    if not matches:
        continue
    try:
        r = ET.parse(name).getroot()
        total += int(r.get("tests", 0)) - int(r.get("disabled", 0))
        failed += int(r.get("failures", 0)) + int(r.get("errors", 0))
    except ET.ParseError:
        failed += 1
if not glob.glob("unittests.xml"):
    failed += 1  # the compiler's unit tests did not run to completion
print(total, failed)
PY
)
read -r l_passed l_failed l_skipped < test/lit-summary.txt 2>/dev/null || { l_passed=0; l_failed=1; l_skipped=0; }
passed=$(( u_total - u_failed + l_passed ))
failed=$(( u_failed + l_failed ))
echo "tests: ${passed} passed, ${failed} failed, ${l_skipped} skipped"
exit $rc
