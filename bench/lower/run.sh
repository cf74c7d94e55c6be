#!/bin/sh
# Plans 10 metadata keys on every node of a ~1,000-node snapshot (10,000 ops)
# and prints the wall time. Usage: bench/lower/run.sh [OVERLORDC]
set -e
CC=${1:-build/bin/overlordc}
D=$(mktemp -d)
python3 "$(dirname "$0")/gen.py" "$D"
/usr/bin/time -f "plan: %e s, %M KiB max RSS" "$CC" plan -f "$D/meta.yml" --cluster "$D/cluster.json" -o "$D/plan.oplan"
echo "ops: $(grep -c '^  metadata.put' "$D/plan.oplan")"
/usr/bin/time -f "show-plan (parse+verify+print): %e s" "$CC" show-plan "$D/plan.oplan" > /dev/null
rm -rf "$D"
