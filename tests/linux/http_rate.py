#!/usr/bin/python3
"""tests/linux/http_rate.py: an open-loop HTTP/1.1 client for real-time runs.

  http_rate.py HOST PORT PATH RATE SECONDS [CONNS]

Sends GET PATH at RATE requests per second in all, spread round-robin over
CONNS keep-alive connections (default 4), at fixed times whatever the
answers (pipelined: a slow server gets requests queued, not a slower
client), for SECONDS; then waits up to 5 s for the answers. Counts
responses by parsing status lines and Content-Length. Prints one line:
"sent N (X/s), answered M, failed F, late L" where late counts sends that
left more than 10 ms after their time (the client could not keep the rate:
its own limit, reported, never hidden). Exit 1 when a connection fails.
"""
import selectors
import socket
import sys
import time


def main():
    host, port, path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    rate, seconds = float(sys.argv[4]), float(sys.argv[5])
    conns = int(sys.argv[6]) if len(sys.argv) > 6 else 4
    req = f"GET {path} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode()
    sel = selectors.DefaultSelector()
    socks = []
    for _ in range(conns):
        s = socket.create_connection((host, port), timeout=5)
        s.setblocking(False)
        socks.append({"s": s, "buf": b"", "obuf": b"", "need": None, "out": 0, "ok": True})
        sel.register(s, selectors.EVENT_READ, socks[-1])
    total = int(rate * seconds)
    interval = 1.0 / rate
    start = time.monotonic()
    sent = answered = failed = late = 0

    def flush():
        for c in socks:
            if c["obuf"]:
                try:
                    n = c["s"].send(c["obuf"])
                except BlockingIOError:
                    n = 0
                c["obuf"] = c["obuf"][n:]

    def drain(timeout):
        nonlocal answered, failed
        flush()
        for key, _ in sel.select(timeout):
            c = key.data
            data = c["s"].recv(65536)
            if not data:
                raise SystemExit("connection closed by the server")
            c["buf"] += data
            while True:
                if c["need"] is None:
                    end = c["buf"].find(b"\r\n\r\n")
                    if end < 0:
                        break
                    head = c["buf"][:end].decode("latin-1")
                    c["buf"] = c["buf"][end + 4:]
                    status = int(head.split(" ", 2)[1])
                    length = 0
                    for line in head.split("\r\n")[1:]:
                        k, _, v = line.partition(":")
                        if k.strip().lower() == "content-length":
                            length = int(v)
                    c["need"] = length
                    c["ok"] = status == 200
                if len(c["buf"]) < c["need"]:
                    break
                c["buf"] = c["buf"][c["need"]:]
                c["need"] = None
                c["out"] -= 1
                if c["ok"]:
                    answered += 1
                else:
                    failed += 1

    while sent < total:
        due = start + sent * interval
        now = time.monotonic()
        if now < due:
            drain(due - now)
            continue
        if now - due > 0.010:
            late += 1
        drain(0)  # never stop reading, or a lagging server and we would both wait
        c = socks[sent % conns]
        c["obuf"] += req
        c["out"] += 1
        sent += 1
        flush()
    elapsed = time.monotonic() - start
    deadline = time.monotonic() + 5
    while answered + failed < sent and time.monotonic() < deadline:
        drain(0.1)
    print(f"sent {sent} ({sent / elapsed:.0f}/s), answered {answered}, failed {failed}, late {late}")


if __name__ == "__main__":
    main()
