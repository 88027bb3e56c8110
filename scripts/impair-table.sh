#!/usr/bin/env bash
# scripts/impair-table.sh: how the stack recovers from loss, delay,
# duplication and reordering next to Linux, through the same impairments
# (nic/host/impair.h; docs/impairments.md). Run as root; builds nothing.
#
#   scripts/impair-table.sh [--host BIN] [--relay BIN] [--cases a,b,...]
#       [--case NAME=SPEC]... [--size BYTES] [--cap S] [--seed N] [--runs N]
#       [--stack-flags "..."]
#
# Cases: loss1, rtt20, dup5, reorder25, mix, loss10 (all by default); --case
# adds one of its own (then only those named with --case or --cases run).
# Per case and run, a file of SIZE bytes is downloaded with curl
#   - from tessera-host (--http DIR, --impair SPEC, both directions) on a TAP
#     device in namespace T (curl on the Linux side, 10.0.0.1 -> 10.0.0.2);
#   - from Debian's nginx (sendfile on) in namespace S behind tessera-relay
#     (--impair SPEC, both directions), curl in namespace C
#     (tapA 10.0.0.1 <-> relay <-> tapB 10.0.0.2).
# Both use the impairment seed SEED+run-1, so run r of both draws the same
# decisions for the n-th frame of each direction. Every download is checked
# byte for byte; a run past --cap seconds counts as ">cap" with the bytes
# it got. Prints a Markdown table to stdout (median and min..max over the
# runs), and one line per run to stderr: where the time went (connect, first
# byte, total), the stack's recovery counters and the impairments' counts.
# Exit 0 when every download was intact or capped, 1 when one came back
# short or corrupted (or the set-up failed), 2 for a bad command line.
# Talks only to addresses inside the namespaces it makes; deletes them, its
# temp dir and its processes on exit.
set -u
cd "$(dirname "$0")/.." || exit 1

HOST_BIN=build/release/nic/host/tessera-host
RELAY_BIN=build/release/nic/host/tessera-relay
CASES=
declare -A CUSTOM=()
CUSTOM_LIST=
SIZE=67108864
CAP=120
SEED=1
RUNS=1
STACK_FLAGS=

usage() {
    sed -n '2,/^set -u/p' "$0" | sed -e '/^set -u/d' -e 's/^# \{0,1\}//' >&2
    exit 2
}
die() { echo "impair-table: $*" >&2; exit 1; }
num() { [[ $2 =~ ^[0-9]+$ ]] && [ "$2" -ge "${3:-0}" ] || { echo "impair-table: $1 $2: expected a whole number >= ${3:-0}" >&2; exit 2; }; }

pos=0
while [ $# -gt 0 ]; do
    case $1 in
    --host) HOST_BIN=${2:?--host: expected a path}; shift ;;
    --relay) RELAY_BIN=${2:?--relay: expected a path}; shift ;;
    --cases) CASES=${2:?--cases: expected a,b,...}; shift ;;
    --case)
        [[ ${2:-} =~ ^([A-Za-z0-9_-]+)=(.*)$ ]] || { echo "impair-table: --case ${2:-}: expected NAME=SPEC" >&2; exit 2; }
        CUSTOM[${BASH_REMATCH[1]}]=${BASH_REMATCH[2]}
        CUSTOM_LIST+=${CUSTOM_LIST:+,}${BASH_REMATCH[1]}
        shift ;;
    --size) num --size "${2:-}" 1; SIZE=$2; shift ;;
    --cap) num --cap "${2:-}" 1; CAP=$2; shift ;;
    --seed) num --seed "${2:-}"; SEED=$2; shift ;;
    --runs) num --runs "${2:-}" 1; RUNS=$2; shift ;;
    --stack-flags) STACK_FLAGS=${2?--stack-flags: expected a string}; shift ;;
    -h | --help) usage ;;
    -*) echo "impair-table: unknown option $1" >&2; usage ;;
    *) case $pos in 0) HOST_BIN=$1 ;; 1) RELAY_BIN=$1 ;; *) usage ;; esac; pos=$((pos + 1)) ;;
    esac
    shift
done

