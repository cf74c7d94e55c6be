#!/usr/bin/env bash
#===- run.sh - DSL front-end benchmark --------------------------------------===#
#
# Usage: bench/dsl/run.sh [OVERLORDC] [N]
# Generates an N-project DSL file (default 10,000, bench/dsl/gen.py) and
# times `overlordc check` (parse, name check, evaluate every `let`, Sema on
# the deployment) and `overlordc fmt --check` on it, 3 runs each, printing
# wall, user and system time and the peak memory. Figures: README.md.
#
#===------------------------------------------------------------------------===#
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
OVERLORDC=${1:-$ROOT/build/bin/overlordc}
N=${2:-10000}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/overlord-dsl-bench.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
/usr/bin/python3 "$ROOT/bench/dsl/gen.py" "$N" "$TMP/projects.ovl"
echo "file: $N projects, $(wc -c < "$TMP/projects.ovl") bytes, $(wc -l < "$TMP/projects.ovl") lines"
for i in 1 2 3; do
  /usr/bin/time -f "check: %e s wall, %U s user, %S s sys, %M KB" \
    "$OVERLORDC" check -f "$TMP/projects.ovl"
done
for i in 1 2 3; do
  /usr/bin/time -f "fmt:   %e s wall, %U s user, %S s sys, %M KB" \
    "$OVERLORDC" fmt --check "$TMP/projects.ovl"
done
