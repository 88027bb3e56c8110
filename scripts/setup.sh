#!/usr/bin/env bash
# scripts/setup.sh [release|asan|all]: install what is missing, then configure
# and build. Idempotent: a second run installs nothing and rebuilds only what
# changed.
#   Packages: the union of scripts/packages/*.txt (Debian packages, via apt).
#   release -> build/release (optimised, the program users run; the host's
#              instruction set, LTO and a profile for the simulator's own
#              code, scripts/pgo.sh)
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
build() { # dir type [cmake options...]
  local dir=$1 type=$2
  shift 2
  if [ ! -f "$dir/build.ninja" ] || [ $# -gt 0 ]; then
    cmake -S . -B "$dir" -G Ninja -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE="$type" "$@" >/dev/null
  fi
  ninja -C "$dir" -j "$jobs" >/dev/null || ninja -C "$dir" -j 1
}
# The Release build: the host's instruction set, link-time and profile-guided
# optimisation for the simulator's own code, never for tile code
# (docs/architecture.md, "Builds").
# The profile is made once (scripts/pgo.sh); results do not depend on it.
release() {
  local profile=$PWD/build/pgo/tessera.profdata
  [ -f "$profile" ] || scripts/pgo.sh "$profile"
  # The build uses a copy named by the profile's content: a new profile is a
  # new command line, so ninja rebuilds every object with it (the link
  # refuses objects optimised with two different profiles).
  local sum
  sum=$(sha256sum "$profile" | cut -c1-16)
  local used=$PWD/build/pgo/used-$sum.profdata
  if [ ! -f "$used" ]; then
    rm -f "$PWD"/build/pgo/used-*.profdata
    cp "$profile" "$used"
  fi
  build build/release Release -DTESSERA_HOST_V3=ON -DTESSERA_HOST_LTO=ON -DTESSERA_HOST_PGO="$used"
}
case "$what" in
  release) release ;;
  asan) build build/asan Asan ;;
  all) release; build build/asan Asan ;;
  *) echo "usage: scripts/setup.sh [release|asan|all]" >&2; exit 1 ;;
esac
