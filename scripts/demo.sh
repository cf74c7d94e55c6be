#!/usr/bin/env bash
# Sets up (scripts/setup.sh), then runs the main job on the examples:
# `overlordc check` on every deployment file in examples/ (each with its env
# file), `overlordc print-spec` on the filebrowser example, and
# `overlordc plan` of the filebrowser example against the article's fleet
# (a cluster snapshot, docs/ClusterSnapshot.md); then, live, one overlordd
# node on a loopback port with AppJail simulated (scripts/demo_node.py):
# `overlordc apply --wait`, `get-info`, `destroy` of the tor example; then a
# tree of three chained nodes (main -> alpha -> bravo): `get-info -t
# chains:tree`, a project applied by label through the chain, destroyed.
#
# Env file of examples/<name>.yml: examples/<name>.env; the two VM files use
# the article's profile, examples/.profile-vmtest.env (see examples/README.md).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh >/dev/null
BUILD_DIR=${BUILD_DIR:-build}
case "$BUILD_DIR" in /*) ;; *) BUILD_DIR="$(pwd)/$BUILD_DIR" ;; esac
OVERLORDC="$BUILD_DIR/bin/overlordc"
cd examples
for f in *.yml; do
  env_args=()
  case "$f" in
    vm.yml | vm-metadata.yml) env_args=(-e .profile-vmtest.env) ;;
    *) [ -f "${f%.yml}.env" ] && env_args=(-e "${f%.yml}.env") ;;
  esac
  if "$OVERLORDC" check -f "$f" "${env_args[@]}"; then echo "check $f: ok"; else echo "check $f: FAILED"; exit 1; fi
done
"$OVERLORDC" print-spec -f filebrowser.yml -e filebrowser.env
echo
"$OVERLORDC" plan -f filebrowser.yml -e filebrowser.env \
  --cluster ../test/Lower/Inputs/fleet.json
echo
python3 ../scripts/demo_node.py "$BUILD_DIR" "$(pwd)" "$(pwd)/../../shared/corpus"
