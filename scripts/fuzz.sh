#!/usr/bin/env bash
#===- fuzz.sh - Build and run the front end's libFuzzer targets ------------===#
#
# Usage: scripts/fuzz.sh [-t SECONDS] [--regress] [TARGET...]
#
# Configures fuzz-build/ with clang-14 and -DOVERLORD_FUZZ=ON (the flags,
# -fsanitize=fuzzer-no-link,address,undefined on every target, are set by
# compiler/tools/fuzz/CMakeLists.txt; OVERLORD_FUZZ_SANITIZERS overrides the
# sanitizer list), builds the targets, makes a seed corpus in a temporary
# directory from examples/, test/ and ../shared/corpus/ (Director files are
# wrapped as `directorProject` deployments), and runs each target for a
# bounded time. TARGET is fuzz-deployment, fuzz-makejail, fuzz-envfile or
# fuzz-dsl (default: all four).
#
#   -t SECONDS   fuzzing time per target (default 60, -max_total_time)
#   --regress    no fuzzing: run each target once over its seeds, its kept
#                corpus and compiler/tools/fuzz/regressions/
#
# Kept between runs (not in git): fuzz-build/fuzz/<target>/corpus/ (inputs
# libFuzzer found interesting) and fuzz-build/fuzz/<target>/crashes/ (one
# reproducer file per crash, leak, timeout or out-of-memory). Exits 1 when a
# target failed, printing the reproducer and how to re-run it.
#
#===------------------------------------------------------------------------===#
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SHARED=${OVERLORD_SHARED:-$ROOT/../shared}
BUILD=${FUZZ_BUILD_DIR:-$ROOT/fuzz-build}
SECONDS_PER_TARGET=60
REGRESS=0
TARGETS=()
while [[ $# -gt 0 ]]; do
  case $1 in
    -t) SECONDS_PER_TARGET=$2; shift 2 ;;
    --regress) REGRESS=1; shift ;;
    -h|--help) sed -n '3,23p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    fuzz-deployment|fuzz-makejail|fuzz-envfile|fuzz-dsl) TARGETS+=("$1"); shift ;;
    *) echo "fuzz.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
[[ ${#TARGETS[@]} -gt 0 ]] || TARGETS=(fuzz-deployment fuzz-makejail fuzz-envfile fuzz-dsl)

# --- build -------------------------------------------------------------------
if [[ ! -f $BUILD/build.ninja ]]; then
  CC=clang-14 CXX=clang++-14 cmake -S "$ROOT" -B "$BUILD" -G Ninja \
    -DOVERLORD_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi
if ! cmake --build "$BUILD" -j2 --target "${TARGETS[@]}" >"$BUILD/fuzz-build.log" 2>&1; then
  grep -v '^\[' "$BUILD/fuzz-build.log" | tail -40
  echo "fuzz.sh: build failed (log: $BUILD/fuzz-build.log)" >&2
  exit 2
fi
for t in "${TARGETS[@]}"; do
  [[ -x $BUILD/bin/$t ]] || { echo "fuzz.sh: $t did not build" >&2; exit 2; }
done

# --- seed corpus ---------------------------------------------------------------
SEEDS=$(mktemp -d "${TMPDIR:-/tmp}/overlord-fuzz-seeds.XXXXXX")
trap 'rm -rf "$SEEDS"' EXIT
/usr/bin/python3 "$ROOT/compiler/tools/fuzz/make-seeds.py" \
  --root "$ROOT" --shared "$SHARED" --out "$SEEDS"

# --- run -----------------------------------------------------------------------
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1:symbolize=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
FAILED=()
for t in "${TARGETS[@]}"; do
  name=${t#fuzz-}
  work=$BUILD/fuzz/$t
  mkdir -p "$work/corpus" "$work/crashes"
  dict=$ROOT/compiler/tools/fuzz/$name.dict
  regressions=()
  for f in "$ROOT/compiler/tools/fuzz/regressions/$name"-*; do
    [[ -f $f ]] && regressions+=("$f")
  done
  args=(-rss_limit_mb=2048 -timeout=5 -artifact_prefix="$work/crashes/"
        -print_final_stats=1)
  [[ -f $dict ]] && args+=(-dict="$dict")
  log=$work/last-run.log
  if [[ $REGRESS == 1 ]]; then
    echo "== $t: $(ls "$SEEDS/$name" | wc -l) seeds, $(ls "$work/corpus" | wc -l) kept, ${#regressions[@]} regressions"
    set +e
    "$BUILD/bin/$t" "${args[@]}" -runs=0 "$work/corpus" "$SEEDS/$name" \
      >"$log" 2>&1
    [[ ${#regressions[@]} -eq 0 ]] ||
      "$BUILD/bin/$t" "${args[@]}" "${regressions[@]}" >>"$log" 2>&1
    rc=$?
    set -e
  else
    echo "== $t: ${SECONDS_PER_TARGET}s, $(ls "$SEEDS/$name" | wc -l) seeds, $(ls "$work/corpus" | wc -l) kept inputs"
    set +e
    "$BUILD/bin/$t" "${args[@]}" -max_total_time="$SECONDS_PER_TARGET" \
      "$work/corpus" "$SEEDS/$name" >"$log" 2>&1
    rc=$?
    set -e
  fi
  grep -E '^(stat::|#[0-9]+ +DONE)' "$log" | sed 's/^/   /' || true
  if [[ $rc -ne 0 ]]; then
    FAILED+=("$t")
    echo "!! $t failed (exit $rc); log: $log"
    grep -E '^(==[0-9]+==ERROR|SUMMARY|.*runtime error|ALARM|.*out-of-memory)' "$log" | head -5 | sed 's/^/   /'
    repro=$(grep -o 'Test unit written to .*' "$log" | sed 's/Test unit written to //' | tail -1)
    if [[ -n $repro ]]; then
      echo "   reproducer: $repro"
      echo "   re-run:     $BUILD/bin/$t $repro"
      echo "   keep it:    cp $repro compiler/tools/fuzz/regressions/$name-<what>"
    fi
  fi
done
if [[ ${#FAILED[@]} -gt 0 ]]; then
  echo "fuzz.sh: ${#FAILED[@]} target(s) failed: ${FAILED[*]}"
  exit 1
fi
echo "fuzz.sh: no crash, leak, hang or out-of-memory in ${TARGETS[*]}"
