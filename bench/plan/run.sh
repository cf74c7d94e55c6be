#!/bin/sh
# Times `overlordc show-plan` (parse + verify + canonical print) on a
# 10,000-op plan and `overlordc diff` of two such plans. Prints figures; never
# fails. Usage: bench/plan/run.sh [path/to/overlordc] [ops]
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
OVERLORDC=${1:-$HERE/../../build/bin/overlordc}
N=${2:-10000}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
python3 "$HERE/gen_plan.py" "$N" > "$TMP/old.oplan"
python3 "$HERE/gen_plan.py" "$N" --variant > "$TMP/new.oplan"
echo "plan: $(grep -c '^  [a-z.]* "' "$TMP/old.oplan") ops, $(wc -c < "$TMP/old.oplan") bytes"
best() { # best of 5 wall-clock runs, in seconds
  b=999
  for i in 1 2 3 4 5; do
    s=$(date +%s.%N); "$@" > /dev/null; e=$(date +%s.%N)
    b=$(echo "$e - $s" | bc | awk -v b="$b" '{ print ($1 < b) ? $1 : b }')
  done
  echo "$b"
}
echo "parse + verify + print: $(best "$OVERLORDC" show-plan "$TMP/old.oplan") s (goal < 0.3 s for parse + verify)"
echo "diff of two plans:      $(best "$OVERLORDC" diff "$TMP/old.oplan" "$TMP/new.oplan") s (goal < 0.5 s, includes parsing and verifying both)"
"$OVERLORDC" diff "$TMP/old.oplan" "$TMP/new.oplan" | tail -1
