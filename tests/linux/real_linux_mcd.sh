#!/bin/bash
# Real-Linux proofs for the memcached server (workloads/mcd.h): tessera-host
# --memcached on a TAP device inside a private network namespace (as
# real_linux.sh does), real clients from libmemcached-tools against it.
# Usage: real_linux_mcd.sh TESSERA_HOST CASE
#   CASE: capable (memccapable -a: every ASCII test passes),
#         slap (memcaslap: 5 s of 90% GET / 10% SET, 0 errors; then a
#               store preloaded with 100,000 USR records answers their keys),
#         diff (the same command script to Debian's memcached in the
#               namespace and to ours: identical replies, stats and version
#               values left out),
#         hog (a client pipelines 500,000 gets and never reads: the server
#              stops reading it, and a second client is served meanwhile)
# Every case also checks the pcap of the run with tshark. Exit 77 (CTest
# SKIP_RETURN_CODE) when the machine cannot create a namespace or TAP device
# or a client is missing; the reason is printed. Never touches addresses
# outside its namespace; the namespace is deleted on exit.
set -u
HOST_BIN=$1
CASE=$2
NS=tsrm$$
WORK=$(mktemp -d /tmp/tessera-mcd.XXXXXX)
HPID=
REFPID=
skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*"; [ -f "$WORK/host.log" ] && tail -40 "$WORK/host.log"; exit 1; }
cleanup() {
    [ -n "$HPID" ] && kill "$HPID" 2>/dev/null && sleep 0.3
    [ -n "$REFPID" ] && kill "$REFPID" 2>/dev/null && sleep 0.2
    ip netns del "$NS" 2>/dev/null
    rm -rf "$WORK"
}
trap cleanup EXIT

[ "$(id -u)" = 0 ] || skip "needs root to create a network namespace"
[ -c /dev/net/tun ] || skip "/dev/net/tun missing"
need() { command -v "$1" >/dev/null 2>&1 || skip "$1 not installed (scripts/packages/stack.txt)"; }
need ip; need tshark
case $CASE in
capable) need memccapable ;;
slap) need memcaslap; [ -x /usr/bin/python3 ] || skip "/usr/bin/python3 missing" ;;
diff) need memcached; [ -x /usr/bin/python3 ] || skip "/usr/bin/python3 missing" ;;
hog) [ -x /usr/bin/python3 ] || skip "/usr/bin/python3 missing" ;;
*) echo "unknown case $CASE"; exit 2 ;;
esac

ip netns add "$NS" 2>"$WORK/err" || skip "network namespaces are unavailable on this machine (ip netns add: $(cat "$WORK/err"))"
X() { ip netns exec "$NS" "$@"; }
X ip link set lo up
X ip tuntap add dev tap0 mode tap 2>"$WORK/err" || skip "TAP devices cannot be made in a network namespace here (ip tuntap: $(cat "$WORK/err"))"
X sysctl -qw net.ipv6.conf.tap0.disable_ipv6=1 2>/dev/null
X ip addr add 10.0.0.1/24 dev tap0
X ip link set tap0 up

start_host() {
    X sh -c 'echo $$ >"$0"; exec "$@"' "$WORK/host.pid" "$HOST_BIN" --tap tap0 --ip 10.0.0.2 \
        --pcap "$WORK/run.pcap" --pcap-limit 400000000 --seconds 600 --memcached "$@" \
        >"$WORK/host.log" 2>&1 &
    for i in $(seq 50); do
        grep -q "port 11211" "$WORK/host.log" 2>/dev/null && break
        sleep 0.1
    done
    HPID=$(cat "$WORK/host.pid" 2>/dev/null)
    [ -n "$HPID" ] || fail "tessera-host did not start"
    kill -0 "$HPID" 2>/dev/null || fail "tessera-host did not start"
}
stop_host() {
    kill -TERM "$HPID"
    for i in $(seq 50); do kill -0 "$HPID" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$HPID" 2>/dev/null && fail "tessera-host did not stop"
    HPID=
    cat "$WORK/host.log"
}
check_pcap() {
    local out
    out=$(tshark -r "$WORK/run.pcap" -o tcp.check_checksum:TRUE -q -z expert,warn 2>&1) || fail "tshark: $out"
    echo "$out" | grep -qi "malformed" && fail "malformed frames in pcap: $out"
    echo "$out" | grep -qi "bad checksum\|checksum.*incorrect" && fail "bad checksums in pcap: $out"
    echo "pcap: $(stat -c %s "$WORK/run.pcap") bytes; tshark expert: no malformed frames, no bad checksums"
}

case $CASE in
capable)
    start_host
    X memccapable -h 10.0.0.2 -p 11211 -a -t 5 >"$WORK/cap.out" 2>&1
    rc=$?
    cat "$WORK/cap.out"
    [ $rc = 0 ] || fail "memccapable exited $rc"
    grep -q "All tests passed" "$WORK/cap.out" || fail "memccapable: not all tests passed"
    n=$(grep -c "\[pass\]" "$WORK/cap.out")
    [ "$n" -ge 27 ] || fail "memccapable: $n tests passed, want 27"
    echo "memccapable -a: $n ascii tests passed"
    stop_host
    ;;
