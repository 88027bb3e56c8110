#!/usr/bin/env python3
"""tests/chip/chip_e2e.py: the whole-chip kind end to end, through the CLI.

Usage: chip_e2e.py TESSERA ROOT CASE   (CASE: files, determinism, refusals)

files:        a client fetches files of 1 B, 1 KB, 64 KB and 1 MB from the
              HTTP server on the application tiles of d12-all (DLibOS over
              the UDN), of rtc and of n12; every body is compared byte for
              byte by the client (clients.verify); every request must come
              back 200 and intact; and again on d12-all with 1% loss on the
              client wires (nic.impair.loss), where TCP must retransmit.
determinism:  the same config and seed twice: summary.json identical but
              for the host section; another seed differs.
refusals:     a layout whose stack tiles do not match nic.mpipe.rings, and a
              layout file that does not exist, are refused before the run
              (exit 2) naming the key.
Standard library only."""
import json
import os
import subprocess
import sys
import tempfile

TESSERA, ROOT, CASE = sys.argv[1], sys.argv[2], sys.argv[3]
EXP = os.path.join(ROOT, "configs/experiments/chip-http.yaml")
FILES = [1, 1024, 65536, 1048576]


def run(out, *sets, expect=0):
    args = [TESSERA, "run", EXP, "-o", out]
    for s in sets:
        args += ["--set", s]
    p = subprocess.run(args, cwd=ROOT, capture_output=True, text=True)
    if p.returncode != expect:
        sys.exit(f"exit {p.returncode}, expected {expect}: {' '.join(args)}\n{p.stdout}\n{p.stderr}")
    return p


def small(layout, rings, erings, hosts=2, conns=4, requests=16):
    return [f"dlibos.layout={layout}", f"nic.mpipe.rings={rings}",
            f"nic.mpipe.edma_rings={erings}", f"clients.hosts={hosts}",
            f"clients.connections={conns}", f"clients.requests={requests}",
            "experiment.duration_ns=0", "experiment.warmup_ns=0",
            "workload.files=" + ",".join(map(str, FILES))]


def files_case(tmp):
    for layout, rings, erings, loss in [("d12-all", 12, 12, 0), ("rtc", 36, 24, 0),
                                        ("n12", 12, 12, 0), ("d12-all", 12, 12, 0.01)]:
        out = os.path.join(tmp, f"{layout}-{loss}")
        run(out, *small(layout, rings, erings), f"nic.impair.loss={loss}")
        st = json.load(open(os.path.join(out, "summary.json")))["stats"]
        c = st["clients"]
        want = 2 * 16
        # (verify compares every body with its file, length included; which
        # file each request got depends on the slots' pace, so the byte
        # total only has bounds)
        bad = {k: c[k] for k in ("body_mismatch", "malformed", "closed_mid_response",
                                  "send_failed", "s4xx", "s5xx") if c[k]}
        if (c["requests"] != want or c["responses_ok"] != want or bad
                or not want * min(FILES) <= c["body_bytes"] <= want * max(FILES)):
            sys.exit(f"{layout}: requests {c['requests']}, ok {c['responses_ok']} (want {want}), "
                     f"body bytes {c['body_bytes']}, errors {bad}")
        if layout != "rtc" and st["udn"]["messages"] == 0:
            sys.exit(f"{layout}: no UDN message: the transport was not used")
        rtx = sum(t["stack"].get("tcp_retransmits", 0) for t in st["stack_tiles"])
        if loss and not rtx:
            sys.exit(f"{layout}: {loss} loss on the client wires, yet no retransmission")
        print(f"{layout}, loss {loss}: {want} responses intact ({rtx} retransmissions), {c['body_bytes']} body bytes, "
              f"UDN {st['udn']['messages']} messages")


def determinism_case(tmp):
    sets = small("d12-all", 12, 12, requests=8)
    outs = []
    for i, seed in enumerate([7, 7, 8]):
        out = os.path.join(tmp, f"r{i}")
        run(out, *sets, f"experiment.seed={seed}")
        d = json.load(open(os.path.join(out, "summary.json")))
        d.pop("host", None)
        outs.append(json.dumps(d, sort_keys=True))
    if outs[0] != outs[1]:
        sys.exit("same seed, different summary.json")
    if outs[0] == outs[2]:
        sys.exit("another seed gave the same summary.json: the seed has no effect")
    print("same seed: identical summary.json; another seed: different")


def refusals_case(tmp):
    p = run(os.path.join(tmp, "a"), "nic.mpipe.rings=4", expect=2)
    if "nic.mpipe.rings" not in p.stderr:
        sys.exit("rings mismatch: message does not name nic.mpipe.rings:\n" + p.stderr)
    p = run(os.path.join(tmp, "b"), "dlibos.layout=nope", expect=2)
    if "dlibos.layout" not in p.stderr:
        sys.exit("missing layout: message does not name dlibos.layout:\n" + p.stderr)
    print("refused: rings mismatch, missing layout")


with tempfile.TemporaryDirectory() as tmp:
    {"files": files_case, "determinism": determinism_case, "refusals": refusals_case}[CASE](tmp)
