#!/bin/bash
# Real clients into the simulated chip (clients.tap, docs/chip.md "Real
# clients"): the chip's port 0 is bridged to a TAP device in a private
# network namespace and the simulation is paced to the wall clock; Linux
# (10.0.0.11) talks to the chip (10.0.0.1) with real programs.
# Usage: real_chip.sh TESSERA ROOT BUILD_TYPE CASE
#   CASE: http      curl fetches /f0.bin (1 KB) twice on one connection
#                   (keep-alive) from the HTTP server on the application
#                   tiles of d12-all, every byte compared with the file's
#                   pattern, and /nope answers 404 "Not Found"
#         memcached memccapable -a passes against the memcached store on
#                   the application tiles of d12-all
#         ab        a measurement, not a test (scripts/chip-realtime-limit.sh):
#                   ab -k -c $AB_C (default 1) -t $AB_T (default 6) fetches
#                   /f0.bin from d12-all for AB_T s; prints ab's requests/s
#                   and failures and the chip's real-time line
#         rate      likewise, open loop: tests/linux/http_rate.py sends $RATE
#                   requests/s (pipelined over 4 connections) for $AB_T s
# Then the run must end by itself (its duration) with exit 0 and report its
# real-time pacing. Real-time runs are not deterministic; the rates here are
# far below what the simulation keeps up with. Release build only (exit 77,
# CTest's skip, in other builds: an ASan chip is slow enough to fall far
# behind the wall clock); also 77 without root, TAP or the client program.
# The namespace and the temp dir are deleted on exit.
set -u
TESSERA=$1
ROOT=$2
BUILD=$3
CASE=$4
NS=tsc$$
WORK=$(mktemp -d /tmp/tessera-chip.XXXXXX)
TPID=
skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*"; [ -f "$WORK/run.log" ] && tail -20 "$WORK/run.log"; exit 1; }
cleanup() {
    [ -n "$TPID" ] && kill "$TPID" 2>/dev/null
    ip netns pids "$NS" 2>/dev/null | xargs -r kill 2>/dev/null
    ip netns del "$NS" 2>/dev/null
    rm -rf "$WORK"
}
trap cleanup EXIT

[ "$BUILD" = Release ] || skip "real-time runs need the Release build (this is $BUILD)"
[ "$(id -u)" = 0 ] || skip "needs root to create a network namespace"
[ -c /dev/net/tun ] || skip "/dev/net/tun missing"
# Waits (up to about 10 s) for the chip's HTTP server to answer.
wait_http_up() {
    local code
    for _ in $(seq 40); do
        code=$(X curl -s -m 1 -o /dev/null -w '%{http_code}' http://10.0.0.1/f0.bin)
        [ "$code" = 200 ] && return 0
        sleep 0.25
    done
    fail "the chip's HTTP server did not answer"
}

case $CASE in
http) command -v curl >/dev/null 2>&1 || skip "curl not installed" ;;
memcached) command -v memccapable >/dev/null 2>&1 || skip "memccapable not installed (libmemcached-tools, scripts/packages/stack.txt)" ;;
ab) command -v ab >/dev/null 2>&1 || skip "ab not installed (apache2-utils)" ;;
rate) [ -x /usr/bin/python3 ] || skip "/usr/bin/python3 missing" ;;
*) echo "unknown case $CASE"; exit 2 ;;
esac

ip netns add "$NS" 2>"$WORK/err" || skip "network namespaces are unavailable (ip netns add: $(cat "$WORK/err"))"
X() { ip netns exec "$NS" "$@"; }
X ip link set lo up
X ip tuntap add dev tap0 mode tap 2>"$WORK/err" || skip "no TAP device in a namespace ($(cat "$WORK/err"))"
X sysctl -qw net.ipv6.conf.tap0.disable_ipv6=1 2>/dev/null
X ip addr add 10.0.0.11/24 dev tap0
X ip link set tap0 up
MAC=$(X cat /sys/class/net/tap0/address)
# the chip's stacks know Linux statically (clients.tap_peer_*); Linux the chip
X ip neigh replace 10.0.0.1 lladdr 02:00:00:00:00:01 dev tap0 nud permanent

