#!/usr/bin/env bash
# bench/chip_http.sh [TESSERA] [DURATION_NS]: the speed of the whole-chip
# kind (issue target: 50,000 simulated HTTP requests per host second on one
# core, at most 512 MB RSS): d12-all with the HTTP server, 8 client hosts x
# 32 connections, keep-alive, 1 KB file, for DURATION_NS simulated
# (default 10 ms) after the set-up. Prints simulated requests per host
# second (all responses of the run / host seconds of the whole run, set-up
# included), host seconds per simulated millisecond and peak RSS.
set -euo pipefail
cd "$(dirname "$0")/.."
tessera=${1:-build/release/tessera}
dur=${2:-10000000}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
/usr/bin/time -f '%e %M' -o "$out/time" "$tessera" run configs/experiments/chip-http.yaml \
  --set experiment.duration_ns="$dur" -o "$out/run" > "$out/log" 2>&1
read -r wall rss < "$out/time"
/usr/bin/python3 - "$out/run/summary.json" "$wall" "$rss" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
st, wall, rss = d["stats"], float(sys.argv[2]), int(sys.argv[3])
resp = st["clients"]["responses"]
sim_ms = st["sim_time_ns"] / 1e6
print(f"chip-http d12-all: {resp} responses in {sim_ms:.3f} ms simulated "
      f"(set-up {st['setup_ns'] / 1e6:.3f} ms), {st['requests_per_s']:.0f} requests/s simulated")
print(f"host: {wall:.2f} s, {resp / wall:.0f} simulated requests per host second, "
      f"{wall / sim_ms:.3f} host s per simulated ms, peak RSS {rss / 1024:.0f} MB")
PY
