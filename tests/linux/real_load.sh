#!/bin/bash
# Real-Linux proofs for tessera-load (nic/host/load_main.c): our stack on a
# TAP device inside a private network namespace (facts/workloads.md) is the
# client; Debian's memcached and nginx-light run on the Linux side of the
# TAP (10.0.0.1), our stack is 10.0.0.2. Usage: real_load.sh TESSERA_LOAD CASE
#   CASE: memcached (USR, 99% GET, open loop, depth 4, preload, an
#         observer; then ETC with generalized Pareto inter-arrival times),
#         memcached-sla (a short SLA bisection), http (nginx, wrk-like),
#         netpipe (Debian's NPtcp 3.7.2 receiver against our transmitter,
#         workloads/netpipe_client: NPtcp's sizes up to 64 KiB, then -i)
# Checks: the run completes, the achieved rate is near the offered one (or,
# for HTTP, above a floor), no protocol or server errors, no failed or
# closed connections, latency percentiles present. Exit 77 (CTest
# SKIP_RETURN_CODE) when the machine cannot create a namespace or TAP device
# or a server is missing (scripts/packages/nic.txt); the reason is printed.
# Never touches addresses outside its namespace; the namespace and the temp
# dir are deleted on exit, the servers stopped.
set -u
LOAD_BIN=$1
CASE=$2
NS=tsl$$
WORK=$(mktemp -d /tmp/tessera-load.XXXXXX)
SPID=
skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*"; for f in "$WORK"/*.log; do [ -f "$f" ] && { echo "== $f"; tail -30 "$f"; }; done; exit 1; }
cleanup() {
    [ -n "$SPID" ] && kill "$SPID" 2>/dev/null && sleep 0.3
    ip netns pids "$NS" 2>/dev/null | xargs -r kill 2>/dev/null
    ip netns del "$NS" 2>/dev/null
    rm -rf "$WORK"
}
trap cleanup EXIT

[ "$(id -u)" = 0 ] || skip "needs root to create a network namespace"
[ -c /dev/net/tun ] || skip "/dev/net/tun missing"
command -v ip >/dev/null 2>&1 || skip "ip not installed"
case $CASE in
memcached|memcached-sla) command -v memcached >/dev/null 2>&1 || skip "memcached not installed (scripts/packages/nic.txt)" ;;
http) command -v nginx >/dev/null 2>&1 || skip "nginx not installed (nginx-light, scripts/packages/nic.txt)" ;;
netpipe) command -v NPtcp >/dev/null 2>&1 || skip "NPtcp not installed (netpipe-tcp, scripts/packages/stack.txt)" ;;
*) echo "unknown case $CASE"; exit 2 ;;
esac

ip netns add "$NS" 2>"$WORK/err" || skip "network namespaces are unavailable on this machine (ip netns add: $(cat "$WORK/err"))"
X() { ip netns exec "$NS" "$@"; }
X ip link set lo up
X ip tuntap add dev tap0 mode tap 2>"$WORK/err" || skip "TAP devices cannot be made in a network namespace here (ip tuntap: $(cat "$WORK/err"))"
X sysctl -qw net.ipv6.conf.tap0.disable_ipv6=1 2>/dev/null
X ip addr add 10.0.0.1/24 dev tap0
X ip link set tap0 up

