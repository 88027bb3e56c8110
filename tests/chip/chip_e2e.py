#!/usr/bin/env python3
"""tests/chip/chip_e2e.py: the whole-chip kind end to end, through the CLI.

Usage: chip_e2e.py TESSERA ROOT CASE
  (CASE: files, determinism, refusals, c15, c16, protection, isolation, client,
   netpipe, memcached)

files:        a client fetches files of 1 B, 1 KB, 64 KB and 1 MB from the
              HTTP server on the application tiles of d12-all (DLibOS over
              the UDN), of rtc and of n12; every body is compared byte for
              byte by the client (clients.verify); every request must come
              back 200 and intact; and again on d12-all with 1% loss on the
              client wires (nic.impair.loss), where TCP must retransmit,
              and with the smallest batching bound (3 words: every record of
              more than one piece splits, many messages per handler run).
determinism:  the same config and seed twice: summary.json identical but
              for the host section; another seed differs.
refusals:     a layout whose stack tiles do not match nic.mpipe.rings, a
              layout file that does not exist and a pcap port the kind does
              not have, files that do not fit a process heap, and keys the
              chosen workload or mode would ignore (memcached's, NetPIPE's,
              the TAP bridge's, the files with NetPIPE) are refused before
              the run (exit 2) naming the key.
(files also captures client0's port: nic.pcap_ports writes client0.pcap.)
c15:          ACKs while the application is busy (workload.busy_ns 1 ms,
              stack.delack_us 0): under DLibOS (d12-all) the network tile
              acknowledges within 100 us (p99 of ack_delay_ns); under RTC
              the median ACK waits at least the busy time.
c16:          with dlibos.credit_checks false, 128 connections per host
              deadlock the UDN: exit 4, the detector names the wait-for
              cycle with tiles stalled on a send; with checks on, the same
              load completes and messages waited for credits.
isolation:    two applications (processes: each its own heap with its own
              copy of the files, its own protection domain) on d12-all; a
              tile of process 0 writes Rx memory and stops; the tiles of
              process 1 go on serving, every response intact.
client:       the chip as the client (workload.app http-client): every
              application (or RTC) tile opens connections to the HTTP server
              of a client host; the source port each stack tile picks makes
              the device steer the replies to its own ring (no reset for an
              unknown connection anywhere) and every response is intact,
              under d12-all (connect over the UDN) and rtc.
protection:   the same load with chip.protection.mode protected and rtc:
              both complete, the protected run checked rights (non-zero
              rights_checks) with no fault; with one injected write into Rx
              memory (dlibos.inject_rx_write_tile) the protected run reports
              the protection fault (exit 3), that tile stops, and the other
              tiles go on serving.
netpipe:      NetPIPE (workload.app netpipe): client host 0's NPtcp-like
              client against the server on the chip, in each echo mode
              (copy and nocopy on d12-all, zerocopy with NPtcp -i on rtc):
              the exchange completes, every size of NetPIPE's schedule is
              measured once (netpipe.csv), no echoed byte differs, copy
              copies every byte echoed, nocopy one message per size,
              zerocopy none; the one-way time of 1 byte lies between 0.5
              and 50 us. Then chip to chip (nic.topology direct: a second
              chip cabled to port 0 runs the transmitter on a tile), copy
              on d12-all and nocopy on rtc, with the same checks, a capture
              of the peer's port that tshark reads without a warning, and
              direct refused with another workload.
memcached:    memcached (workload.app memcached, chip-memcached.yaml made
              small: 50,000 records, 2 hosts x 16 connections, 200,000
              requests/s offered) on d12-all and rtc: the rate achieved is
              within 5% of the offered one, no protocol or server error,
              no miss (every key was preloaded), the servers answered what
              the clients counted, the store still holds every record, the
              application tiles spent cycles in spin locks (the shared
              store's item locks) and every command line was parsed in
              place; a run whose duration is not past its warm-up and a
              store too small for its records are refused.
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
    for layout, rings, erings, loss, batch in [
            ("d12-all", 12, 12, 0, 126), ("rtc", 36, 24, 0, 126), ("n12", 12, 12, 0, 126),
            ("d12-all", 12, 12, 0.01, 126), ("d12-all", 12, 12, 0, 3)]:
        out = os.path.join(tmp, f"{layout}-{loss}-{batch}")
        run(out, *small(layout, rings, erings), f"nic.impair.loss={loss}",
            "nic.pcap_ports=client0", f"dlibos.batch_words={batch}")
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
        pc = st["pcap_files"]
        if (len(pc) != 1 or pc[0]["port"] != "client0" or not pc[0]["frames"]
                or os.path.getsize(os.path.join(out, "client0.pcap")) < 24 + 16 * pc[0]["frames"]):
            sys.exit(f"{layout}: nic.pcap_ports=client0: {pc}")
        rtx = sum(t["stack"].get("tcp_retransmits", 0) for t in st["stack_tiles"])
        if loss and not rtx:
            sys.exit(f"{layout}: {loss} loss on the client wires, yet no retransmission")
        print(f"{layout}, loss {loss}, batch {batch} words: {want} responses intact ({rtx} retransmissions), {c['body_bytes']} body bytes, "
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
    p = run(os.path.join(tmp, "c"), "nic.pcap_ports=gen", expect=2)
    if 'nic.pcap_ports: no port named "gen"' not in p.stderr or "client7" not in p.stderr:
        sys.exit("a port nic-echo has but the chip kind has not: not refused:\n" + p.stderr)
    p = run(os.path.join(tmp, "d"), "workload.files=1073741824,1073741824", expect=2)
    if "workload.files: expected the files to take at most half of a process heap" not in p.stderr:
        sys.exit("files larger than the heap: not refused:\n" + p.stderr)
    # keys the chosen workload or mode would ignore
    for i, (key, applies) in enumerate([("clients.mc_qps=5", "workload.app memcached"),
                                        ("workload.netpipe_mode=nocopy", "workload.app netpipe"),
                                        ("clients.tap_pace_us=50", "clients.tap set")]):
        p = run(os.path.join(tmp, f"e{i}"), key, expect=2)
        if f"{key.split('=')[0]}: applies only with {applies}" not in p.stderr:
            sys.exit(f"{key} on the http workload: not refused:\n" + p.stderr)
    p = run(os.path.join(tmp, "f"), "workload.app=netpipe", "workload.files=64", expect=2)
    if "workload.files: applies only with workload.app http or http-client" not in p.stderr:
        sys.exit("workload.files with netpipe: not refused:\n" + p.stderr)
    print("refused: rings mismatch, missing layout, unknown pcap port, files over the heap, keys "
          "the workload or mode would ignore")


def stats(out):
    return json.load(open(os.path.join(out, "summary.json")))["stats"]


def c15_case(tmp):
    common = ["workload.busy_ns=1000000", "stack.delack_us=0", "clients.hosts=2",
              "clients.connections=8", "experiment.duration_ns=6000000",
              "experiment.warmup_ns=1000000"]
    d = os.path.join(tmp, "dlibos")
    run(d, *common)
    r = os.path.join(tmp, "rtc")
    run(r, *common, "dlibos.layout=rtc", "nic.mpipe.rings=36", "nic.mpipe.edma_rings=24")
    ad, ar = stats(d)["ack_delay_ns"], stats(r)["ack_delay_ns"]
    if not ad.get("count") or not ar.get("count"):
        sys.exit(f"no ACK delay measured: dlibos {ad}, rtc {ar}")
    if ad["p99"] > 100e3:
        sys.exit(f"DLibOS: p99 ACK delay {ad['p99']:.0f} ns, expected well below the 1 ms busy time")
    if ar["p50"] < 1e6:
        sys.exit(f"RTC: median ACK delay {ar['p50']:.0f} ns, expected at least the 1 ms busy time")
    print(f"ACK delay, application busy 1 ms: DLibOS p50 {ad['p50']:.0f} ns p99 {ad['p99']:.0f} ns; "
          f"RTC p50 {ar['p50']:.0f} ns p99 {ar['p99']:.0f} ns")


def c16_case(tmp):
    load = ["clients.connections=128", "experiment.duration_ns=1000000"]
    p = run(os.path.join(tmp, "off"), *load, "dlibos.credit_checks=false", expect=4)
    st = stats(os.path.join(tmp, "off"))
    if "UDN deadlock" not in p.stderr or not st.get("deadlocked"):
        sys.exit("credit checks off: no deadlock reported:\n" + p.stderr)
    nodes = st["deadlock"]["cycle_nodes"]
    if not any(n.get("kind") == "inject" for n in nodes):
        sys.exit(f"the wait-for cycle has no tile stalled on a send: {nodes}")
    run(os.path.join(tmp, "on"), *load, "dlibos.credit_checks=true")
    on = stats(os.path.join(tmp, "on"))
    if on["deadlocked"] or not on["udn"]["queued_for_credits"] or not on["clients"]["responses_ok"]:
        sys.exit(f"credit checks on: deadlocked {on['deadlocked']}, queued "
                 f"{on['udn']['queued_for_credits']}, responses {on['clients']['responses_ok']}")
    print(f"checks off: deadlock ({len(nodes)} nodes in the wait-for cycle); checks on: "
          f"{on['clients']['responses_ok']} responses, {on['udn']['queued_for_credits']} "
          f"messages waited for credits")


def protection_case(tmp):
    out = {}
    for mode in ("protected", "rtc"):
        out[mode] = os.path.join(tmp, mode)
        run(out[mode], f"chip.protection.mode={mode}")
    sp, sr = stats(out["protected"]), stats(out["rtc"])
    checks = sum(t["rights_checks"] for t in sp["chip"]["tiles"])
    if not checks or sp["chip"]["faults"]["protection"] or sum(
            t["rights_checks"] for t in sr["chip"]["tiles"]):
        sys.exit(f"protected: {checks} rights checks, faults {sp['chip']['faults']}")
    # the faulting tile stops: between a 1 ms and a 2 ms run its handler
    # count stays, the others' grow and responses go on
    runs = {}
    for ms in (1, 2):
        inj = os.path.join(tmp, f"inject{ms}")
        p = run(inj, "dlibos.inject_rx_write_tile=2", f"experiment.duration_ns={ms}000000",
                expect=3)
        si = stats(inj)
        if si["chip"]["faults"]["protection"] != 1 or "protection fault" not in p.stderr:
            sys.exit("injected write into Rx memory: not caught:\n" + p.stderr)
        runs[ms] = ({t["id"]: t["handlers"] for t in si["chip"]["tiles"]},
                    si["clients"]["responses_ok"])
    (h1, r1), (h2, r2) = runs[1], runs[2]
    grew = [i for i in h1 if i != 2 and h2[i] > h1[i]]
    if h2[2] != h1[2] or len(grew) < 20 or r2 <= r1:
        sys.exit(f"after the fault: tile 2 handlers {h1[2]} -> {h2[2]}, {len(grew)} other "
                 f"tiles still running, responses {r1} -> {r2}")
    si = {"clients": {"responses_ok": r2}}
    print(f"protected {sp['requests_per_s']:.0f} requests/s vs rtc {sr['requests_per_s']:.0f} "
          f"({checks} rights checks, 0 faults); injected fault caught, tile 2 stopped, "
          f"{si['clients']['responses_ok']} responses from the other tiles")


P1 = [3, 9, 10, 15, 16, 17, 21, 22, 23, 27, 28, 33]  # the east half's application tiles


def isolation_case(tmp):
    lay = os.path.join(tmp, "two.yaml")
    with open(os.path.join(ROOT, "configs/layouts/d12-all.yaml")) as f:
        text = f.read()
    with open(lay, "w") as f:
        f.write(text + "processes:\n  1: [" + ", ".join(map(str, P1)) + "]\n")
    runs = {}
    for ms in (1, 2):
        out = os.path.join(tmp, f"r{ms}")
        p = run(out, f"dlibos.layout={lay}", "dlibos.inject_rx_write_tile=2",
                f"experiment.duration_ns={ms}000000", expect=3)
        st = stats(out)
        if st["chip"]["faults"]["protection"] != 1 or "tile 2: protection fault" not in p.stderr:
            sys.exit("the injected fault was not caught:\n" + p.stderr)
        if st["clients"]["body_mismatch"] or st["clients"]["malformed"]:
            sys.exit(f"responses damaged: {st['clients']}")
        runs[ms] = ({t["id"]: t["handlers"] for t in st["chip"]["tiles"]},
                    st["clients"]["responses_ok"])
    (h1, r1), (h2, r2) = runs[1], runs[2]
    if h2[2] != h1[2] or any(h2[t] <= h1[t] for t in P1) or r2 <= r1:
        sys.exit(f"tile 2 {h1[2]} -> {h2[2]} handlers; process 1 "
                 f"{[h2[t] - h1[t] for t in P1]} more; responses {r1} -> {r2}")
    print(f"process 0's tile 2 stopped on its fault; process 1's 12 tiles went on; "
          f"responses {r1} -> {r2}, all intact")


def client_case(tmp):
    for layout, rings, erings, tiles in [("d12-all", 12, 12, 24), ("rtc", 36, 24, 36)]:
        out = os.path.join(tmp, layout)
        run(out, "workload.app=http-client", "clients.connections=2", "clients.requests=10",
            "experiment.duration_ns=0", "workload.files=1,1024,65536",
            f"dlibos.layout={layout}", f"nic.mpipe.rings={rings}", f"nic.mpipe.edma_rings={erings}")
        st = stats(out)
        c, want = st["clients"], tiles * 10
        opens = [t["stack"].get("tcp_active_opens", 0) for t in st["stack_tiles"]]
        rst = sum(t["stack"].get("tcp_no_conn_rst", 0) + t["stack"].get("tcp_rst_rx", 0)
                  for t in st["stack_tiles"])
        if c["responses_ok"] != want or c["requests"] != want or rst or sum(opens) != 2 * tiles:
            sys.exit(f"{layout}: {c['responses_ok']} of {c['requests']} responses (want {want}), "
                     f"active opens {opens}, resets {rst}")
        if layout != "rtc" and min(opens) == 0:
            sys.exit(f"{layout}: a network tile opened no connection: {opens}")
        print(f"{layout}: {want} responses intact over {sum(opens)} active opens, no reset")


def np_sizes(start, pert, mx):
    """NetPIPE's message sizes up to base size mx (workloads/netpipe.c)."""
    out, length, inc, nq = [], start, start // 2 if start > 1 else 1, 1 if start > 1 else 0
    while length <= mx:
        if nq > 2 and nq % 2:
            inc *= 2
        wide = inc > pert + 1
        p = -pert if wide else 0
        while p <= pert:
            if length + p > 0:
                out.append(length + p)
            p += pert if wide and pert > 0 else pert + 1
        length += inc
        nq += 1
    return out


