#!/usr/bin/env bash
# Sets up (scripts/setup.sh), then runs the whole test suite through ctest:
# unit tests (GoogleTest) and the lit suite. Ends with ctest's counting line.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
BUILD_DIR=${BUILD_DIR:-build}
cd "$BUILD_DIR"
ctest --output-on-failure