spec_of() {
    [ -n "${CUSTOM[$1]+x}" ] && { echo "${CUSTOM[$1]}"; return 0; }
    case $1 in
    loss1) echo "loss=0.01" ;;
    rtt20) echo "delay=10ms" ;;
    dup5) echo "dup=0.05" ;;
    reorder25) echo "reorder=0.25" ;;
    mix) echo "loss=0.01,delay=10ms,jitter=3ms,reorder=0.10,dup=0.01" ;;
    loss10) echo "loss=0.10" ;;
    *) return 1 ;;
    esac
}
if [ -z "$CASES" ]; then
    CASES=${CUSTOM_LIST:-loss1,rtt20,dup5,reorder25,mix,loss10}
elif [ -n "$CUSTOM_LIST" ]; then
    CASES+=,$CUSTOM_LIST
fi
IFS=, read -ra CASE_LIST <<<"$CASES"
for c in "${CASE_LIST[@]}"; do
    spec_of "$c" >/dev/null || {
        echo "impair-table: --cases: unknown case \"$c\" (expected loss1, rtt20, dup5, reorder25, mix, loss10 or a NAME given with --case)" >&2
        exit 2
    }
done
read -ra SFLAGS <<<"$STACK_FLAGS"

[ "$(id -u)" = 0 ] || die "needs root (network namespaces, TAP devices)"
[ -x "$HOST_BIN" ] || die "tessera-host not found at $HOST_BIN (build it: cmake --build build/release)"
[ -x "$RELAY_BIN" ] || die "tessera-relay not found at $RELAY_BIN (build it: cmake --build build/release)"
for c in ip curl nginx nstat cmp; do
    command -v $c >/dev/null 2>&1 || die "$c not installed (scripts/packages/stack.txt)"
done

P=tit$$
NT=${P}t NR=${P}r NC=${P}c NS=${P}s
WORK=$(mktemp -d /tmp/impair-table.XXXXXX)
PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
    sleep 0.3
    for n in $NT $NR $NC $NS; do ip netns del "$n" 2>/dev/null; done
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
XT() { ip netns exec "$NT" "$@"; }
XR() { ip netns exec "$NR" "$@"; }
XC() { ip netns exec "$NC" "$@"; }
XS() { ip netns exec "$NS" "$@"; }

for n in $NT $NR $NC $NS; do
    ip netns add "$n" || die "ip netns add $n failed"
    ip netns exec "$n" ip link set lo up
    # no cached ssthresh or RTT from the previous run
    ip netns exec "$n" sysctl -qw net.ipv4.tcp_no_metrics_save=1
done
XT ip tuntap add dev tap0 mode tap || die "cannot create a TAP device"
XT sysctl -qw net.ipv6.conf.tap0.disable_ipv6=1
XT ip addr add 10.0.0.1/24 dev tap0
XT ip link set tap0 up

mkdir "$WORK/www"
head -c "$SIZE" /dev/urandom >"$WORK/www/file.bin"
cat >"$WORK/nginx.conf" <<NGX
daemon off;
master_process off;
worker_processes 1;
pid $WORK/nginx.pid;
error_log $WORK/nginx.err;
events { worker_connections 256; }
http {
    access_log off;
    sendfile on;
    keepalive_timeout 75s;
    client_body_temp_path $WORK/body;
    proxy_temp_path $WORK/proxy;
    fastcgi_temp_path $WORK/fcgi;
    uwsgi_temp_path $WORK/uwsgi;
    scgi_temp_path $WORK/scgi;
    server { listen 10.0.0.2:80; root $WORK/www; }
}
NGX

