#!/bin/bash
# Plans 10,000 generated directorProject files against a generated
# 1,000-node snapshot (depth 4) in ONE `overlordc plan` process and prints
# wall/CPU time and the ops in the plan. Usage: bench/lower/run.sh [OVERLORDC] [N]
set -e
CC=$(realpath "${1:-build/bin/overlordc}")
N=${2:-10000}
D=$(mktemp -d)
python3 "$(dirname "$0")/gen.py" "$D" "$N"
cd "$D"
mapfile -t FILES < files.txt
ARGS=()
for f in "${FILES[@]}"; do ARGS+=(-f "$f"); done
/usr/bin/time -f "plan: wall %e s, user %U s, sys %S s, %M KiB max RSS" \
  "$CC" plan "${ARGS[@]}" -e .env --cluster cluster.json -o plan.oplan
echo "ops: $(grep -c '^  [a-z]' plan.oplan), targets: $(grep -c '^target' plan.oplan)"
/usr/bin/time -f "show-plan (parse+verify+print): %e s" "$CC" show-plan plan.oplan > /dev/null
cd / && rm -rf "$D"
