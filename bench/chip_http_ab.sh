#!/usr/bin/env bash
# bench/chip_http_ab.sh A B [PAIRS] [DURATION_NS]: is tessera binary B faster
# than A on the whole-chip benchmark (chip-http.yaml, as bench/chip_http.sh)?
#
# On a shared VM one run's speed moves by 10-15% and drifts by a third over
# minutes, so two binaries timed one after the other cannot be told apart
# by less than that. This runs PAIRS pairs (default 10) of DURATION_NS
# simulated (default 20 ms), A and B back to back, in turn A-B and B-A, and
# takes the ratio of their rates (simulated requests per host second, set-up
# included) within each pair, so that a drift slower than a pair cancels.
# Prints each pair and the geometric mean of B/A with its 95% interval
# (t distribution over the pairs' log ratios): an interval that holds 1 is
# no difference this many pairs can see. One untimed run of each comes
# first. Each binary simulates its own model: if B changes the simulation,
# its rate counts its own responses. Takes PAIRS x 2 + 2 runs (20 ms: about
# 2 s each on the development VM).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -lt 2 ]; then
  echo "usage: bench/chip_http_ab.sh A B [PAIRS] [DURATION_NS]" >&2
  exit 2
fi
a=$1 b=$2 pairs=${3:-10} dur=${4:-20000000}
for t in "$a" "$b"; do
  if [ ! -x "$t" ]; then
    echo "chip_http_ab.sh: $t is not an executable tessera binary" >&2
    exit 2
  fi
done
if ! [ "$pairs" -ge 2 ] 2>/dev/null; then
  echo "chip_http_ab.sh: PAIRS must be a whole number of at least 2 (got '$pairs')" >&2
  exit 2
fi
if ! [ "$dur" -ge 1000000 ] 2>/dev/null; then
  echo "chip_http_ab.sh: DURATION_NS must be a whole number of at least 1000000 (got '$dur')" >&2
  exit 2
fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
run() { # binary name
  local start end
  start=$(date +%s.%N)
  "$1" run configs/experiments/chip-http.yaml --set experiment.duration_ns="$dur" \
    -o "$out/$2" > "$out/$2.log" 2>&1 || {
    echo "chip_http_ab.sh: $1 failed (log below)" >&2
    cat "$out/$2.log" >&2
    exit 1
  }
  end=$(date +%s.%N)
  echo "$start $end" > "$out/$2.time"
}
# one untimed run of each first: the first run after a build pays for cold
# files and the kernel's first huge pages
run "$a" warm-a && run "$b" warm-b
for i in $(seq "$pairs"); do
  if [ $((i % 2)) = 1 ]; then
    run "$a" "a$i" && run "$b" "b$i"
  else
    run "$b" "b$i" && run "$a" "a$i"
  fi
done
python3 - "$out" "$pairs" "$a" "$b" <<'PY'
import json, math, statistics, sys
out, pairs, a, b = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
def rate(name):
    st = json.load(open(f"{out}/{name}/summary.json"))["stats"]
    start, end = (float(x) for x in open(f"{out}/{name}.time").read().split())
    wall = end - start
    return st["clients"]["responses"] / wall if wall > 0 else float("nan")
logs = []
print(f"A = {a}\nB = {b}")
for i in range(1, pairs + 1):
    ra, rb = rate(f"a{i}"), rate(f"b{i}")
    logs.append(math.log(rb / ra))
    print(f"pair {i:2d}: A {ra:8.0f}  B {rb:8.0f}  simulated requests per host second, B/A {rb / ra:.3f}")
# 97.5% quantiles of Student's t for 1..30 degrees of freedom, then normal
T975 = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179,
        2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064,
        2.060, 2.056, 2.052, 2.048, 2.045, 2.042]
df = pairs - 1
t = T975[df - 1] if df <= len(T975) else 1.960
m = statistics.mean(logs)
half = t * statistics.stdev(logs) / math.sqrt(pairs)
print(f"B/A geometric mean {math.exp(m):.3f}, 95% interval {math.exp(m - half):.3f} .. "
      f"{math.exp(m + half):.3f} over {pairs} pairs"
      + (" (holds 1: no difference seen)" if m - half <= 0 <= m + half else ""))
PY
