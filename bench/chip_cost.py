#!/usr/bin/env python3
"""bench/chip_cost.py SHORT.txt SHORT.json LONG.txt LONG.json: host
instructions per simulated request, by component (bench/chip_http_cost.sh).

SHORT.txt and LONG.txt are `callgrind_annotate --threshold=100` listings of
two runs of the same config, SHORT.json and LONG.json their summary.json
files. Each function's instructions (self cost: a function's callees count
where they are) in the longer run minus those in the shorter one, divided by
the responses the clients received in between, is its cost per request in
the steady state: set-up and warm-up are in both runs and cancel out.

Components go by source file (and, for the hooks, by function: their
inlined cache code is listed under sim/tile/cache.h). The stack's and the
HTTP code's sources run both as instrumented tile code and natively on the
client hosts: their lines hold both.
"""
import collections
import json
import re
import sys

LINE = re.compile(r"\s*([\d,]+) \(\s*[\d.]+%\)\s+(\S+):(\S+)")

# (component, test on (source file relative to the tree, function))
COMPONENTS = [
    ("hooks: basic blocks (guard)",
     lambda f, fn: fn.startswith("__sanitizer_cov_trace_pc_guard")),
    ("hooks: loads and stores (with the L1 model)", lambda f, fn: fn.startswith("__sanitizer_cov_")),
    ("cache model beyond the L1", lambda f, fn: f.startswith("sim/tile/cache")),
    ("tile runtime: sync, time, handlers, slow path", lambda f, fn: f.startswith("sim/tile/")
     and not f.startswith("sim/tile/libc")),
    ("coroutine switches (Boost.Context)", lambda f, fn: "fcontext" in fn),
    ("event engine and clock", lambda f, fn: f.startswith("sim/kernel/")),
    ("mesh and UDN", lambda f, fn: f.startswith("noc/")),
    ("stack (tile code and client hosts)", lambda f, fn: f.startswith("stack/")),
    ("DLibOS tile programs", lambda f, fn: f.startswith("workloads/tile/")),
    ("HTTP server and clients", lambda f, fn: f.startswith("workloads/")),
    ("tile code's C library helpers", lambda f, fn: f.startswith("sim/tile/libc")),
    ("NIC, wires, switch, client hosts", lambda f, fn: f.startswith("nic/")),
    ("chip experiment (set-up, stats, bridges)", lambda f, fn: f.startswith("sim/")),
    ("C library (malloc, memcpy, ...) and the rest", lambda f, fn: True),
]


def component(path, fn):
    """The component of function fn, whose source is path (absolute)."""
    rel = path
    for root in ("/stack/", "/workloads/", "/sim/", "/noc/", "/nic/"):
        k = path.rfind(root)
        if k >= 0:
            rel = path[k + 1:]
            break
    for name, test in COMPONENTS:
        if test(rel, fn):
            return name
    return COMPONENTS[-1][0]


def load(listing):
    by = collections.Counter()
    for line in open(listing):
        m = LINE.match(line)
        if not m or "PROGRAM TOTALS" in line:
            continue
        by[component(m.group(2), m.group(3))] += int(m.group(1).replace(",", ""))
    return by


def responses(summary):
    return json.load(open(summary))["stats"]["clients"]["responses"]


def main(argv):
    if len(argv) != 5:
        sys.stderr.write(__doc__)
        return 2
    a, b = load(argv[1]), load(argv[3])
    requests = responses(argv[4]) - responses(argv[2])
    if requests <= 0:
        print("chip_cost.py: the longer run answered no more requests than the shorter one",
              file=sys.stderr)
        return 1
    diff = {name: b[name] - a[name] for name, _ in COMPONENTS}
    total = sum(diff.values())
    print(f"{requests} requests between the two runs: {total / requests:,.0f} host "
          "instructions per simulated request")
    for name, v in sorted(diff.items(), key=lambda kv: -kv[1]):
        print(f"{v / requests:10,.0f}  {100 * v / total:5.1f}%  {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