def netpipe_case(tmp):
    mx = 8192
    for layout, rings, erings, mode, integrity, topo in [
            ("d12-all", 12, 12, "copy", False, "switch"),
            ("d12-all", 12, 12, "nocopy", False, "switch"),
            ("rtc", 36, 24, "zerocopy", True, "switch"),
            ("d12-all", 12, 12, "copy", False, "direct"),
            ("rtc", 36, 24, "nocopy", False, "direct")]:
        out = os.path.join(tmp, f"{layout}-{mode}-{topo}")
        run(out, "workload.app=netpipe", f"workload.netpipe_mode={mode}",
            f"clients.netpipe_max_bytes={mx}", "clients.netpipe_repeats=3",
            f"clients.netpipe_integrity={str(integrity).lower()}",
            "experiment.duration_ns=0", f"dlibos.layout={layout}", f"nic.mpipe.rings={rings}",
            f"nic.mpipe.edma_rings={erings}", f"nic.topology={topo}",
            *(["nic.pcap_ports=chip1.p0"] if topo == "direct" else []))
        n = stats(out)["netpipe"]
        want = np_sizes(5, 0, mx) if integrity else np_sizes(1, 3, mx)
        with open(os.path.join(out, "netpipe.csv")) as f:
            rows = [line.split(",") for line in f.read().split()[1:]]
        got = [int(r[0]) for r in rows]
        if not n["completed"] or n["mismatched_bytes"] or n["protocol_errors"] or got != want:
            sys.exit(f"{layout} {mode}: {n}; sizes {got[:8]}... ({len(got)}), want "
                     f"{want[:8]}... ({len(want)})")
        echoed, copied = n["server_bytes_echoed"], n["server_bytes_copied"]
        if ((mode == "copy" and copied != echoed) or (mode == "zerocopy" and copied)
                or (mode == "nocopy" and not 0 < copied <= sum(want) + 1)):
            sys.exit(f"{layout} {mode}: copied {copied} of {echoed} echoed bytes")
        one_way_us = float(rows[0][2])
        if not 0.5 <= one_way_us <= 50:
            sys.exit(f"{layout} {mode}: one way {one_way_us} us for {rows[0][0]} B")
        if topo == "direct":
            p = subprocess.run(["tshark", "-r", os.path.join(out, "chip1.p0.pcap"), "-o",
                                "tcp.check_checksum:TRUE", "-q", "-z", "expert,warn"],
                               capture_output=True, text=True)
            if p.returncode or "Malformed" in p.stdout or "Bad checksum" in p.stdout:
                sys.exit(f"{layout} {mode} direct: tshark on chip1.p0.pcap: {p.stdout}{p.stderr}")
        print(f"{layout} {mode} {topo}: {len(got)} sizes, one way {one_way_us:.2f} us at "
              f"{got[0]} B, {copied} of {echoed} bytes copied")
    p = run(os.path.join(tmp, "refused"), "nic.topology=direct", expect=2)
    if "expected workload.app netpipe" not in p.stderr:
        sys.exit(f"direct with http: {p.stderr}")


