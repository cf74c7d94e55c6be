#!/usr/bin/env bash
#===- check-bench.sh - Time `overlordc check` over generated deployments ---===#
#
# Usage: bench/check-bench.sh [--no-build] [--sizes "1000 10000"] [--runs N]
#                             [--profile]
#
# Builds overlordc in Release into build-bench/ (BENCH_BUILD_DIR overrides),
# generates deployment files with bench/gen_deployments.py (fixed seed) and
# times:
#   (a) one process: `overlordc check -f=F1 -f=F2 ...` over every file (xargs
#       passes them; the table says how many processes it needed);
#   (b) one process per file, start-up included: hyperfine on typical.yml,
#       and a shell loop over the first 200 files.
# Prints a table of figures. Not a pass/fail test: the goals (10,000 files
# under 1 s in one process, one typical file under 5 ms) are only shown.
# --profile: also run `check` over 300 files under valgrind's callgrind and
# print the hottest functions (exclusive and inclusive cost).
#
#===------------------------------------------------------------------------===#
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BENCH_BUILD_DIR:-$ROOT/build-bench}
SIZES="1000 10000"
RUNS=5
BUILD_IT=1
PROFILE=0
while [[ $# -gt 0 ]]; do
  case $1 in
    --no-build) BUILD_IT=0; shift ;;
    --sizes) SIZES=$2; shift 2 ;;
    --runs) RUNS=$2; shift 2 ;;
    --profile) PROFILE=1; shift ;;
    -h|--help) sed -n '3,18p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "check-bench.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done

if [[ $BUILD_IT == 1 ]]; then
  cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
  if ! cmake --build "$BUILD" -j2 --target overlordc >"$BUILD/bench-build.log" 2>&1; then
    grep -v '^\[' "$BUILD/bench-build.log" | tail -40
    echo "check-bench.sh: build failed (log: $BUILD/bench-build.log)" >&2
    exit 2
  fi
fi
OVERLORDC=$BUILD/bin/overlordc
[[ -x $OVERLORDC ]] || { echo "check-bench.sh: no $OVERLORDC" >&2; exit 2; }

DATA=$BUILD/bench-data
RESULTS=$(mktemp -d "${TMPDIR:-/tmp}/overlord-bench.XXXXXX")
trap 'rm -rf "$RESULTS"' EXIT
# No inherited variable may change what !ENV reads, and no ./.env is loaded:
# the data directory has none.
unset ENTRYPOINT TOKEN

echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "machine: $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(nproc) cores;" \
  "commit $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')" \
  "$(git -C "$ROOT" diff --quiet 2>/dev/null || echo '(+ local changes)');" \
  "$(date -u +%Y-%m-%d)"

TABLE=()
row() { TABLE+=("$(printf '| %-44s | %12s | %s |' "$1" "$2" "$3")"); }

# Mean wall time, its deviation and the mean CPU time (user + system) of a
# hyperfine JSON export, in milliseconds. CPU time is the steadier figure on
# a loaded machine.
mean_ms() {
  /usr/bin/python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["results"][0]; print("%.2f %.2f %.2f" % (r["mean"]*1e3, r["stddev"]*1e3, (r["user"]+r["system"])*1e3))' "$1"
}

