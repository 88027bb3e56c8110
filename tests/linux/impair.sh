#!/bin/bash
# The impairments act on real traffic (nic/host/impair.h, docs/impairments.md).
# Usage: impair.sh TESSERA_HOST TESSERA_RELAY
#   (a) curl downloads 8 MB from tessera-host --impair
#       loss=0.02,reorder=0.1,dup=0.02 (both directions) on a TAP device in
#       a private namespace: the bytes arrive intact, and the host's counters
#       show frames lost, duplicated, reordered and overtaken both ways;
#   (b) the same download from Debian's nginx through tessera-relay (tapA in
#       the client's namespace, tapB in nginx's, the relay's descriptors
#       kept across the move): intact, the relay's counters likewise nonzero
#       both ways.
# Exit 77 (CTest SKIP_RETURN_CODE) when the machine cannot create a
# namespace or TAP device or curl or nginx is missing; the reason is
# printed. Never touches addresses outside its namespaces; they are deleted
# on exit, the servers stopped.
set -u
HOST_BIN=$1
RELAY_BIN=$2
SPEC=loss=0.02,reorder=0.1,dup=0.02
P=tsi$$
NT=${P}t NR=${P}r NC=${P}c NS=${P}s
WORK=$(mktemp -d /tmp/tessera-impair.XXXXXX)
PIDS=()
skip() { echo "SKIP: $*"; exit 77; }
fail() {
    echo "FAIL: $*"
    for f in "$WORK"/*.log; do [ -f "$f" ] && { echo "--- $f"; tail -40 "$f"; }; done
    exit 1
}
cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
    sleep 0.3
    for n in $NT $NR $NC $NS; do ip netns del "$n" 2>/dev/null; done
    rm -rf "$WORK"
}
trap cleanup EXIT

[ "$(id -u)" = 0 ] || skip "needs root to create network namespaces"
[ -c /dev/net/tun ] || skip "/dev/net/tun missing"
need() { command -v "$1" >/dev/null 2>&1 || skip "$1 not installed (scripts/packages/stack.txt)"; }
need ip; need curl; need nginx

for n in $NT $NR $NC $NS; do
    ip netns add "$n" 2>"$WORK/err" || skip "network namespaces are unavailable on this machine (ip netns add: $(cat "$WORK/err"))"
    ip netns exec "$n" ip link set lo up
done
XT() { ip netns exec "$NT" "$@"; }
XR() { ip netns exec "$NR" "$@"; }
XC() { ip netns exec "$NC" "$@"; }
XS() { ip netns exec "$NS" "$@"; }
XT ip tuntap add dev tap0 mode tap 2>"$WORK/err" || skip "TAP devices cannot be made in a network namespace here (ip tuntap: $(cat "$WORK/err"))"

# "$@" in namespace $1, output to $2; its own pid (ip netns exec forks) in SPID.
start_in() {
    local ns=$1 log=$2
    shift 2
    rm -f "$WORK/pid"
    ip netns exec "$ns" sh -c 'echo $$ >"$0"; exec "$@"' "$WORK/pid" "$@" >"$log" 2>&1 &
    for _ in $(seq 50); do [ -s "$WORK/pid" ] && break; sleep 0.02; done
    SPID=$(cat "$WORK/pid" 2>/dev/null)
    [ -n "$SPID" ] || fail "$3 did not start"
    PIDS+=("$SPID")
}
stop_pid() {
    kill -TERM "$1"
    for _ in $(seq 50); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.1; done
    fail "pid $1 did not stop"
}
# Every counter PREFIX.{lost,duplicated,reordered,overtaken} in log $1 for
# each direction $3... must be nonzero.
check_counters() {
    local log=$1 what=$2 d c v
    shift 2
    for d in "$@"; do
        for c in lost duplicated reordered overtaken; do
            v=$(sed -n "s/^impair\.$d\.$c \([0-9]*\)$/\1/p" "$log")
            [ "${v:-0}" -gt 0 ] || fail "$what: impair.$d.$c is ${v:-missing}: the impairment did not act"
        done
        echo "$what $d: $(grep "^impair\.$d\." "$log" | sed "s/^impair\.$d\.//" | tr '\n' ' ')"
    done
}
fetch() { # namespace
    ip netns exec "$1" curl -sS --max-time 40 -o "$WORK/got.bin" -w '%{time_total}' \
        http://10.0.0.2/8m.bin >"$WORK/time" || fail "curl (namespace $1)"
    cmp -s "$WORK/got.bin" "$WORK/www/8m.bin" || fail "the 8 MB file arrived corrupted"
    rm -f "$WORK/got.bin"
}

mkdir "$WORK/www"
head -c 8388608 /dev/urandom >"$WORK/www/8m.bin"

# (a) tessera-host, impaired both ways in its TAP driver
XT sysctl -qw net.ipv6.conf.tap0.disable_ipv6=1
XT ip addr add 10.0.0.1/24 dev tap0
XT ip link set tap0 up
start_in "$NT" "$WORK/host.log" "$HOST_BIN" --tap tap0 --ip 10.0.0.2 --http "$WORK/www" \
    --seconds 120 --impair "$SPEC" --impair-seed 7
HPID=$SPID
sleep 0.5
kill -0 "$HPID" 2>/dev/null || fail "tessera-host did not start"
fetch "$NT"
echo "(a) tessera-host: 8 MB intact in $(cat "$WORK/time") s through $SPEC both ways"
stop_pid "$HPID"
grep -q "httpd.requests 1 200:1" "$WORK/host.log" || fail "tessera-host did not serve one request"
check_counters "$WORK/host.log" "(a) tessera-host" out in
grep -E "^stk\.tcp_(retransmits|fast_retransmits|rto_fired)" "$WORK/host.log"

# (b) nginx behind tessera-relay: devices made in the relay's namespace,
# opened by it, then moved to the client's and the server's
XR ip tuntap add dev tapA mode tap
XR ip tuntap add dev tapB mode tap
start_in "$NR" "$WORK/relay.log" "$RELAY_BIN" --tap-a tapA --tap-b tapB --seconds 120 \
    --impair "$SPEC" --impair-seed 7
RPID=$SPID
sleep 0.3
kill -0 "$RPID" 2>/dev/null || fail "tessera-relay did not start"
XR ip link set tapA netns "$NC"
XR ip link set tapB netns "$NS"
XC sysctl -qw net.ipv6.conf.tapA.disable_ipv6=1
XS sysctl -qw net.ipv6.conf.tapB.disable_ipv6=1
XC ip addr add 10.0.0.1/24 dev tapA
XS ip addr add 10.0.0.2/24 dev tapB
XC ip link set tapA up
XS ip link set tapB up
cat >"$WORK/nginx.conf" <<NGX
daemon off;
master_process off;
worker_processes 1;
pid $WORK/nginx.pid;
error_log $WORK/nginx.err;
events { worker_connections 64; }
http {
    access_log off;
    sendfile on;
    client_body_temp_path $WORK/body;
    proxy_temp_path $WORK/proxy;
    fastcgi_temp_path $WORK/fcgi;
    uwsgi_temp_path $WORK/uwsgi;
    scgi_temp_path $WORK/scgi;
    server { listen 10.0.0.2:80; root $WORK/www; }
}
NGX
start_in "$NS" "$WORK/nginx.log" nginx -c "$WORK/nginx.conf" -e "$WORK/nginx.err"
NPID=$SPID
for _ in $(seq 50); do XS ss -ltnH 2>/dev/null | grep -q "10.0.0.2:80" && break; sleep 0.1; done
fetch "$NC"
echo "(b) nginx through tessera-relay: 8 MB intact in $(cat "$WORK/time") s through $SPEC both ways"
stop_pid "$NPID"
stop_pid "$RPID"
check_counters "$WORK/relay.log" "(b) tessera-relay" a2b b2a
grep -E "^relay\." "$WORK/relay.log" | tr '\n' ' '
echo
echo "PASS: impair"
