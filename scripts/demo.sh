#!/usr/bin/env bash
# Sets up (scripts/setup.sh), then runs the main job on the examples:
# `overlordc check` on every deployment file in examples/ and
# `overlordc print-spec` on the filebrowser example.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh >/dev/null
BUILD_DIR=${BUILD_DIR:-build}
OVERLORDC="$BUILD_DIR/bin/overlordc"
cd examples
for f in *.yml; do
  env_args=()
  [ -f "${f%.yml}.env" ] && env_args=(-e "${f%.yml}.env")
  if "../$OVERLORDC" check -f "$f" "${env_args[@]}"; then echo "check $f: ok"; else echo "check $f: FAILED"; exit 1; fi
done
"../$OVERLORDC" print-spec -f filebrowser.yml -e filebrowser.env
