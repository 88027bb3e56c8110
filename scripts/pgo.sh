#!/usr/bin/env bash
# scripts/pgo.sh [PROFILE]: make the profile that build/release is optimised
# with (profile-guided optimisation of the simulator's own code; default
# PROFILE build/pgo/tessera.profdata). scripts/setup.sh calls it when the
# profile is missing; run it by hand after large changes to the simulator, then
# `scripts/setup.sh release` rebuilds with the new profile.
#
# How: builds `tessera` with counters in (build/pgo/gen, TESSERA_HOST_PGO=
# generate), runs every shipped experiment once (with the build, about 20 s
# on 2 cores), and merges the counts with llvm-profdata. Only the simulator's own code uses the profile: tile
# code is never built with it (its machine code is what the simulation
# charges), so results are byte-identical with or without it; only host
# time changes (docs/architecture.md, "Builds").
set -euo pipefail
cd "$(dirname "$0")/.."
profile=${1:-build/pgo/tessera.profdata}
gen=build/pgo/gen
mkdir -p "$(dirname "$profile")"
cmake -S . -B "$gen" -G Ninja -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=Release \
  -DTESSERA_HOST_PGO=generate -DTESSERA_HOST_LTO=OFF -DTESSERA_HOST_V3=ON > /dev/null
ninja -C "$gen" -j "$(nproc 2>/dev/null || echo 2)" tessera > /dev/null
raw=$(mktemp -d)
trap 'rm -rf "$raw"' EXIT
for exp in configs/experiments/*.yaml; do
  name=$(basename "$exp" .yaml)
  # (some experiments end in a deadlock on purpose: their exit status is not
  # this script's concern, their counts are)
  LLVM_PROFILE_FILE="$raw/$name-%p.profraw" "$gen/tessera" run "$exp" -o "$raw/out-$name" \
    > "$raw/$name.log" 2>&1 || true
done
ls "$raw"/*.profraw > /dev/null 2>&1 || {
  echo "pgo.sh: the training runs wrote no profile (logs: $raw/*.log)" >&2
  trap - EXIT
  exit 1
}
llvm-profdata merge -o "$profile.tmp" "$raw"/*.profraw
mv "$profile.tmp" "$profile"
echo "pgo.sh: $profile from $(ls "$raw"/*.profraw | wc -l) training runs" >&2
