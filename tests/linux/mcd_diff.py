#!/usr/bin/python3
"""tests/linux/mcd_diff.py REF_HOST OUR_HOST [PORT]: the differential test of
the memcached server (real_linux_mcd.sh diff). The same command scripts go to
Debian's memcached (REF_HOST) and to ours (OUR_HOST), one connection per
script, in the same order (so both stores see the same history); every reply
must be byte-identical except CAS ids (VALUE lines' fifth field, and a cas
command's id comes from the server's own gets), stats values and the
version string. Then three sessions of about 1,400 random commands over 24
keys (storage, retrieval, cas with the server's own ids, incr/decr, touch,
delete, the odd flush_all), each reply read before the next command: the
same replies. Exits 1 listing what differs."""
import re
import socket
import sys
import time

REF, OURS = sys.argv[1], sys.argv[2]
PORT = int(sys.argv[3]) if len(sys.argv) > 3 else 11211
K251 = b"k" * 251

SCRIPTS = [
    b"flush_all\r\n",
    b"set a 0 0 1\r\nx\r\nget a b\r\n",
    b"set a 0 0 1\r\nxy\r\nget a\r\n",
    b"set a 0 0 1 noreply\r\nxy\r\nget a\r\n",
    b"set a 0 0\r\n",
    b"set a 0 0 -1\r\n",
    b"set a abc 0 1\r\nx\r\n",
    b"set a 0 abc 1 noreply\r\nx\r\n",
    b"set f 4294967296 0 1\r\nx\r\nget f\r\nset f 4294967295 0 1\r\nx\r\nget f\r\nset f -1 0 1\r\nx\r\n",
    b"set " + K251 + b" 0 0 1\r\nx\r\n",
    b"get " + K251 + b"\r\n",
    b"get a " + K251 + b" a\r\n",
    b"set " + b"k" * 250 + b" 0 0 1\r\nx\r\nget " + b"k" * 250 + b"\r\n",
    b"get\r\n", b"gets\r\n", b"bogus\r\n", b"GET a\r\n", b"\r\n", b"\n", b"\r\r\n",
    b"get a  b\r\n", b"get  a\r\n", b"get a\r\r\n",
    b"set big 0 0 2000000\r\n" + b"z" * 2000000 + b"\r\nget a\r\n",
    b"set a 0 0 1\r\nx\r\nset a 0 0 1048577\r\n" + b"z" * 1048577 + b"\r\nget a\r\n",
    b"set b 0 0 100000\r\n" + b"q" * 100000 + b"\r\nget b\r\n",
    b"incr nokey 1\r\n",
    b"set n 0 0 2\r\n10\r\nincr n 5\r\ndecr n 100\r\nincr n 18446744073709551615\r\nincr n abc\r\nincr n -1\r\n",
    b"set s 0 0 2\r\nab\r\nincr s 1\r\n",
    # (not "set n 0 0 20\r\n18446744073709551615\r\nincr n 2": for a stored
    # value of 2^63 or more, memcached 1.6.18 answers "1" or "CLIENT_ERROR
    # cannot increment or decrement non-numeric value" depending on its
    # history (two instances given the same commands disagreed; cause not
    # investigated). test_mcd.c checks ours: 1. Here
    # values stay below 2^63; wrapping is reached through the delta.)
    b"set n 0 0 2\r\n15\r\nincr n 18446744073709551615\r\n",
    b"set n 0 0 3\r\n100\r\ndecr n 1\r\nget n\r\n",
    b"set n 0 0 2\r\n 1\r\nincr n 1\r\n",
    b"incr n 18446744073709551616\r\n",
    b"set n 0 0 1\r\n5\r\ndecr n 18446744073709551615\r\n",
    b"set n 0 0 21\r\n184467440737095516150\r\nincr n 1\r\n",
    b"set n 0 0 0\r\n\r\nincr n 1\r\n",
    b"set n 0 0 3\r\n12a\r\nincr n 1\r\n",
    b"set n 0 0 2\r\n-1\r\nincr n 1\r\n",
    b"set n 0 0 3\r\n+12\r\nincr n 1\r\nincr n +5\r\n",
    b"set n 0 0 2\r\n99\r\nincr n 1\r\nget n\r\n",
    b"set a 0 0 1\r\nx\r\ntouch a 10\r\ntouch zz 10\r\ntouch a\r\ntouch a abc\r\ntouch n 0 2\r\n",
    b"gat 10 a zz\r\ngats 10 a\r\ngat a\r\ngat\r\ngat 10\r\n",
    b"cas a 0 0 1 1\r\nz\r\ncas zz 0 0 1 1\r\nz\r\n",
    b"gets a\r\ncas a 0 0 1 {CAS}\r\nz\r\nget a\r\ncas a 0 0 1 {CAS}\r\nw\r\n",
    b"cas a 0 0 1\r\nz\r\n", b"cas a 0 0 1 abc\r\nx\r\n",
    b"delete a\r\ndelete a\r\ndelete a 0\r\ndelete a 5\r\ndelete a noreply\r\ndelete\r\n",
    b"delete a 0 noreply\r\ndelete a noreply 0\r\nget a\r\n",
    b"flush_all\r\nflush_all 0\r\nflush_all noreply\r\nflush_all abc\r\nflush_all -1\r\nflush_all 0 0\r\nflush_all 1 2 3\r\n",
    b"version\r\nverbosity\r\nverbosity 1\r\nverbosity 1 noreply\r\nverbosity a\r\nverbosity 1 2\r\nverbosity 1 2 3\r\nverbosity noreply\r\n",
    b"append zz 0 0 1\r\nx\r\nprepend zz 0 0 1\r\nx\r\nset a 5 0 1\r\nm\r\nappend a 9 0 2\r\nAB\r\nprepend a 0 0 1\r\nP\r\nget a\r\n",
    b"add a 0 0 1\r\nq\r\nreplace qq 0 0 1\r\nq\r\nadd new 0 0 1\r\nq\r\nreplace new 0 0 2\r\nqq\r\nget new\r\n",
    b"get a\nset b 0 0 1\nx\nget b\n",
    b"quit\r\nget a\r\n",
    b"set a 0 0 1 2 3 4 5\r\nx\r\n", b"set a 0 0 1 bogus\r\nx\r\n", b"incr a 1 2\r\n",
    b"set t 0 -1 1\r\nx\r\nget t\r\n",
    b"set e 0 2592000 1\r\nx\r\nget e\r\nset e 0 2592001 1\r\nx\r\nget e\r\n",
    b"set a 0 0 1\r\nxget a\r\n",
    b"set a 0 0 01\r\nx\r\nset a 0 0 1 \r\nx\r\nset a 0 0 1\r\nx\r\n\r\n",
    b"set c 0 0 1 noreply\r\nx\r\nadd c 0 0 1 noreply\r\nx\r\nreplace c 0 0 1 noreply\r\n5\r\n"
    b"append c 0 0 1 noreply\r\n0\r\nprepend c 0 0 1 noreply\r\n1\r\nincr c 1 noreply\r\n"
    b"decr c 2 noreply\r\ntouch c 100 noreply\r\nget c\r\ndelete c noreply\r\nget c\r\n",
    b"set a 0 0 1\r\nx\r\nset b 0 0 1\r\ny\r\nget a b c\r\ngets a b\r\n" + b"get a b\r\n" * 50,
    b"get " + b"a " * 2000 + b"\r\n",
    b"stats\r\n", b"stats reset\r\n",
    b"flush_all\r\nget a\r\n",
]


