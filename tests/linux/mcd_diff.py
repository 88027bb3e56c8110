#!/usr/bin/python3
"""tests/linux/mcd_diff.py REF_HOST OUR_HOST [PORT]: the differential test of
the memcached server (real_linux_mcd.sh diff). The same command scripts go to
Debian's memcached (REF_HOST) and to ours (OUR_HOST), one connection per
script, in the same order (so both stores see the same history); every reply
must be byte-identical except CAS ids (VALUE lines' fifth field, and a cas
command's id comes from the server's own gets), stats values and the
version string. Exits 1 listing the scripts whose replies differ."""
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
    b"set n 0 0 20\r\n18446744073709551615\r\nincr n 2\r\n",
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


bad = 0
for i, sc in enumerate(SCRIPTS):
    a = exchange(REF, sc)
    b = exchange(OURS, sc)
    if normal(a) != normal(b):
        bad += 1
        print("script %d %r:\n  memcached: %r\n  ours:      %r" % (i, sc[:120], a[:400], b[:400]))
print("%d scripts, %d differ" % (len(SCRIPTS), bad))
sys.exit(1 if bad else 0)
