#!/usr/bin/env python3
"""scripts/boundary-keys.py: every key of the schema at its limits, against
every experiment kind.

Reads the schema from `tessera config-reference` (keys, types, ranges,
choices). For each experiment kind (one shipped experiment each) and each
key of a section the kind reads, it sets the key to its minimum and its
maximum (each choice of a choice key, both values of a bool), then runs
`validate` and, when validate accepts, `run` with a time limit. A run that
reaches the limit is reported as long (its key and value are listed), not as
a failure: the maximum of a duration is legitimately long.

Fails (exit 1) on a crash (a signal or a sanitizer report) or on a value
validate accepts and run then refuses as bad input.

  scripts/boundary-keys.py [-j 2] [--timeout 5] [--tessera build/asan/tessera] [--kind K]...
"""
import argparse
import collections
import concurrent.futures
import os
import re
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from campaign import parse_args, tessera  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# One shipped experiment per kind, and the sections it reads (docs/cli.md).
KINDS = [("hold", "configs/experiments/hold.yaml", ["experiment", "hold"]),
         ("noc-synthetic", "configs/experiments/noc-uniform.yaml", ["experiment", "noc"]),
         ("noc-msgdep", "configs/experiments/noc-msgdep-stall.yaml", ["experiment", "noc"]),
         ("tile-calib", "configs/experiments/tile-calib.yaml", ["experiment", "chip", "noc"]),
         ("nic-echo", "configs/experiments/nic-echo.yaml", ["experiment", "chip", "noc", "nic"]),
         ("chip", "configs/experiments/chip-http.yaml",
          ["experiment", "chip", "noc", "nic", "stack", "dlibos", "workload", "clients"])]


def schema(binary):
    """[(key, [values])] from the configuration reference."""
    text = subprocess.run([binary, "config-reference"], capture_output=True, check=True,
                          text=True).stdout
    keys = []
    for line in text.splitlines():
        cells = [c.strip() for c in line.split("|")[1:-1]]
        if len(cells) < 6 or not cells[0].startswith("`") or cells[1] == "section":
            continue
        key, typ, rng = cells[0].strip("`"), cells[1], cells[3]
        if typ == "choice":
            values = re.findall(r"`([^`]*)`", rng)
        elif typ == "bool":
            values = ["true", "false"]
        elif " .. " in rng:
            values = [v.strip() for v in rng.split(" .. ")]
        else:
            continue  # strings and unbounded numbers: the mutation campaign covers them
        keys.append((key, values))
    return keys


def one_case(a, n, kind, exp, key, value):
    out = os.path.join(a.work, "c%05d" % n)
    args = [os.path.join(ROOT, exp), "--set", "%s=%s" % (key, value)]
    steps = [("validate",) + tessera(a.tessera, ["validate"] + args, a.timeout, ROOT)]
    if steps[0][1] == "ok":
        steps.append(("run",) + tessera(a.tessera, ["run"] + args + ["-o", out, "--quiet"],
                                        a.timeout, ROOT))
    shutil.rmtree(out, ignore_errors=True)
    return kind, key, value, steps


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--kind", action="append", help="only these kinds (default: all)")
    a = parse_args(ap, ROOT, "boundary-keys")
    os.makedirs(a.work)
    keys = schema(a.tessera)
    cases = [(kind, exp, key, v) for kind, exp, sections in KINDS for key, values in keys
             if key.split(".")[0] in sections and (not a.kind or kind in a.kind) for v in values]
    counts = collections.Counter()
    long_runs, problems = [], []
    with concurrent.futures.ThreadPoolExecutor(max_workers=a.j) as ex:
        futs = [ex.submit(one_case, a, n, *c) for n, c in enumerate(cases)]
        for fut in futs:
            kind, key, value, steps = fut.result()
            for step, word, err in steps:
                counts[(kind, step, word)] += 1
                if word == "crash":
                    problems.append("%s %s=%s: %s crashed:\n%s" % (kind, key, value, step, err))
                if word == "time limit":
                    long_runs.append("%s %s=%s" % (kind, key, value))
            words = dict((s, w) for s, w, _ in steps)
            if words.get("validate") == "ok" and words.get("run") == "bad-input":
                problems.append("%s %s=%s: validate accepts, run refuses:\n%s"
                                % (kind, key, value, steps[-1][2]))
    print("%d keys with limits, %d cases (kind x key x value), limit %.0f s per command" %
          (len(keys), len(cases), a.timeout))
    for (kind, step, word), n in sorted(counts.items()):
        print("  %-14s %-9s %-12s %5d" % (kind, step, word, n))
    print("long (reached the time limit): %s" % (", ".join(long_runs) if long_runs else "none"))
    for p in problems:
        print(p)
    print("%d problem(s)" % len(problems))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