def exchange(host, script):
    s = socket.create_connection((host, PORT), timeout=5)
    out = b""
    parts = script.split(b"{CAS}")
    for i, part in enumerate(parts):
        s.sendall(part)
        if i + 1 < len(parts):  # the id of the last VALUE line so far
            deadline = time.time() + 2
            while time.time() < deadline and b"END\r\n" not in out:
                s.settimeout(0.5)
                try:
                    b = s.recv(1 << 20)
                except socket.timeout:
                    continue
                if not b:
                    break
                out += b
            ids = re.findall(rb"VALUE \S+ \d+ \d+ (\d+)\r\n", out)
            s.sendall(ids[-1] if ids else b"0")
    s.settimeout(0.4)
    try:
        while True:
            b = s.recv(1 << 20)
            if not b:
                out += b"<closed>"
                break
            out += b
    except socket.timeout:
        pass
    s.close()
    return out


def normal(r):
    r = re.sub(rb"(VALUE \S+ \d+ \d+) \d+\r\n", rb"\1 <cas>\r\n", r)
    r = re.sub(rb"STAT [^\r]*\r\n", b"", r)
    r = re.sub(rb"VERSION [^\r]*\r\n", b"VERSION <v>\r\n", r)
    return r


def read_reply(s, cmd):
    """One reply to cmd: through "END\\r\\n" for retrievals, else one line."""
    multi = cmd.split(b" ", 1)[0] in (b"get", b"gets", b"gat", b"gats")
    buf = b""
    while True:
        if multi:
            if buf.endswith(b"END\r\n") or buf.startswith(b"CLIENT_ERROR") and buf.endswith(b"\r\n"):
                return buf
        elif buf.endswith(b"\r\n"):
            return buf
        b = s.recv(65536)
        if not b:
            return buf + b"<closed>"
        buf += b


