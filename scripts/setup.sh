#!/usr/bin/env bash
# scripts/setup.sh [release|asan|all]: install what is missing, then configure
# and build. Idempotent: a second run installs nothing and rebuilds only what
# changed.
#   Packages: the union of scripts/packages/*.txt (Debian packages, via apt).
#   release -> build/release (optimised, the program users run)
#   asan    -> build/asan    (AddressSanitizer + UBSan, where tests run)
set -euo pipefail
cd "$(dirname "$0")/.."
what=${1:-all}

need=()
while read -r pkg; do
  [ -n "$pkg" ] || continue
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || need+=("$pkg")
done < <(sed -e 's/#.*//' -e 's/[[:space:]]//g' scripts/packages/*.txt | sort -u)
if [ ${#need[@]} -gt 0 ]; then
  echo "setup: installing ${need[*]}" >&2
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup: these Debian packages are missing and installing them needs root: ${need[*]}" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

jobs=$(nproc 2>/dev/null || echo 2)
build() { # dir type
  if [ ! -f "$1/build.ninja" ]; then
    cmake -S . -B "$1" -G Ninja -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE="$2" >/dev/null
  fi
  ninja -C "$1" -j "$jobs" >/dev/null || ninja -C "$1" -j 1
}
case "$what" in
  release) build build/release Release ;;
  asan) build build/asan Asan ;;
  all) build build/release Release; build build/asan Asan ;;
  *) echo "usage: scripts/setup.sh [release|asan|all]" >&2; exit 1 ;;
esac
