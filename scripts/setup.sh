#!/usr/bin/env bash
# Installs every Debian 12 package overlord needs (build, tests, test
# services, fuzzing, benchmarks) and configures + builds it. Idempotent and
# non-interactive; run as root on a fresh machine.
#   scripts/setup.sh            # install, configure, build into ./build
#   BUILD_DIR=b scripts/setup.sh
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(
  cmake ninja-build g++ pkg-config ccache
  llvm-15-dev llvm-15-tools python3 python3-psutil
  libyaml-cpp-dev libfmt-dev libcurl4-openssl-dev libssl-dev libsqlite3-dev
  libncurses-dev
  antlr4 libantlr4-runtime-dev default-jre-headless
  libgtest-dev libgmock-dev libboost-dev
  clang-14 libclang-rt-14-dev
  etcd-server etcd-client haproxy socat hyperfine wrk
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

BUILD_DIR=${BUILD_DIR:-build}
WERROR=OFF
[ "${CI:-}" = "true" ] && WERROR=ON
cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DOVERLORD_WERROR=$WERROR >/dev/null
cmake --build "$BUILD_DIR" -j"$(nproc)"
