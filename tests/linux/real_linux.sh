#!/bin/bash
# Real-Linux proofs for the Tessera stack: tessera-host runs on a TAP device
# inside a private network namespace (facts/workloads.md) and real Linux
# clients talk to it. Usage: real_linux.sh TESSERA_HOST CASE
#   CASE: http (ARP + ping + curl 1 KB/1 MB/8 MB), ab, wrk, netpipe, echo,
#         slowread (a client that stops reading, then resumes: zero window),
#         abclose (ab without keep-alive: the server closes first, TIME-WAIT),
#         idle (slowloris and idle keep-alive clients closed by the HTTP
#         server's idle timeout), keepalive (clients that vanish are reaped
#         by TCP keep-alive), jumbo (MTU 9000: ping -s 3000, curl 8 MB),
#         hog (a client that pipelines 700k requests and never reads)
# Every case also checks the pcap of the run with tshark (the first 400 MB
# of frames, which keeps /tmp and tshark's time bounded). Exit 77 (CTest
# SKIP_RETURN_CODE) when the machine cannot create a namespace or TAP device
# or a client is missing; the reason is printed. Never touches addresses
# outside its namespace; the namespace is deleted on exit.
set -u
HOST_BIN=$1
CASE=$2
NS=tsr$$
WORK=$(mktemp -d /tmp/tessera-linux.XXXXXX)
HPID=
skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*"; [ -f "$WORK/host.log" ] && tail -40 "$WORK/host.log"; exit 1; }
cleanup() {
    [ -n "$HPID" ] && kill "$HPID" 2>/dev/null && sleep 0.3
    ip netns del "$NS" 2>/dev/null
    rm -rf "$WORK"
}
trap cleanup EXIT

[ "$(id -u)" = 0 ] || skip "needs root to create a network namespace"
[ -c /dev/net/tun ] || skip "/dev/net/tun missing"
need() { command -v "$1" >/dev/null 2>&1 || skip "$1 not installed (scripts/packages/stack.txt)"; }
need ip; need tshark
case $CASE in
http|jumbo) need curl; need ping ;;
hog) need curl; [ -x /usr/bin/python3 ] || skip "/usr/bin/python3 missing" ;;
ab|abclose) need ab ;;
wrk) need wrk ;;
netpipe) need NPtcp ;;
echo|slowread|idle|keepalive) [ -x /usr/bin/python3 ] || skip "/usr/bin/python3 missing" ;;
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
    # `ip netns exec` forks: record the server's own pid through a shell.
    X sh -c 'echo $$ >"$0"; exec "$@"' "$WORK/host.pid" "$HOST_BIN" --tap tap0 --ip 10.0.0.2 \
        --pcap "$WORK/run.pcap" --pcap-limit 400000000 --seconds 600 "$@" >"$WORK/host.log" 2>&1 &
    sleep 0.5
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
http)
    mkdir "$WORK/www"
    head -c 1024 /dev/urandom >"$WORK/www/1k.bin"
    head -c 1048576 /dev/urandom >"$WORK/www/1m.bin"
    head -c 8388608 /dev/urandom >"$WORK/www/8m.bin"
    start_host --http "$WORK/www"
    X ping -c 3 -W 2 10.0.0.2 || fail "ping"
    X ip neigh show dev tap0 | grep -q "10.0.0.2 lladdr 02:00:00:00:00:02" || fail "no ARP entry for 10.0.0.2"
    for f in 1k.bin 1m.bin 8m.bin; do
        X curl -sS --max-time 60 -o "$WORK/got.$f" "http://10.0.0.2/$f" || fail "curl $f"
        a=$(sha256sum <"$WORK/www/$f"); b=$(sha256sum <"$WORK/got.$f")
        [ "$a" = "$b" ] || fail "checksum mismatch for $f"
        echo "curl $f: checksum ok"
    done
    code=$(X curl -s -o /dev/null -w '%{http_code}' http://10.0.0.2/nope)
    [ "$code" = 404 ] || fail "unknown path gave $code, want 404"
    stop_host
    ;;
ab)
    mkdir "$WORK/www"; head -c 1024 /dev/urandom >"$WORK/www/1k.bin"
    start_host --http "$WORK/www"
    X ab -k -n 20000 -c 50 http://10.0.0.2/1k.bin >"$WORK/ab.out" 2>&1 || { cat "$WORK/ab.out"; fail "ab"; }
    grep -E "Complete requests|Failed requests|Keep-Alive requests|Requests per second" "$WORK/ab.out"
    grep -q "Failed requests: *0$" "$WORK/ab.out" || fail "ab failed requests"
    grep -q "Complete requests: *20000" "$WORK/ab.out" || fail "ab incomplete"
    grep -q "Keep-Alive requests: *20000" "$WORK/ab.out" || fail "ab keep-alive count"
    stop_host
    ;;
