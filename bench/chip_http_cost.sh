#!/usr/bin/env bash
# bench/chip_http_cost.sh [BUILD_DIR]: where the host's work per simulated
# HTTP request goes, counted. Wall-clock times on a shared machine vary by
# 10% or more from run to run; host instructions do not: the same binary
# and config give the same counts to within one instruction per request
# (address randomisation off; only the temporary folder's name differs), so
# a change of a few percent in the simulator's own cost shows.
#
# Builds the simulator into BUILD_DIR (default build/cost: Release, with
# DWARF 4 debug information, which valgrind 3.19 reads; the simulated
# results are those of build/release), runs chip-http.yaml (d12-all,
# 8 x 32 connections, 1 KB file) under valgrind's callgrind for 3 ms and
# for 6 ms simulated, and prints the difference divided by the requests
# answered in between: host instructions per simulated request in the
# steady state (set-up and warm-up cancel out), in total and by component
# (bench/chip_cost.py). Takes about a minute on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build/cost}
if [ ! -f "$build/build.ninja" ]; then
  cmake -S . -B "$build" -G Ninja -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_C_FLAGS=-gdwarf-4 > /dev/null
fi
ninja -C "$build" tessera > /dev/null
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for ms in 3 6; do
  # setarch -R: tessera turns address randomisation off by re-executing
  # itself, which valgrind cannot follow; this starts it that way instead.
  setarch "$(uname -m)" -R valgrind --tool=callgrind --callgrind-out-file="$out/cg$ms.out" \
    "$build/tessera" run configs/experiments/chip-http.yaml \
    --set experiment.duration_ns="${ms}000000" -o "$out/run$ms" > "$out/log$ms" 2>&1 &
done
wait
for ms in 3 6; do
  [ -f "$out/run$ms/summary.json" ] || { cat "$out/log$ms" >&2; exit 1; }
  callgrind_annotate --threshold=100 "$out/cg$ms.out" > "$out/fn$ms.txt"
done
python3 bench/chip_cost.py "$out/fn3.txt" "$out/run3/summary.json" \
  "$out/fn6.txt" "$out/run6/summary.json"
