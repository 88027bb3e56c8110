#!/usr/bin/env python3
"""scripts/mutate-configs.py: a mutation campaign over every file in configs/.

Each mutant is one file of configs/ changed by one operator (byte flip,
deleted or duplicated line, a value made huge, negative, zero, non-numeric or
very long, deep nesting, an alias bomb, non-UTF-8 bytes, an empty file, an
include of a directory, a FIFO, a missing file or the file itself). Mutants
of an experiment go through `validate` and, when validate accepts them,
`run`; mutants of a sweep through `validate` and `sweep --dry-run`; mutants
of an included file (configs/chip) through an experiment that includes them;
mutants of a layout through `layout`. Every command has a time limit.

It counts the outcomes (exit codes by name, "time limit", "crash": killed by
a signal or a sanitizer report) and fails (exit 1) on a crash, or on a
mutant that validate accepts and run then refuses as bad input. Mutants are
drawn from a seeded generator: the same seed gives the same mutants.

  scripts/mutate-configs.py [-n 5000] [--seed 1] [-j 2] [--timeout 5]
                            [--tessera build/asan/tessera] [--work out/mutants]
"""
import argparse
import collections
import concurrent.futures
import os
import random
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from campaign import parse_args, tessera  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VALUES = ["0", "-1", "1e30", "18446744073709551616", "99999999999999999999999",
          "abc", "~", "''", "-0", "0x10", "1.5", ".nan", "true", "[1, 2]", "{a: 1}",
          "x" * 100000]
BOMB = ("bomb_a: &a [1,1,1,1,1,1,1,1,1,1]\nbomb_b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
        "bomb_c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nbomb_d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
        "bomb_e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]\nbomb_f: [*e,*e,*e,*e,*e,*e,*e,*e,*e,*e]\n")


def mutate(rng, data, name):
    """One mutant of `data` (bytes): (operator name, bytes)."""
    lines = data.split(b"\n")
    op = rng.choice(["flip", "delete", "duplicate", "value", "value", "value", "deep",
                     "bomb", "utf8", "empty", "include-dir", "include-fifo",
                     "include-missing", "include-self", "anchor"])
    if op == "flip" and data:
        b = bytearray(data)
        i = rng.randrange(len(b))
        b[i] ^= 1 << rng.randrange(8)
        return op, bytes(b)
    if op == "delete" and len(lines) > 1:
        del lines[rng.randrange(len(lines))]
        return op, b"\n".join(lines)
    if op == "duplicate":
        i = rng.randrange(len(lines))
        lines.insert(i, lines[i])
        return op, b"\n".join(lines)
    if op == "value":
        cand = [i for i, l in enumerate(lines)
                if b":" in l and not l.lstrip().startswith(b"#") and l.split(b":", 1)[1].strip()]
        if cand:
            i = rng.choice(cand)
            key, rest = lines[i].split(b":", 1)
            comment = b"  #" + rest.split(b"#", 1)[1] if b"#" in rest else b""
            lines[i] = key + b": " + rng.choice(VALUES).encode() + comment
            return op, b"\n".join(lines)
        return op, data + b"\nextra: 0\n"
    if op == "deep":
        depth = rng.choice([100, 1000, 20000])
        return op, data + b"\ndeep: " + b"[" * depth + b"]" * depth + b"\n"
    if op == "bomb":
        return op, data + b"\n" + BOMB.encode()
    if op == "anchor":
        # an alias of a section under another key
        return op, data + b"\nalias_of: *nowhere\n"
    if op == "utf8":
        b = bytearray(data)
        b[rng.randrange(len(b) + 1):0] = rng.choice([b"\xff\xfe", b"\xc3", b"\xed\xa0\x80", b"\x00"])
        return op, bytes(b)
    if op == "empty":
        return op, b""
    target = {"include-dir": b"incl-dir", "include-fifo": b"incl-fifo",
              "include-missing": b"no-such-file.yaml", "include-self": name.encode()}.get(op)
    if target:
        body = b"\n".join(l for l in lines if not l.startswith(b"include:"))
        return op, b"include: " + target + b"\n" + body
    return "duplicate", data + b"\n" + data


