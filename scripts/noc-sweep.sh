#!/bin/sh
# scripts/noc-sweep.sh: latency vs offered load of a noc-synthetic experiment,
# one command. Runs `tessera run CONFIG --set noc.traffic.injection_rate=R`
# for each rate into OUTDIR/rate-R/, then gathers OUTDIR/latency.csv
# (offered, accepted, mean, p50, p99 packet latency in cycles, saturated) and,
# if gnuplot is installed, draws OUTDIR/latency.png (scripts/noc-latency.gp).
#
#   scripts/noc-sweep.sh [-j JOBS] [--tessera PATH] CONFIG OUTDIR [RATE ...]
#   scripts/noc-sweep.sh configs/experiments/noc-booksim.yaml out/booksim
#
# Default rates: 0.02 0.05 0.10 0.15 0.18 0.20 0.22 0.24 0.26 0.28 0.30 0.35 0.40.
# A point whose summary.json exists is not run again (delete it to redo).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
tessera="$here/../build/release/tessera"
jobs=1
while [ $# -gt 0 ]; do
    case "$1" in
    -j) jobs="$2"; shift 2 ;;
    --tessera) tessera="$2"; shift 2 ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) break ;;
    esac
done
if [ $# -lt 2 ]; then
    echo "usage: scripts/noc-sweep.sh [-j JOBS] [--tessera PATH] CONFIG OUTDIR [RATE ...]" >&2
    exit 1
fi
config="$1"
out="$2"
shift 2
rates="$*"
[ -n "$rates" ] || rates="0.02 0.05 0.10 0.15 0.18 0.20 0.22 0.24 0.26 0.28 0.30 0.35 0.40"
if [ ! -x "$tessera" ]; then
    echo "noc-sweep: $tessera not found; build it (scripts/setup.sh) or pass --tessera" >&2
    exit 1
fi
[ -f "$config" ] || { echo "noc-sweep: no such config: $config" >&2; exit 1; }
mkdir -p "$out"

run_point() {
    r="$1"
    dir="$out/rate-$r"
    [ -f "$dir/summary.json" ] && return 0
    # exit code 4 (deadlock) still leaves a summary; anything else is reported
    "$tessera" run "$config" --quiet --set "noc.traffic.injection_rate=$r" -o "$dir" \
        >"$out/rate-$r.log" 2>&1 || {
        rc=$?
        [ "$rc" -eq 4 ] || echo "noc-sweep: rate $r failed (exit $rc), see $out/rate-$r.log" >&2
    }
}

n=0
for r in $rates; do
    run_point "$r" &
    n=$((n + 1))
    if [ "$n" -ge "$jobs" ]; then
        wait
        n=0
    fi
done
wait

# Pull the numbers out of the "stats" object of each summary.json.
csv="$out/latency.csv"
echo "offered,accepted,latency_mean,latency_p50,latency_p99,saturated" >"$csv"
for r in $rates; do
    f="$out/rate-$r/summary.json"
    [ -f "$f" ] || continue
    awk '
        /"stats": \{/ { in_stats = 1 }
        in_stats && /"offered_flits_per_node_cycle"/ { gsub(/[",]/, "", $2); off = $2 }
        in_stats && /"accepted_flits_per_node_cycle"/ { gsub(/[",]/, "", $2); acc = $2 }
        in_stats && /"packet_latency_cycles"/ { in_lat = 1 }
        in_lat && /"mean"/ { gsub(/[",]/, "", $2); mean = $2 }
        in_lat && /"p50"/ { gsub(/[",]/, "", $2); p50 = $2 }
        in_lat && /"p99"/ { gsub(/[",]/, "", $2); p99 = $2; in_lat = 0 }
        in_stats && /"saturated"/ { gsub(/[",]/, "", $2); sat = ($2 == "true") ? 1 : 0 }
        END { if (off != "") printf "%s,%s,%s,%s,%s,%d\n", off, acc, mean, p50, p99, sat }
    ' "$f" >>"$csv"
done
echo "noc-sweep: wrote $csv"
if command -v gnuplot >/dev/null 2>&1; then
    gnuplot -e "dir='$out'" "$here/noc-latency.gp" && echo "noc-sweep: wrote $out/latency.png"
fi