# The chip in the namespace (it opens tap0 there), 8 s of simulated time.
start_chip() { # experiment, overrides...
    local exp=$1; shift
    local args=()
    for s in "$@"; do args+=(--set "$s"); done
    X "$TESSERA" run "$ROOT/configs/experiments/$exp" --set clients.tap=tap0 \
        --set "clients.tap_peer_mac=$MAC" --set experiment.duration_ns=8000000000 \
        --set experiment.warmup_ns=0 "${args[@]}" -o "$WORK/out" >"$WORK/run.log" 2>&1 &
    TPID=$!
}
# The run ends by itself (within $1 s of wall time, default 60); its exit
# code and its real-time line.
finish_chip() {
    local secs=${1:-60}
    for _ in $(seq $((secs * 4))); do kill -0 "$TPID" 2>/dev/null || break; sleep 0.25; done
    kill -0 "$TPID" 2>/dev/null && fail "the run did not end within $secs s of wall time"
    wait "$TPID"; local rc=$?
    TPID=
    [ "$rc" = 0 ] || fail "tessera exited $rc"
    grep -q "^real time (TAP tap0, not deterministic)" "$WORK/run.log" || fail "no real-time summary"
    grep "^real time" "$WORK/run.log"
}

case $CASE in
http)
    start_chip chip-http.yaml
    wait_http_up
    X curl -sv -m 5 -o "$WORK/a.bin" http://10.0.0.1/f0.bin -o "$WORK/b.bin" \
        http://10.0.0.1/f0.bin 2>"$WORK/curl.err" || fail "curl"
    grep -q "Re-using existing connection" "$WORK/curl.err" || fail "the second fetch opened a new connection"
    /usr/bin/python3 - "$WORK/a.bin" "$WORK/b.bin" <<'PY' || fail "the body differs from the file"
import sys
want = bytes(((((o + 1) * 0x9e3779b97f4a7c15) & (2**64 - 1)) ^ 0xc2b2ae3d27d4eb4f) >> 56
             for o in range(1024))
for p in sys.argv[1:]:
    got = open(p, "rb").read()
    if got != want:
        sys.exit(f"{p}: {len(got)} bytes, differs from the file's pattern")
PY
    body=$(X curl -s -m 5 -w ' %{http_code}' http://10.0.0.1/nope)
    [ "$body" = "Not Found
 404" ] || fail "/nope answered '$body'"
    echo "curl: /f0.bin twice on one connection, 1024 bytes each, intact; /nope 404 Not Found"
    finish_chip
    ;;
memcached)
    start_chip chip-memcached.yaml workload.mcd_records=1000 workload.mcd_memory_mb=16 \
        chip.tile.heap_bytes=67108864
    sleep 2
    X timeout 60 memccapable -h 10.0.0.1 -p 11211 -a >"$WORK/capable.out" 2>&1
    tail -3 "$WORK/capable.out"
    grep -q "All tests passed" "$WORK/capable.out" || fail "memccapable -a against the chip"
    finish_chip
    ;;
ab | rate)
    c=${AB_C:-1}
    t=${AB_T:-6}
    # simulated time: the run's start-up, the wait for the server, ab's t
    # seconds and a margin (the run must outlast ab even when behind)
    start_chip chip-http.yaml experiment.duration_ns=$(((t + 15) * 1000000000))
    wait_http_up
    if [ "$CASE" = ab ]; then
        X ab -k -c "$c" -t "$t" -s 5 http://10.0.0.1/f0.bin >"$WORK/ab.out" 2>&1 || fail "ab: $(tail -2 "$WORK/ab.out")"
        echo "ab -c $c -t $t: $(grep -E '^Requests per second' "$WORK/ab.out" | awk '{print $4}') requests/s," \
            "$(grep -E '^Complete requests' "$WORK/ab.out" | awk '{print $3}') complete," \
            "$(grep -E '^Failed requests' "$WORK/ab.out" | awk '{print $3}') failed"
    else
        X timeout $((t + 30)) /usr/bin/python3 "$ROOT/tests/linux/http_rate.py" 10.0.0.1 80 /f0.bin \
            "${RATE:-1000}" "$t" || fail "http_rate.py"
    fi
    finish_chip 110 # (a run behind the wall clock takes longer)
    ;;
esac
echo "PASS: $CASE"