# A server in the namespace, its own pid recorded (ip netns exec forks).
start_server() {
    X sh -c 'echo $$ >"$0"; exec "$@"' "$WORK/server.pid" "$@" >"$WORK/server.log" 2>&1 &
    sleep 0.5
    SPID=$(cat "$WORK/server.pid" 2>/dev/null)
    [ -n "$SPID" ] && kill -0 "$SPID" 2>/dev/null || fail "the server did not start"
}
# tessera-load in the namespace; its summary in $WORK/$1.out.
load() {
    local name=$1; shift
    X "$LOAD_BIN" --tap tap0 --ip 10.0.0.2 "$@" >"$WORK/$name.out" 2>"$WORK/$name.log" \
        || { cat "$WORK/$name.out"; fail "tessera-load $name exited $?"; }
    echo "== tessera-load $*"; cat "$WORK/$name.out"
}
val() { awk -v k="$2" '$1 == k { print $2; exit }' "$WORK/$1.out"; }
field() { awk -v k="$2" -v f="$3" '$1 == k { for (i = 2; i < NF; i++) if ($i == f) { print $(i+1); exit } }' "$WORK/$1.out"; }
# v >= lo and v <= hi (floats)
within() { awk -v v="$1" -v lo="$2" -v hi="$3" 'BEGIN { exit !(v != "" && v >= lo && v <= hi) }'; }

check_mc() { # name offered_qps
    local n=$1 q=$2
    within "$(val "$n" qps)" "$(awk -v q="$q" 'BEGIN{print 0.9*q}')" "$(awk -v q="$q" 'BEGIN{print 1.1*q}')" \
        || fail "$n: achieved $(val "$n" qps)/s, offered $q/s"
    [ "$(val "$n" protocol_errors)" = 0 ] || fail "$n: protocol errors"
    [ "$(val "$n" server_errors)" = 0 ] || fail "$n: server errors"
    [ "$(val "$n" connect_failed)" = 0 ] || fail "$n: failed connects"
    [ "$(field "$n" connect_failed closed_by_server)" = 0 ] || fail "$n: connections closed by the server"
    within "$(field "$n" latency_us p99)" 1 1000000 || fail "$n: no p99"
    within "$(field "$n" measured incomplete)" 0 "$(awk -v q="$q" 'BEGIN{print 0.001*q}')" || fail "$n: requests never answered"
}

case $CASE in
memcached)
    start_server memcached -u nobody -l 10.0.0.1 -p 11211 -c 4096 -t 2 -m 256
    # USR as the paper: 99% GET, 19-byte keys, 2-byte values, depth 4,
    # 32 observer connections; a small key space keeps the preload short.
    load usr --memcached 10.0.0.1:11211 --dist usr --get-frac 0.99 --keyspace 20000 \
        --conns 64 --depth 4 --qps 20000 --latency-conns 32 --latency-qps 1000 \
        --warmup 1 --seconds 4 --seed 7
    check_mc usr 20000
    [ "$(field usr gets misses)" = 0 ] || fail "usr: misses after the preload"
    within "$(val usr preload_s)" 0 60 || fail "usr: preload"
    [ "$(val usr observer_errors)" = 0 ] || fail "usr: observer errors"
    within "$(field usr observer_latency_us p99)" 1 1000000 || fail "usr: no observer p99"
    # ETC: GEV keys, the value table and its Pareto tail, Pareto gaps.
    load etc --memcached 10.0.0.1:11211 --dist etc --ia gpareto --get-frac 0.967 \
        --keyspace 5000 --conns 32 --depth 2 --qps 10000 --warmup 1 --seconds 3 --seed 8
    check_mc etc 10000
    ;;
memcached-sla)
    start_server memcached -u nobody -l 10.0.0.1 -p 11211 -c 4096 -t 2 -m 256
    # The search's mechanics over real runs (each with fresh connections):
    # a loose SLA (p99 <= 20 ms) so that a loaded test host still meets it
    # at the low end; the figures of a real search are in docs/loadgen.md.
    load sla --memcached 10.0.0.1:11211 --keyspace 10000 --conns 16 --depth 4 \
        --latency-conns 4 --warmup 0.5 --seconds 1 --sla-p99 20000 --qps-lo 1000 \
        --qps-hi 400000 --sla-runs 5
    [ "$(val sla sla_runs)" -ge 2 ] || fail "sla: fewer than 2 runs"
    [ "$(val sla sla_found)" = 1 ] || fail "sla: 1,000/s did not meet p99 <= 20 ms"
    within "$(val sla run_1000.qps)" 900 1100 || fail "sla: the first run achieved $(val sla run_1000.qps)/s"
    grep -q "protocol_errors [1-9]\|server_errors [1-9]" "$WORK/sla.out" && fail "sla: errors"
    ;;