# Starts "$@" in namespace $1 in the background; its own pid into $SPID
# (ip netns exec forks: the pid comes through a shell).
start_in() {
    local ns=$1 log=$2
    shift 2
    rm -f "$WORK/pid"
    ip netns exec "$ns" sh -c 'echo $$ >"$0"; exec "$@"' "$WORK/pid" "$@" >"$log" 2>&1 &
    for _ in $(seq 50); do [ -s "$WORK/pid" ] && break; sleep 0.02; done
    SPID=$(cat "$WORK/pid")
    PIDS+=("$SPID")
}
# Stops pid $1 (SIGTERM) and waits for it to go.
stop_pid() {
    kill -TERM "$1" 2>/dev/null
    for _ in $(seq 100); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.05; done
    kill -KILL "$1" 2>/dev/null
}
# Waits until the log $1 has the line $2 (5 s at most).
wait_for() {
    for _ in $(seq 100); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.05; done
    return 1
}
# One download by curl in namespace $1: sets GOT (bytes), SECS (total, or
# ">cap"), OK (intact|capped|CORRUPT|failed), TIMES (connect, first byte).
download() {
    local out
    rm -f "$WORK/got"
    out=$(ip netns exec "$1" curl -sS --max-time "$CAP" -o "$WORK/got" \
        -w '%{size_download} %{time_connect} %{time_starttransfer} %{time_total}' \
        http://10.0.0.2/file.bin 2>"$WORK/curl.err")
    local rc=$?
    read -r GOT tconn tfirst SECS <<<"$out"
    GOT=${GOT:-0}
    TIMES="connect ${tconn:-?} s, first byte ${tfirst:-?} s"
    if [ $rc = 28 ]; then
        SECS=">cap"
        OK=capped
    elif [ $rc != 0 ]; then
        SECS=failed
        OK="failed (curl $rc: $(head -c 200 "$WORK/curl.err"))"
    elif cmp -s "$WORK/got" "$WORK/www/file.bin"; then
        OK=intact
    else
        OK=CORRUPT
        SECS=corrupt
    fi
    rm -f "$WORK/got"
}
# "name value" lines of counters in log $1 whose names match $2 (regex).
counter() { sed -n "s/^$2 \([0-9]*\)$/\1/p" "$1" | head -1; }

# What the impairment of each direction $2... did, from the counters in log $1.
impair_summary() {
    local log=$1 d
    shift
    for d in "$@"; do
        printf ' %s: lost %s dup %s reord %s overtaken %s of %s;' "$d" \
            "$(counter "$log" "impair\.$d\.lost")" "$(counter "$log" "impair\.$d\.duplicated")" \
            "$(counter "$log" "impair\.$d\.reordered")" "$(counter "$log" "impair\.$d\.overtaken")" \
            "$(counter "$log" "impair\.$d\.submitted")"
    done
}
# Records the run of the last download: case $1, stack $2, run $3, counters
# $4 (" name=value..."), the impairment's summary $5; a line to stderr.
record() {
    echo "$1 $2 $3 $SECS $GOT$4" >>"$WORK/results"
    case $OK in intact | capped) ;; *) BAD=1 ;; esac
    echo "[$1 run $3] $2: $OK, $GOT bytes, $TIMES, total $SECS s;$4; $5" >&2
}

# Results: one line a run in $WORK/results:
#   case stack run seconds bytes counters...   (counters as name=value)
: >"$WORK/results"

run_tessera() { # case spec seed run
    local log="$WORK/host-$1-$4.log"
    start_in "$NT" "$log" "$HOST_BIN" --tap tap0 --ip 10.0.0.2 --http "$WORK/www" \
        --impair "$2" --impair-seed "$3" "${SFLAGS[@]}"
    local hpid=$SPID
    wait_for "$log" "port 80" || { cat "$log" >&2; die "tessera-host did not start"; }
    XT ip neigh flush dev tap0
    download "$NT"
    stop_pid "$hpid"
    local ctrs="" n v
    for n in tcp_retransmits tcp_fast_retransmits tcp_rto_fired; do
        v=$(counter "$log" "stk\.$n")
        ctrs+=" $n=${v:-0}"
    done
    while read -r n v; do ctrs+=" ${n#stk.}=$v"; done < <(grep -E '^stk\.tcp_(sack_recovery|spurious_undo|tlp_probes|lost_retransmit|reo_timeouts|dsack_rx|paws_drop)' "$log")
    record "$1" tessera "$4" "$ctrs" "impair$(impair_summary "$log" out in)"
}

