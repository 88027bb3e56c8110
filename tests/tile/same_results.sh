#!/usr/bin/env bash
# tests/tile/same_results.sh TESSERA SOURCE_DIR WORK_DIR: simulated addresses
# (and so every result) must not depend on the simulator's own code.
#
# Builds a second tessera from the same sources with other simulator code:
# Release (-O2, no sanitizers) with a padding object linked first
# (tests/tile/perturb_layout.c), so the simulator's code, frames and static
# data all differ from TESSERA's (the suite's ASan build). Tile code is the
# same in both (always -O2, uninstrumented by the sanitizers). Then runs
# experiments that execute tile code with both and compares every result
# (metrics.tsv without the host section).
set -euo pipefail
t1=$1 src=$2 work=$3
mkdir -p "$work"
if [ ! -f "$work/build/build.ninja" ]; then
  cmake -S "$src" -B "$work/build" -G Ninja -DCMAKE_C_COMPILER=clang \
    -DCMAKE_BUILD_TYPE=Release -DTESSERA_PERTURB_LAYOUT=ON >/dev/null
fi
ninja -C "$work/build" tessera >/dev/null
t2=$work/build/tessera
# The two programs must really differ where it matters.
a1=$(nm "$t1" | awk '$3 == "chip_create" { print $1 }')
a2=$(nm "$t2" | awk '$3 == "chip_create" { print $1 }')
if [ -z "$a1" ] || [ "$a1" = "$a2" ]; then
  echo "FAIL: chip_create is at the same address ($a1) in both builds: nothing is perturbed" >&2
  exit 1
fi
fail=0
run() { # name experiment [--set ...]
  local name=$1; shift
  for k in 1 2; do
    local t=t$k
    "${!t}" run "$@" -o "$work/$name.$k" --quiet >/dev/null 2>"$work/$name.$k.err" || true
    grep -v '^host\.' "$work/$name.$k/metrics.tsv" > "$work/$name.$k.tsv"
  done
  if cmp -s "$work/$name.1.tsv" "$work/$name.2.tsv"; then
    echo "same: $name ($(wc -l < "$work/$name.1.tsv") values)"
  else
    echo "FAIL: $name differs between the two builds:" >&2
    diff "$work/$name.1.tsv" "$work/$name.2.tsv" | head -20 >&2
    fail=1
  fi
}
run calib "$src/configs/experiments/tile-calib.yaml"
run echo "$src/configs/experiments/nic-echo.yaml" --set experiment.duration_ns=2000000
run echo-protected "$src/configs/experiments/nic-echo.yaml" --set experiment.duration_ns=2000000 \
  --set chip.protection.mode=protected
# the whole chip: the translation cache's misses follow host addresses, the
# results must not (sim/tile/cov.h)
run chip-http "$src/configs/experiments/chip-http.yaml" --set experiment.duration_ns=300000
run chip-http-protected "$src/configs/experiments/chip-http.yaml" \
  --set experiment.duration_ns=300000 --set chip.protection.mode=protected
exit $fail