http)
    mkdir -m 755 "$WORK/www"; chmod 755 "$WORK"
    head -c 1024 /dev/urandom >"$WORK/www/1k.bin"
    cat >"$WORK/nginx.conf" <<NGX
daemon off;
master_process off;
worker_processes 1;
pid $WORK/nginx.pid;
error_log $WORK/nginx.err;
events { worker_connections 4096; }
http {
    access_log off;
    client_body_temp_path $WORK/body;
    proxy_temp_path $WORK/proxy;
    fastcgi_temp_path $WORK/fcgi;
    uwsgi_temp_path $WORK/uwsgi;
    scgi_temp_path $WORK/scgi;
    keepalive_requests 10000000;
    keepalive_timeout 75s;
    server { listen 10.0.0.1:8080; root $WORK/www; }
}
NGX
    start_server nginx -c "$WORK/nginx.conf" -e "$WORK/nginx.err"
    # --static-arp: the servers' MAC is the TAP's own (the kernel's side)
    load http --http 10.0.0.1:8080/1k.bin --conns 64 --warmup 1 --seconds 4 --static-arp
    grep -q "^stk.arp_requests_sent" "$WORK/http.log" && fail "http: ARP requests despite --static-arp"
    within "$(val http rps)" 1000 100000000 || fail "http: $(val http rps) requests/s"
    [ "$(val http non2xx)" = 0 ] || fail "http: non-2xx responses"
    grep -q "connect_failed 0 closed_mid_response 0 malformed 0 send_failed 0" "$WORK/http.out" || fail "http: errors"
    within "$(field http latency_us p99)" 1 10000000 || fail "http: no p99"
    within "$(val http bytes_per_s)" "$(awk -v r="$(val http rps)" 'BEGIN{print r*1024}')" 1e12 || fail "http: bytes/s below 1 KiB per response"
    ;;
netpipe)
    # NPtcp's receiver (no -h) serves one run and exits; -u as the client's
    # so that both walk the same sizes.
    want=$(awk 'BEGIN { n = 0; len = 1; inc = 1; nq = 0
        while (len <= 65536) { if (nq > 2 && nq % 2) inc *= 2
          wide = inc > 4; for (p = wide ? -3 : 0; p <= 3; p += wide ? 3 : 4) if (len + p > 0) n++
          len += inc; nq++ } print n }')
    start_server NPtcp -u 65536
    load np --netpipe 10.0.0.1:5002 --np-max 65536 --np-repeats 5 --static-arp
    [ "$(val np completed)" = 1 ] || fail "np: the exchange did not complete"
    [ "$(val np sizes)" = "$want" ] || fail "np: $(val np sizes) sizes measured, NPtcp's schedule has $want"
    [ "$(grep -c '^np ' "$WORK/np.out")" = "$want" ] || fail "np: not one line per size"
    [ "$(val np mismatched_bytes)" = 0 ] || fail "np: echoed bytes differ"
    grep -q "connect_failed 0 closed_early 0 send_failed 0 protocol 0" "$WORK/np.out" || fail "np: errors"
    wait_gone() { for _ in $(seq 50); do kill -0 "$SPID" 2>/dev/null || return 0; sleep 0.1; done; return 1; }
    wait_gone || fail "np: NPtcp's receiver did not end its run"
    start_server NPtcp -u 4096 -i
    load npi --netpipe 10.0.0.1:5002 --np-max 4096 --np-repeats 3 --np-integrity --static-arp
    [ "$(val npi completed)" = 1 ] || fail "npi: the -i exchange did not complete"
    [ "$(val npi mismatched_bytes)" = 0 ] || fail "npi: echoed bytes differ"
    wait_gone || fail "npi: NPtcp's receiver did not end its run"
    ;;
esac
echo "PASS: $CASE"