run_linux() { # case spec seed run
    local log="$WORK/relay-$1-$4.log"
    XR ip tuntap add dev tapA mode tap || die "cannot create a TAP device"
    XR ip tuntap add dev tapB mode tap
    start_in "$NR" "$log" "$RELAY_BIN" --tap-a tapA --tap-b tapB --impair "$2" --impair-seed "$3"
    local rpid=$SPID
    wait_for "$log" "tessera-relay: tapA" || { cat "$log" >&2; die "tessera-relay did not start"; }
    # the relay keeps its descriptors while the devices move
    XR ip link set tapA netns "$NC"
    XR ip link set tapB netns "$NS"
    XC sysctl -qw net.ipv6.conf.tapA.disable_ipv6=1
    XS sysctl -qw net.ipv6.conf.tapB.disable_ipv6=1
    XC ip addr add 10.0.0.1/24 dev tapA
    XS ip addr add 10.0.0.2/24 dev tapB
    XC ip link set tapA up
    XS ip link set tapB up
    start_in "$NS" "$WORK/nginx.log" nginx -c "$WORK/nginx.conf" -e "$WORK/nginx.err"
    local npid=$SPID
    for _ in $(seq 100); do XS ss -ltnH 2>/dev/null | grep -q "10.0.0.2:80" && break; sleep 0.05; done
    local before after
    before=$(XS nstat -asz 2>/dev/null)
    download "$NC"
    after=$(XS nstat -asz 2>/dev/null)
    stop_pid "$npid"
    stop_pid "$rpid"
    XC ip link del tapA 2>/dev/null
    XS ip link del tapB 2>/dev/null
    local ctrs="" n b a
    for n in TcpRetransSegs TcpExtTCPLostRetransmit; do
        b=$(awk -v n="$n" '$1 == n {print $2}' <<<"$before")
        a=$(awk -v n="$n" '$1 == n {print $2}' <<<"$after")
        [ -n "$a" ] && ctrs+=" $n=$((a - ${b:-0}))"
    done
    record "$1" linux "$4" "$ctrs" "relay$(impair_summary "$log" a2b b2a)"
}

BAD=0
echo "impair-table: $SIZE bytes, cap $CAP s, seed $SEED, $RUNS run(s), cases ${CASE_LIST[*]}${STACK_FLAGS:+, stack flags: $STACK_FLAGS}" >&2
for c in "${CASE_LIST[@]}"; do
    spec=$(spec_of "$c")
    for r in $(seq "$RUNS"); do
        s=$((SEED + r - 1))
        run_tessera "$c" "$spec" "$s" "$r"
        run_linux "$c" "$spec" "$s" "$r"
    done
done

# The table: per case and stack, the median (min..max) of the seconds (a
# capped run counts as longer than any other) and of each counter.
awk -v runs="$RUNS" -v cap="$CAP" -v size="$SIZE" -v cases="$CASES" '
function med(list, n,    a, i, k, j, t, lo, hi, m) {
    k = split(list, a, " ")
    for (i = 1; i <= k; i++) a[i] = (a[i] == ">cap" || a[i] == "failed" || a[i] == "corrupt") ? (a[i] == ">cap" ? 1e18 : 2e18) : a[i] + 0
    for (i = 2; i <= k; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
    m = a[int((k + 1) / 2)]
    if (k == 1) return show(m)
    return show(m) " (" show(a[1]) ".." show(a[k]) ")"
}
function show(v) { return v >= 2e18 ? "failed" : v >= 1e18 ? ">cap" : (v == int(v) ? v : sprintf("%.3g", v)) }
function cell(key) { return med(secs[key]) (key in capped ? " [capped at " cap " s with " capped[key] " of " size " bytes]" : "") }
{
    key = $1 SUBSEP $2
    secs[key] = secs[key] " " $4
    if ($4 == ">cap") capped[key] = capped[key] (capped[key] == "" ? "" : ", ") $5
    for (i = 6; i <= NF; i++) {
        split($i, kv, "=")
        ck = key SUBSEP kv[1]
        if (!(ck in vals)) { names[key] = names[key] " " kv[1] }
        vals[ck] = vals[ck] " " kv[2]
    }
}
function ctrs(key,    n, k, i, out, short) {
    k = split(names[key], n, " ")
    out = ""
    for (i = 1; i <= k; i++) {
        short = n[i]
        sub(/^tcp_/, "", short); sub(/^TcpExt/, "", short); sub(/^Tcp/, "", short)
        out = out (out == "" ? "" : ", ") short " " med(vals[key SUBSEP n[i]])
    }
    return out == "" ? "-" : out
}
END {
    printf "%d bytes, cap %d s, %d run(s)%s\n\n", size, cap, runs, (runs > 1 ? ": median (min..max)" : "")
    print "| case | tessera seconds | Linux (nginx) seconds | tessera retransmits/RTOs | Linux retransmits |"
    print "|---|---|---|---|---|"
    k = split(cases, c, ",")
    for (i = 1; i <= k; i++) {
        t = c[i] SUBSEP "tessera"; l = c[i] SUBSEP "linux"
        printf "| %s | %s | %s | %s | %s |\n", c[i], cell(t), cell(l), ctrs(t), ctrs(l)
    }
}' "$WORK/results"
exit $BAD
