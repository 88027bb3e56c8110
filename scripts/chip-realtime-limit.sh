#!/bin/bash
# The largest request rate a real client drives into the simulated chip
# before the simulation falls behind the wall clock (issue 16, docs/chip.md
# "Real clients"). For each concurrency, tests/linux/real_chip.sh's `ab`
# case runs chip-http (d12-all) bridged to a TAP device and paced to the
# wall clock, and `ab -k -c C -t T` fetches its 1 KB file (closed loop);
# with --rates, its `rate` case sends each rate open loop instead
# (tests/linux/http_rate.py: pipelined over 4 connections, so the rate does
# not fall when the chip lags). The chip reports how far behind the wall
# clock it fell. A run keeps up when that lag stays
# under --lag-ms (default 50: the pacing's own jitter is about 10 ms; a
# chip that cannot keep up falls behind by seconds). Prints a Markdown
# table and the bracket. Real time: not deterministic, and the machine
# must be otherwise idle. Run as root with the Release build.
#
#   scripts/chip-realtime-limit.sh [--tessera BIN] [--conc "1 2 4 8" | --rates "5000 10000"]
#                                  [--seconds T] [--lag-ms L]
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
TESSERA=$ROOT/build/release/tessera
CONC="1 2 3 4 6 8"
SECONDS_AB=6
LAG_MS=50
RATES=""
while [ $# -gt 0 ]; do
    case $1 in
    --tessera) TESSERA=$2; shift 2 ;;
    --conc) CONC=$2; shift 2 ;;
    --rates) RATES=$2; shift 2 ;;
    --seconds) SECONDS_AB=$2; shift 2 ;;
    --lag-ms) LAG_MS=$2; shift 2 ;;
    *) echo "usage: $0 [--tessera BIN] [--conc \"1 2 4\" | --rates \"5000 10000\"] [--seconds T] [--lag-ms L]" >&2; exit 2 ;;
    esac
done
[ -x "$TESSERA" ] || { echo "chip-realtime-limit: $TESSERA: not an executable (build the Release build)" >&2; exit 2; }
LOADS=$CONC CASE=ab
[ -n "$RATES" ] && LOADS=$RATES CASE=rate
for c in $LOADS; do
    case $c in '' | *[!0-9]* | 0) echo "chip-realtime-limit: \"$c\" is not a positive integer" >&2; exit 2 ;; esac
done

if [ $CASE = ab ]; then
    echo "| ab -c | requests/s | failed | chip behind at most (ms) | late pacing points |"
else
    echo "| offered/s | sent/s (late sends) | answered, failed | chip behind at most (ms) | late pacing points |"
fi
echo "|---|---|---|---|---|"
best="" worst=""
for c in $LOADS; do
    out=$(AB_C=$c RATE=$c AB_T=$SECONDS_AB bash "$ROOT/tests/linux/real_chip.sh" "$TESSERA" "$ROOT" Release $CASE 2>&1)
    rc=$?
    if [ $rc = 77 ]; then echo "chip-realtime-limit: skipped: $(echo "$out" | tail -1)" >&2; exit 77; fi
    if [ $rc != 0 ]; then echo "chip-realtime-limit: -c $c failed:" >&2; echo "$out" | tail -5 >&2; exit 1; fi
    lag=$(echo "$out" | sed -n 's/.*by at most \([0-9.]*\) ms$/\1/p')
    late=$(echo "$out" | sed -n 's/.*behind the wall clock at \([0-9]* of [0-9]*\) pacing.*/\1/p')
    if [ $CASE = ab ]; then
        rps=$(echo "$out" | sed -n 's/^ab -c [0-9]* -t [0-9]*: \([0-9.]*\) requests\/s.*/\1/p')
        failed=$(echo "$out" | sed -n 's/.*complete, \([0-9]*\) failed$/\1/p')
        echo "| $c | $rps | $failed | $lag | $late |"
    else
        line=$(echo "$out" | grep '^sent ')
        rps=$(echo "$line" | sed -n 's/^sent [0-9]* (\([0-9]*\)\/s).*/\1/p')
        sent_late=$(echo "$line" | sed -n 's/.*late \([0-9]*\)$/\1/p')
        ans=$(echo "$line" | sed -n 's/.*answered \([0-9]*\), failed \([0-9]*\).*/\1, \2/p')
        echo "| $c | $rps ($sent_late) | $ans | $lag | $late |"
    fi
    if awk -v l="$lag" -v m="$LAG_MS" 'BEGIN { exit !(l < m) }'; then
        best="$rps/s ($CASE $c)"
    elif [ -z "$worst" ]; then
        worst="$rps/s ($CASE $c, behind by $lag ms)"
    fi
done
echo
echo "keeps up (behind < $LAG_MS ms) at most: ${best:-none}; first that falls behind: ${worst:-none}"