abclose)
    # Issue 18 item 2: every connection ends in TIME-WAIT on our side (the
    # server closes first); 10,000 of them must not exhaust the table.
    mkdir "$WORK/www"; head -c 1024 /dev/urandom >"$WORK/www/1k.bin"
    start_host --http "$WORK/www"
    X ab -n 10000 -c 50 http://10.0.0.2/1k.bin >"$WORK/ab.out" 2>&1 || { cat "$WORK/ab.out"; fail "ab"; }
    grep -E "Time taken|Complete requests|Failed requests|Requests per second" "$WORK/ab.out"
    grep -q "Failed requests: *0$" "$WORK/ab.out" || fail "ab failed requests"
    grep -q "Complete requests: *10000" "$WORK/ab.out" || fail "ab incomplete"
    stop_host
    ;;
idle)
    # Issue 18 item 3: with --idle-timeout 1, a client that never finishes
    # its request head (silent, or dripping a byte every 0.2 s) and an idle
    # keep-alive client are closed after about a second; not before.
    mkdir "$WORK/www"; head -c 1024 /dev/urandom >"$WORK/www/1k.bin"
    start_host --http "$WORK/www" --idle-timeout 1
    cat >"$WORK/idle.py" <<'PY'
import select, socket, sys, threading, time
res = {}
def client(name, send):
    s = socket.create_connection(("10.0.0.2", 80), timeout=6)
    t0 = time.time()
    try:
        send(s)
        while s.recv(65536): pass
        res[name] = time.time() - t0
    except (socket.timeout, OSError) as e:
        res[name] = "not closed: %s" % e
def silent(s): s.sendall(b"GET /1k.bin HTTP/1.1\r\nHost: x\r\n")
def drip(s):
    for ch in b"GET /1k.bin HTTP/1.1\r\nHost: x\r\nX-Slow: yes\r\n":
        s.sendall(bytes([ch]))
        if select.select([s], [], [], 0.2)[0]: return  # closed by the server
def keepalive(s):
    s.sendall(b"GET /1k.bin HTTP/1.1\r\nHost: x\r\n\r\n")
ts = [threading.Thread(target=client, args=a) for a in
      (("silent", silent), ("drip", drip), ("keepalive", keepalive))]
for t in ts: t.start()
for t in ts: t.join()
print(res)
sys.exit(0 if all(isinstance(v, float) and 0.8 < v < 3.5 for v in res.values()) else 1)
PY
    X /usr/bin/python3 "$WORK/idle.py" || fail "idle clients not closed in time"
    stop_host
    grep -q "idle_closed:3" "$WORK/host.log" || fail "idle_closed is not 3"
    ;;
keepalive)
    # Issue 18 item 3: 20 echo clients vanish without a word (the link is
    # down while they reset, so Linux forgets them and the server never
    # hears); TCP keep-alive (2 s idle, 0.5 s interval, 2 probes) finds out.
    start_host --echo --keepalive 2,0.5,2
    cat >"$WORK/ka.py" <<'PY'
import socket, struct, sys
ss = []
for i in range(20):
    s = socket.create_connection(("10.0.0.2", 7), timeout=5)
    s.sendall(b"hi"); assert s.recv(2) == b"hi"
    ss.append(s)
print("20 connections up", flush=True)
sys.stdin.readline()  # the link goes down
for s in ss:
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()  # a RST that never leaves
PY
    mkfifo "$WORK/ka.in"
    X /usr/bin/python3 "$WORK/ka.py" <"$WORK/ka.in" &
    KPID=$!
    exec 3>"$WORK/ka.in"
    sleep 1.5
    X ip link set tap0 down
    echo go >&3; exec 3>&-
    wait $KPID || fail "keep-alive clients"
    X ip link set tap0 up
    sleep 5
    stop_host
    grep -q "tessera-host: 0 connections" "$WORK/host.log" || fail "vanished clients still hold slots"
    grep -q "stk.tcp_keepalive_probes" "$WORK/host.log" || fail "no keep-alive probe was sent"
    ;;