def one_mutant(a, k, src, data):
    """Writes mutant k of configs/src beside its original and runs it."""
    rng = random.Random(a.seed * 1000003 + k)
    d, base = os.path.split(src)
    name = "m%05d.yaml" % k
    op, text = mutate(rng, data, name)
    folder = os.path.join(a.work, d)
    path = os.path.join(folder, name)
    with open(path, "wb") as f:
        f.write(text)
    out = os.path.join(a.work, "out", "m%05d" % k)
    steps = []
    if d == "configs/chip":  # an included file: through the experiment that includes it
        wrap = os.path.join(a.work, "configs", "experiments", "w%05d.yaml" % k)
        with open(os.path.join(ROOT, "configs", "experiments", "nic-echo.yaml"), "rb") as f:
            exp = f.read().replace(b"../chip/tilegx36.yaml", b"../chip/" + name.encode())
        with open(wrap, "wb") as f:
            f.write(exp)
        path = wrap
        d = "configs/experiments"
    if d == "configs/layouts":
        steps.append(("layout",) + tessera(a.tessera, ["layout", path, "-o", out + ".png"],
                                           a.timeout, a.work))
    else:
        v = tessera(a.tessera, ["validate", path], a.timeout, a.work)
        steps.append(("validate",) + v)
        if v[0] == "ok":
            if d == "configs/sweeps":
                steps.append(("sweep --dry-run",) + tessera(
                    a.tessera, ["sweep", path, "--dry-run", "-o", out], a.timeout, a.work))
            else:
                r = tessera(a.tessera, ["run", path, "-o", out, "--quiet"], a.timeout, a.work)
                steps.append(("run",) + r)
    shutil.rmtree(out, ignore_errors=True)
    return src, op, steps


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-n", type=int, default=5000)
    ap.add_argument("--seed", type=int, default=1)
    a = parse_args(ap, ROOT, "mutants")
    shutil.copytree(os.path.join(ROOT, "configs"), os.path.join(a.work, "configs"))
    for d in ("experiments", "sweeps", "chip", "layouts"):
        cd = os.path.join(a.work, "configs", d)
        os.makedirs(os.path.join(cd, "incl-dir"), exist_ok=True)
        if not os.path.exists(os.path.join(cd, "incl-fifo")):
            os.mkfifo(os.path.join(cd, "incl-fifo"))
    sources = []
    for d in sorted(os.listdir(os.path.join(ROOT, "configs"))):
        for f in sorted(os.listdir(os.path.join(ROOT, "configs", d))):
            if f.endswith(".yaml"):
                with open(os.path.join(ROOT, "configs", d, f), "rb") as fh:
                    sources.append((os.path.join("configs", d, f), fh.read()))
    counts = collections.Counter()
    by_op = collections.Counter()
    problems = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=a.j) as ex:
        futs = [ex.submit(one_mutant, a, k, *sources[k % len(sources)]) for k in range(a.n)]
        for k, fut in enumerate(futs):
            src, op, steps = fut.result()
            by_op[op] += 1
            for step, word, err in steps:
                counts[(step, word)] += 1
                if word == "crash":
                    problems.append("mutant %d (%s of %s): %s crashed:\n%s" % (k, op, src, step, err))
            words = dict((s, w) for s, w, _ in steps)
            if words.get("validate") == "ok" and words.get("run") == "bad-input":
                problems.append("mutant %d (%s of %s): validate accepts, run refuses:\n%s"
                                % (k, op, src, steps[-1][2]))
    print("mutants: %d from %d files (seed %d), per-command limit %.0f s" %
          (a.n, len(sources), a.seed, a.timeout))
    print("by operator: " + ", ".join("%s %d" % kv for kv in sorted(by_op.items())))
    print("outcomes:")
    for (step, word), n in sorted(counts.items()):
        print("  %-16s %-18s %6d" % (step, word, n))
    for p in problems[:20]:
        print(p)
    print("%d problem(s)%s" % (len(problems), "" if len(problems) <= 20 else " (first 20 shown)"))
    print("mutants kept in %s" % a.work)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