def session(host, seed, n):
    """n random commands over 24 keys, one at a time (each reply read before
    the next command): the transcript, CAS ids from the server's own gets."""
    import random
    rnd = random.Random(seed)
    keys = [b"k%d" % i for i in range(20)] + [b"n0", b"n1", b"n2", b"n3"]
    last_cas = {}
    s = socket.create_connection((host, PORT), timeout=5)
    out = []

    def value():
        r = rnd.random()
        if r < 0.3:
            return b"%d" % rnd.choice([0, 1, 9, 10, 99, 100, 12345, 2**62, 2**62 + 12345])
        return bytes(rnd.choice(b"abcdefghijklmnopqrstuvwxyz0123456789 -+") for _ in range(rnd.randrange(0, 24)))

    for _ in range(n):
        k = rnd.choice(keys)
        op = rnd.choice(["set", "set", "add", "replace", "append", "prepend", "cas", "get",
                         "get", "gets", "gat", "delete", "incr", "decr", "touch", "flush_all"])
        if op in ("set", "add", "replace", "append", "prepend", "cas"):
            v = value()
            line = b"%s %s %d %d %d" % (op.encode(), k, rnd.choice([0, 1, 4294967295]),
                                        rnd.choice([0, 0, 1000]), len(v))
            if op == "cas":
                line += b" %d" % (last_cas.get(k, 1) if rnd.random() < 0.7 else 424242)
            cmd = line + b"\r\n" + v + b"\r\n"
        elif op in ("get", "gets"):
            cmd = op.encode() + b" " + b" ".join(rnd.sample(keys, rnd.randrange(1, 5))) + b"\r\n"
        elif op == "gat":
            cmd = b"gats %d %s\r\n" % (rnd.choice([0, 1000]), k)
        elif op in ("incr", "decr"):
            cmd = b"%s %s %d\r\n" % (op.encode(), k, rnd.choice([0, 1, 7, 100, 2**40]))
        elif op == "touch":
            cmd = b"touch %s %d\r\n" % (k, rnd.choice([0, 1000]))
        elif op == "delete":
            cmd = b"delete %s\r\n" % k
        else:
            if rnd.random() > 0.05:
                continue
            cmd = b"flush_all\r\n"
        s.sendall(cmd)
        r = read_reply(s, cmd)
        for m in re.finditer(rb"VALUE (\S+) \d+ \d+ (\d+)\r\n", r):
            last_cas[m.group(1)] = int(m.group(2))
        out.append((cmd, r))
    s.close()
    return out


bad = 0
for seed in (1, 2, 3):
    a = session(REF, seed, 1500)
    b = session(OURS, seed, 1500)
    diffs = [(x, y) for x, y in zip(a, b) if normal(x[1]) != normal(y[1])]
    if len(a) != len(b) or diffs:
        bad += 1
        print("random session %d: %d of %d commands differ; first:" % (seed, len(diffs), len(a)))
        for x, y in diffs[:3]:
            print("  %r\n  memcached: %r\n  ours:      %r" % (x[0][:200], x[1][:300], y[1][:300]))
    else:
        print("random session %d: %d commands, identical replies" % (seed, len(a)))
    # the next session starts from empty stores
    exchange(REF, b"flush_all\r\n")
    exchange(OURS, b"flush_all\r\n")

for i, sc in enumerate(SCRIPTS):
    a = exchange(REF, sc)
    b = exchange(OURS, sc)
    if normal(a) != normal(b):
        bad += 1
        print("script %d %r:\n  memcached: %r\n  ours:      %r" % (i, sc[:120], a[:400], b[:400]))
print("%d scripts and 3 random sessions, %d differ" % (len(SCRIPTS), bad))
sys.exit(1 if bad else 0)