slap)
    start_host --mcd-memory 128
    X memcaslap -s 10.0.0.2:11211 -T 2 -c 32 -t 5s -X 64 >"$WORK/slap.out" 2>&1 &
    wait $!
    rc=$?
    cat "$WORK/slap.out"
    [ $rc = 0 ] || fail "memcaslap exited $rc"
    grep -q "Run time" "$WORK/slap.out" || fail "memcaslap did not finish"
    grep -q "^get_misses: 0$" "$WORK/slap.out" || fail "memcaslap missed keys it had set"
    # no failed gets/sets: memcaslap prints "get_misses" only for misses of
    # keys it never set; errors show as "failed" or "error" lines
    grep -qiE "^ *(set|get)_failed|[1-9][0-9]* errors|Error" "$WORK/slap.out" && fail "memcaslap reported errors"
    stop_host
    grep -q "mcd.conns" "$WORK/host.log" || fail "no memcached counters"
    grep -qE "errors [1-9]" "$WORK/host.log" && fail "the server counted protocol errors"
    check_pcap
    # a preloaded store answers its records (mutilate's USR keys)
    rm -f "$WORK/run.pcap"
    start_host --mcd-preload 100000 --mcd-hashpower 17
    cat >"$WORK/pre.py" <<'PY'
import socket, sys
s = socket.create_connection(("10.0.0.2", 11211), timeout=5)
ok = 0
for i in (0, 1, 12345, 99999):
    k = b"%019d" % i
    s.sendall(b"get " + k + b"\r\n")
    want = b"VALUE " + k + b" 0 2\r\n" + (b"%02d" % (i % 100)) + b"\r\nEND\r\n"
    got = b""
    while len(got) < len(want):
        b = s.recv(4096)
        if not b: break
        got += b
    if got != want: sys.exit("record %d: got %r want %r" % (i, got, want))
    ok += 1
s.sendall(b"get %019d\r\n" % 100000)
if s.recv(100) != b"END\r\n": sys.exit("record 100000 should be a miss")
print("preloaded records answered:", ok)
PY
    X /usr/bin/python3 "$WORK/pre.py" || fail "preloaded records"
    stop_host
    grep -q "preloaded 100000 of 100000" "$WORK/host.log" || fail "preload"
    ;;
hog)
    start_host
    cat >"$WORK/hog.py" <<'PY'
import socket, sys, threading, time
def cmd(s, req, want):
    s.sendall(req)
    got = b""
    while len(got) < len(want):
        b = s.recv(4096)
        if not b: break
        got += b
    if got != want: sys.exit("got %r want %r" % (got, want))
o = socket.create_connection(("10.0.0.2", 11211), timeout=5)
cmd(o, b"set k 0 0 100\r\n" + b"v" * 100 + b"\r\n", b"STORED\r\n")
h = socket.socket()
h.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
h.connect(("10.0.0.2", 11211))
reqs = b"get k\r\n" * 500000
def hog():
    try: h.sendall(reqs)
    except OSError: pass
threading.Thread(target=hog, daemon=True).start()
time.sleep(2)
worst = 0
for i in range(5):
    t0 = time.time()
    cmd(o, b"set x%d 0 0 1\r\n1\r\n" % i, b"STORED\r\n")
    cmd(o, b"get x%d\r\n" % i, b"VALUE x%d 0 1\r\n1\r\nEND\r\n" % i)
    worst = max(worst, time.time() - t0)
print("second client: 5 set+get served while the hog runs, worst %.3f s" % worst)
h.close()
PY
    X /usr/bin/python3 "$WORK/hog.py" || fail "hog"
    stop_host
    get=$(sed -n 's/^mcd.conns [0-9]* get \([0-9]*\).*/\1/p' "$WORK/host.log")
    [ "${get:-0}" -lt 250000 ] || fail "the server read $get of the hog's gets: no backpressure"
    grep -q "stk.tcp_send_no_seg" "$WORK/host.log" && fail "the segment pool ran out"
    echo "the server read $get of the hog's 500000 gets"
    ;;
diff)
    start_host
    # the reference: Debian's memcached on the namespace's loopback
    X sh -c 'echo $$ >"$0"; exec memcached -u nobody -l 127.0.0.1 -p 11211 -m 64' "$WORK/ref.pid" &
    sleep 0.5
    REFPID=$(cat "$WORK/ref.pid" 2>/dev/null)
    [ -n "$REFPID" ] || fail "memcached did not start"
    X /usr/bin/python3 "$(dirname "$0")/mcd_diff.py" 127.0.0.1 10.0.0.2 || fail "replies differ"
    stop_host
    ;;
esac
check_pcap
echo "PASS: $CASE"