def memcached_case(tmp):
    exp = os.path.join(ROOT, "configs/experiments/chip-memcached.yaml")

    def mc_run(out, *sets, expect=0):
        args = [TESSERA, "run", exp, "-o", out]
        for x in sets:
            args += ["--set", x]
        p = subprocess.run(args, cwd=ROOT, capture_output=True, text=True)
        if p.returncode != expect:
            sys.exit(f"exit {p.returncode}, expected {expect}: {' '.join(args)}\n{p.stdout}\n"
                     f"{p.stderr}")
        return p

    small = ["workload.mcd_records=50000", "workload.mcd_memory_mb=16",
             "chip.tile.heap_bytes=67108864", "clients.hosts=2", "clients.connections=16",
             "clients.mc_observer_conns=4", "clients.mc_qps=200000",
             "experiment.duration_ns=1500000", "experiment.warmup_ns=500000"]
    for layout, rings, erings in [("d12-all", 12, 12), ("rtc", 36, 24)]:
        out = os.path.join(tmp, layout)
        mc_run(out, *small, f"dlibos.layout={layout}", f"nic.mpipe.rings={rings}",
               f"nic.mpipe.edma_rings={erings}")
        st = stats(out)
        m, c, srv = st["memcached"], st["memcached"]["clients"], st["memcached"]["servers"]
        role = "app" if layout != "rtc" else "rtc"
        lock = sum(t["cycles"]["lock"] for t in st["chip"]["tiles"] if t["role"] == role)
        problems = []
        if not 0.95 * m["offered_qps"] <= m["qps"] <= 1.05 * m["offered_qps"]:
            problems.append(f"achieved {m['qps']} of {m['offered_qps']}")
        if c["protocol_errors"] or c["server_errors"] or c["misses"] or c["connect_failed"]:
            problems.append(f"client counters {c}")
        if not c["hits"] or abs(srv["get_hits"] - c["hits"]) > 64 or srv["get_misses"]:
            problems.append(f"servers {srv} against clients {c}")
        if st["memcached"]["store"]["curr_items"] != 50000:
            problems.append(f"store {st['memcached']['store']}")
        if not lock or srv["parse_copied"] or not srv["parse_inplace"]:
            problems.append(f"lock cycles {lock}, parses {srv}")
        if problems:
            sys.exit(f"{layout}: " + "; ".join(problems))
        print(f"{layout}: {m['qps']:.0f} of {m['offered_qps']:.0f} requests/s, p99 "
              f"{m['latency_ns']['p99'] / 1000:.1f} us, {c['hits']} hits, {lock} lock cycles")
    p = mc_run(os.path.join(tmp, "short"), *small, "experiment.duration_ns=500000", expect=2)
    if "expected more than experiment.warmup_ns" not in p.stderr:
        sys.exit(f"duration not past the warm-up: {p.stderr}")
    p = mc_run(os.path.join(tmp, "full"), *small, "workload.mcd_memory_mb=2", expect=3)
    if "workload.mcd_records" not in p.stderr:
        sys.exit(f"records that do not fit: {p.stderr}")
    print("refused: a duration not past the warm-up; records that do not fit the store")


CASES = {"files": files_case, "determinism": determinism_case, "refusals": refusals_case,
         "c15": c15_case, "c16": c16_case, "protection": protection_case,
         "isolation": isolation_case, "client": client_case, "netpipe": netpipe_case,
         "memcached": memcached_case}
with tempfile.TemporaryDirectory() as tmp:
    CASES[CASE](tmp)
