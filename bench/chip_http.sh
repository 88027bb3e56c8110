#!/usr/bin/env bash
# bench/chip_http.sh [TESSERA] [DURATION_NS]: the speed of the whole-chip
# kind (issue target: 50,000 simulated HTTP requests per host second on one
# core, at most 512 MB RSS): d12-all with the HTTP server, 8 client hosts x
# 32 connections, keep-alive, 1 KB file, for DURATION_NS simulated
# (default 100 ms) after the set-up. Prints simulated requests per host
# second over the whole run (all responses / host seconds, set-up
# included), the steady rate (the same run minus one stopped 2 ms after the
# clients start: set-up and warm-up left out, the figure a long run tends
# to), host seconds per simulated millisecond and peak RSS.
# Wall-clock times on a shared VM vary by 10% or more from run to run:
# bench/chip_http_cost.sh counts host instructions instead, exactly.
set -euo pipefail
cd "$(dirname "$0")/.."
tessera=${1:-build/release/tessera}
dur=${2:-100000000}
short=2000000
if [ "$dur" -le "$short" ]; then
  echo "chip_http.sh: DURATION_NS must exceed $short (the short run the steady rate subtracts)" >&2
  exit 2
fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
run() { # name duration
  /usr/bin/time -f '%e %M' -o "$out/$1.time" "$tessera" run configs/experiments/chip-http.yaml \
    --set experiment.duration_ns="$2" -o "$out/$1" > "$out/$1.log" 2>&1
}
run short "$short"
run long "$dur"
/usr/bin/python3 - "$out" <<'PY'
import json, sys
out = sys.argv[1]
def load(name):
    st = json.load(open(f"{out}/{name}/summary.json"))["stats"]
    wall, rss = open(f"{out}/{name}.time").read().split()
    return st, float(wall), int(rss)
st, wall, rss = load("long")
sst, swall, _ = load("short")
resp = st["clients"]["responses"]
sim_ms = st["sim_time_ns"] / 1e6
print(f"chip-http d12-all: {resp} responses in {sim_ms:.3f} ms simulated "
      f"(set-up {st['setup_ns'] / 1e6:.3f} ms), {st['requests_per_s']:.0f} requests/s simulated")
steady = (resp - sst["clients"]["responses"]) / (wall - swall) if wall > swall else float("nan")
print(f"host: {wall:.2f} s, {resp / wall:.0f} simulated requests per host second "
      f"({steady:.0f} steady), {wall / sim_ms:.3f} host s per simulated ms, "
      f"peak RSS {rss / 1024:.0f} MB")
PY