jumbo)
    # Issue 18 item 8: frames over 2048 bytes on a TAP device with MTU 9000
    # (the driver's buffers were 2048 bytes: no reply).
    X ip link set tap0 mtu 9000
    mkdir "$WORK/www"; head -c 8388608 /dev/urandom >"$WORK/www/8m.bin"
    start_host --http "$WORK/www"
    X ping -c 3 -i 0.2 -W 2 -s 3000 -M do 10.0.0.2 || fail "ping -s 3000 with MTU 9000"
    X ping -c 2 -i 0.2 -W 2 -s 8972 -M do 10.0.0.2 || fail "ping -s 8972 (a 9000-byte packet)"
    X curl -sS --max-time 60 -o "$WORK/got.bin" http://10.0.0.2/8m.bin || fail "curl 8m.bin"
    [ "$(sha256sum <"$WORK/www/8m.bin")" = "$(sha256sum <"$WORK/got.bin")" ] || fail "checksum mismatch"
    echo "curl 8m.bin over MTU 9000: checksum ok"
    stop_host
    tshark -r "$WORK/run.pcap" -Y "frame.len > 8000 && tcp.len > 0" 2>/dev/null | head -1 | grep -q . \
        || fail "no jumbo TCP segment in the pcap"
    ;;
hog)
    # Issue 18 item 5: one connection (4 KB receive buffer) pipelines 700k
    # GETs and never reads; the server must stop reading it (backpressure)
    # instead of queueing 700k responses, and a second client is served.
    mkdir "$WORK/www"; echo hello >"$WORK/www/a.txt"
    start_host --http "$WORK/www"
    cat >"$WORK/hog.py" <<'PY'
import socket, subprocess, sys, threading, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
s.connect(("10.0.0.2", 80))
reqs = b"GET /a.txt HTTP/1.1\r\nHost: x\r\n\r\n" * 700000
def hog():
    try: s.sendall(reqs)
    except OSError: pass
threading.Thread(target=hog, daemon=True).start()
time.sleep(2)
worst = 0
for i in range(5):
    t0 = time.time()
    r = subprocess.run(["curl", "-sS", "--max-time", "5", "http://10.0.0.2/a.txt"], capture_output=True)
    dt = time.time() - t0; worst = max(worst, dt)
    if r.returncode != 0 or r.stdout != b"hello\n":
        sys.exit("second client failed while the hog runs: %r" % r.stderr)
print("second client: 5 GETs served while the hog runs, worst %.3f s" % worst)
s.close()
PY
    X /usr/bin/python3 "$WORK/hog.py" || fail "hog"
    stop_host
    grep -q "stk.tcp_send_no_seg" "$WORK/host.log" && fail "the segment pool ran out"
    req=$(sed -n 's/^httpd.requests \([0-9]*\).*/\1/p' "$WORK/host.log")
    [ "${req:-0}" -lt 350000 ] || fail "the server read $req of the hog's requests: no backpressure"
    echo "the server read $req of the hog's 700000 requests"
    ;;
wrk)
    mkdir "$WORK/www"; head -c 1024 /dev/urandom >"$WORK/www/1k.bin"
    start_host --http "$WORK/www"
    X wrk -c 256 -t 2 -d 5s http://10.0.0.2/1k.bin >"$WORK/wrk.out" 2>&1 || { cat "$WORK/wrk.out"; fail "wrk"; }
    cat "$WORK/wrk.out"
    grep -q "Socket errors" "$WORK/wrk.out" && fail "wrk socket errors"
    grep -q "Non-2xx" "$WORK/wrk.out" && fail "wrk non-2xx"
    grep -q "requests in" "$WORK/wrk.out" || fail "wrk made no requests"
    stop_host
    ;;