for n in $SIZES; do
  dir=$DATA/$n
  # Always regenerated (a few seconds), so the data matches the generator.
  rm -rf "$dir"
  /usr/bin/python3 "$ROOT/bench/gen_deployments.py" "$n" "$dir" --seed 1 |
    sed "s/^/generated: /"
  cd "$dir"
  # One argument per file (-f=FILE) so that xargs may split anywhere.
  ls dep-*.yml | sed 's/^/-f=/' >"$RESULTS/args-$n"
  procs=$(xargs -s 2000000 -d '\n' echo <"$RESULTS/args-$n" | wc -l)
  set +e
  xargs -s 2000000 -d '\n' "$OVERLORDC" check <"$RESULTS/args-$n" \
    >/dev/null 2>"$RESULTS/diags-$n"
  rc=$?
  set -e
  errors=$(grep -c ': error: ' "$RESULTS/diags-$n" || true)
  warnings=$(grep -c ': warning: ' "$RESULTS/diags-$n" || true)
  if [[ $errors -ne 0 ]]; then
    echo "note: $n files: $errors errors (exit $rc), most common:"
    grep -o ': error: .*' "$RESULTS/diags-$n" | sed 's/.*\[\(.*\)\]$/\1/' |
      sort | uniq -c | sort -rn | head -5 | sed 's/^/  /'
  fi
  hyperfine -N --style none --warmup 1 --runs "$RUNS" \
    --export-json "$RESULTS/one-$n.json" \
    "xargs -s 2000000 -d '\\n' -a $RESULTS/args-$n $OVERLORDC check" \
    -i >/dev/null 2>&1
  read -r mean sd cpu < <(mean_ms "$RESULTS/one-$n.json")
  row "check, $n files, one process ($procs proc)" "${mean} ms" \
    "±${sd} ms; cpu ${cpu} ms; $(/usr/bin/python3 -c "print('%.1f' % ($mean*1000/$n))") µs/file; $errors errors, $warnings warnings"
  cd "$ROOT"
done

# (b) per file, process start-up included.
dir=$DATA/$(echo "$SIZES" | awk '{print $1}')
hyperfine -N --style none --warmup 20 --runs 300 \
  --export-json "$RESULTS/typical.json" \
  "$OVERLORDC check -f $dir/typical.yml" -i >/dev/null 2>&1
read -r mean sd cpu < <(mean_ms "$RESULTS/typical.json")
row "check typical.yml ($(wc -c <"$dir/typical.yml") B), one process" "${mean} ms" "±${sd} ms; cpu ${cpu} ms (hyperfine, 300 runs)"

hyperfine -N --style none --warmup 20 --runs 300 \
  --export-json "$RESULTS/version.json" "$OVERLORDC --version" >/dev/null 2>&1
read -r mean sd cpu < <(mean_ms "$RESULTS/version.json")
row "overlordc --version (start-up floor)" "${mean} ms" "±${sd} ms; cpu ${cpu} ms"

hyperfine -N --style none --warmup 20 --runs 300 \
  --export-json "$RESULTS/spec.json" \
  "$OVERLORDC print-spec -f $dir/typical.yml" -i >/dev/null 2>&1
read -r mean sd cpu < <(mean_ms "$RESULTS/spec.json")
row "print-spec typical.yml" "${mean} ms" "±${sd} ms; cpu ${cpu} ms"

files=("$dir"/dep-*.yml)
start=$(date +%s%N)
for f in "${files[@]:0:200}"; do "$OVERLORDC" check -f "$f" >/dev/null 2>&1 || true; done
end=$(date +%s%N)
total=$(( (end - start) / 1000000 ))
row "check, 200 files, one process each" "${total} ms" \
  "$(/usr/bin/python3 -c "print('%.2f' % ($total/200))") ms/file"

echo
printf '| %-44s | %12s | %s |\n' "measurement" "wall (mean)" "notes"
printf '|%s|%s|%s|\n' "$(printf -- '-%.0s' {1..46})" "$(printf -- '-%.0s' {1..14})" "-------"
printf '%s\n' "${TABLE[@]}"

if [[ $PROFILE == 1 ]]; then
  echo
  echo "callgrind: check over the first 300 files of $dir, one process"
  (cd "$dir" && valgrind --tool=callgrind --callgrind-out-file="$RESULTS/cg.out" \
    "$OVERLORDC" check $(printf -- '-f=%s ' "${files[@]:0:300}" | sed "s|$dir/||g") \
    >/dev/null 2>&1 || true)
  echo "-- exclusive (self) cost, top 25"
  callgrind_annotate --threshold=99 "$RESULTS/cg.out" 2>/dev/null |
    sed -n '/^Ir/,$p' | sed -n '3,27p' | cut -c1-160
  echo "-- inclusive cost, top 40"
  callgrind_annotate --inclusive=yes --threshold=99 "$RESULTS/cg.out" 2>/dev/null |
    sed -n '/^Ir/,$p' | sed -n '3,42p' | cut -c1-160
fi