netpipe)
    start_host --netpipe
    (cd "$WORK" && X NPtcp -h 10.0.0.2 -u 1048576 -n 50 -o "$WORK/np.out") >"$WORK/np.log" 2>&1 \
        || { tail -5 "$WORK/np.log"; fail "NPtcp"; }
    tail -3 "$WORK/np.log"
    last=$(tail -1 "$WORK/np.out" | awk '{print $1}')
    [ "${last:-0}" -ge 1048576 ] || fail "NPtcp stopped at ${last:-nothing}"
    (cd "$WORK" && X NPtcp -h 10.0.0.2 -i -u 65536 -n 10 -o "$WORK/npi.out") >"$WORK/npi.log" 2>&1 \
        || { tail -5 "$WORK/npi.log"; fail "NPtcp -i"; }
    grep -q "Integrity check passed" "$WORK/npi.log" || { tail -5 "$WORK/npi.log"; fail "NPtcp -i integrity"; }
    echo "NPtcp: full sweep to $last bytes; -i: Integrity check passed"
    stop_host
    # the paper's two modes: the server echoes whole messages from a copy
    # (copy) or from a buffer filled by the first message of each size
    # (nocopy); NPtcp -i checks every byte it gets back
    for mode in copy nocopy; do
        start_host --netpipe --netpipe-mode "$mode"
        (cd "$WORK" && X NPtcp -h 10.0.0.2 -i -u 65536 -n 10 -o "$WORK/np-$mode.out") \
            >"$WORK/np-$mode.log" 2>&1 || { tail -5 "$WORK/np-$mode.log"; fail "NPtcp -i ($mode)"; }
        grep -q "Integrity check passed" "$WORK/np-$mode.log" \
            || { tail -5 "$WORK/np-$mode.log"; fail "NPtcp -i integrity ($mode)"; }
        echo "NPtcp -i against --netpipe-mode $mode: Integrity check passed"
        stop_host
    done
    ;;
echo)
    start_host --echo
    cat >"$WORK/up.py" <<'PY'
import hashlib, os, socket, sys, threading
N = 100 * 1024 * 1024
data = os.urandom(1 << 20)
s = socket.create_connection(("10.0.0.2", 7), timeout=60)
h_out = hashlib.sha256(); h_in = hashlib.sha256(); got = 0
def reader():
    global got
    while got < N:
        b = s.recv(1 << 20)
        if not b: break
        h_in.update(b); got += len(b)
t = threading.Thread(target=reader); t.start()
for i in range(N // len(data)):
    s.sendall(data); h_out.update(data)
s.shutdown(socket.SHUT_WR)
t.join(120)
print("sent", N, "received", got)
sys.exit(0 if got == N and h_in.digest() == h_out.digest() else 1)
PY
    X /usr/bin/python3 "$WORK/up.py" || fail "100 MB echo upload"
    echo "echo: 100 MB came back intact"
    stop_host
    ;;
slowread)
    # Issue 18 item 1: the client's receive window closes while it does not
    # read; the server probes; the client reads again and Linux sends a plain
    # window update (ACK unchanged). The transfer must finish (it hung).
    mkdir "$WORK/www"; head -c 8388608 /dev/urandom >"$WORK/www/8m.bin"
    start_host --http "$WORK/www"
    cat >"$WORK/slow.py" <<'PY'
import hashlib, socket, sys, time
want = hashlib.sha256(open(sys.argv[1], "rb").read()).hexdigest()
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16384)
s.settimeout(10)
s.connect(("10.0.0.2", 80))
s.sendall(b"GET /8m.bin HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
buf = bytearray()
t0 = time.time()
try:
    for pause in (2.5, 1.5):
        while len(buf) < 262144 * (2 if pause < 2 else 1):
            b = s.recv(65536)
            if not b: sys.exit("closed early")
            buf += b
        time.sleep(pause)  # stop reading: the window closes, the server probes
    t0 = time.time()
    while True:
        b = s.recv(1 << 20)
        if not b: break
        buf += b
except socket.timeout:
    sys.exit("stalled at %d bytes (no data for 10 s)" % len(buf))
body = bytes(buf[buf.index(b"\r\n\r\n") + 4:])
ok = len(body) == 8388608 and hashlib.sha256(body).hexdigest() == want
print("slow reader: %d body bytes, rest in %.2f s, sha256 %s" % (len(body), time.time() - t0, "ok" if ok else "MISMATCH"))
sys.exit(0 if ok else 1)
PY
    X /usr/bin/python3 "$WORK/slow.py" "$WORK/www/8m.bin" || fail "slow reader"
    stop_host
    grep -q "stk.tcp_zwp_sent" "$WORK/host.log" || fail "no zero-window probe was sent: the case did not close the window"
    ;;
esac
check_pcap
echo "PASS: $CASE"
