#!/usr/bin/env python3
"""bench/counts_vs_native.py: instructions per function, native vs tile.

Runs bench_counts_native under `valgrind --tool=callgrind` (collecting inside
counts_workloads() only; on a copy without DWARF, which valgrind 3.19 cannot
read from clang 14, so names come from the symbol table) and
bench_counts_tile (the same workloads on a tile, exact profile, the
instrumented blocks' own counts and the counts scaled to the native build),
and prints per function: native Ir (self), the tile's counts before and after
the scaling, and their ratios to native. Functions compared: those of tile
code (named in the tile's profile); the native names of the calibration
functions carry a _native suffix, dropped here. The C library helpers of
sim/tile/libc (tile_memcpy, tile_vsnprintf, ...) are left out: natively the
same calls run glibc's own code (vectorised, other algorithms), not a build
of the same source, so there is nothing to scale them to (they are charged
their own native build's counts; tests/tile/test_libc.c).

  bench/counts_vs_native.py BUILD_DIR [--check [FN_TOL [TOTAL_TOL]]]

--check: exit 1 unless every function with >= 1% of the native total is
within FN_TOL (default 0.10) and the total within TOTAL_TOL (0.05) after the
scaling (exit 77 without valgrind or in an ASan build: valgrind cannot run
ASan binaries).
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile


def callgrind_self(path, nops, program):
    """Self Ir per function name from a callgrind.out file written with
    --dump-instr=yes, without the instructions at the addresses in `nops`
    (of the object named `program`). Recursive activations, which callgrind
    names fn'2, fn'3, ..., count as fn. Returns (Ir, executed nops) per name."""
    names, objs = {}, {}
    cost, nop_cost = {}, {}
    fn = ob = None
    last = [0, 0]
    skip_next = False
    for line in open(path, encoding="utf-8", errors="replace"):
        line = line.rstrip("\n")
        if not line:
            continue
        m = re.match(r"^(c?fn|c?ob)=(?:\((\d+)\))?\s*(.*)$", line)
        if m:
            kind, ident, name = m.groups()
            table = names if kind.endswith("fn") else objs
            if ident is not None:
                if name:
                    table[ident] = name
                name = table.get(ident, name)
            if kind == "fn":
                fn = re.sub(r"'\d+$", "", name)
            elif kind == "ob":
                ob = name
            continue
        if line.startswith("calls="):
            skip_next = True
            continue
        if line[0].isdigit() or line[0] in "+-*":
            parts = line.split()
            pos = []
            for k, v in enumerate(parts[:2]):  # positions: instr line
                if v == "*":
                    pos.append(last[k])
                elif v[0] in "+-":
                    pos.append(last[k] + int(v, 0))
                else:
                    pos.append(int(v, 0))
            last = pos
            if skip_next:  # the inclusive cost of a call
                skip_next = False
                continue
            if len(parts) >= 3 and fn is not None:
                ir = int(parts[2])
                cost[fn] = cost.get(fn, 0) + ir
                if ob is not None and os.path.basename(ob) == program and pos[0] in nops:
                    nop_cost[fn] = nop_cost.get(fn, 0) + ir
            continue
    return cost, nop_cost


def nop_addresses(objdump, binary):
    """Addresses of the alignment padding (nop) instructions of binary, as
    sim/tile/tile_cc.sh and sim/tile/cov.c leave them out."""
    out = subprocess.run([objdump, "-d", "--no-show-raw-insn", binary], check=True,
                         capture_output=True, text=True).stdout
    nops = set()
    for line in out.splitlines():
        m = re.match(r"^\s*([0-9a-f]+):\s+(\S+)\s*(.*)$", line)
        if not m:
            continue
        mnem, ops = m.group(2), m.group(3)
        if (mnem.startswith("nop") or mnem in ("int3", "data16", "cs")
                or (mnem.startswith("xchg") and re.search(r"%ax,\s*%ax", ops))):
            nops.add(int(m.group(1), 16))
    return nops


def main():
    if len(sys.argv) < 2:
        print(__doc__)
        return 2
    build = sys.argv[1]
    args = sys.argv[2:]
    check = "--check" in args
    tols = [float(a) for a in args[args.index("--check") + 1:]] if check else []
    fn_tol = tols[0] if tols else 0.10
    total_tol = tols[1] if len(tols) > 1 else 0.05
    if not shutil.which("valgrind"):
        print("counts_vs_native: valgrind not installed", file=sys.stderr)
        return 77
    native = os.path.join(build, "bench", "bench_counts_native")
    cache = os.path.join(build, "CMakeCache.txt")
    cache_text = open(cache).read() if os.path.exists(cache) else ""
    if "CMAKE_BUILD_TYPE:STRING=Asan" in cache_text:
        print("counts_vs_native: an ASan build (valgrind cannot run it)", file=sys.stderr)
        return 77
    m = re.search(r"^CMAKE_OBJDUMP:FILEPATH=(.+)$", cache_text, re.M)
    objdump = m.group(1) if m and os.path.exists(m.group(1)) else "objdump"
    tile = os.path.join(build, "bench", "bench_counts_tile")
    with tempfile.TemporaryDirectory() as tmp:
        bare = os.path.join(tmp, "bench_counts_native")
        subprocess.run(["objcopy", "--strip-debug", native, bare], check=True)
        out = os.path.join(tmp, "callgrind.out")
        subprocess.run(["valgrind", "--tool=callgrind", "--toggle-collect=counts_workloads",
                        "--dump-instr=yes", "--callgrind-out-file=" + out, bare],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        ir, nop_ir = callgrind_self(out, nop_addresses(objdump, bare), os.path.basename(bare))
        res = subprocess.run([tile, tmp], check=True, capture_output=True, text=True).stdout
    # Executed nops (padding the native code falls through into before a
    # loop head) are instructions to callgrind, never to the tile's cost
    # model: compared without them.
    nat = {k: v - nop_ir.get(k, 0) for k, v in ir.items()}
    rows = {}
    for line in res.splitlines():
        if line.startswith("#"):
            continue
        name, raw, scaled = line.split()
        if name.startswith("tile_"):  # sim/tile/libc: see above
            continue
        rows[name] = (int(raw), int(scaled))
    nat = {k[:-7] if k.endswith("_native") else k: v for k, v in nat.items()}
    nops = {k[:-7] if k.endswith("_native") else k: v for k, v in nop_ir.items()}
    total_nat = sum(nat.get(k, 0) for k in rows)
    total_raw = sum(r[0] for r in rows.values())
    total_scaled = sum(r[1] for r in rows.values())
    print("%-28s %12s %12s %7s %12s %7s" % ("function", "native Ir", "tile before", "ratio",
                                            "tile after", "ratio"))
    bad = []
    for name in sorted(rows, key=lambda k: -nat.get(k, 0)):
        n = nat.get(name, 0)
        raw, scaled = rows[name]
        if n < 0.01 * total_nat:
            continue
        r0, r1 = raw / n, scaled / n
        print("%-28s %12d %12d %7.3f %12d %7.3f" % (name, n, raw, r0, scaled, r1))
        if abs(r1 - 1) > fn_tol:
            bad.append("%s %.3f" % (name, r1))
    missing = [k for k in rows if k not in nat and rows[k][0] > 0.01 * total_raw]
    r0, r1 = total_raw / total_nat, total_scaled / total_nat
    print("%-28s %12d %12d %7.3f %12d %7.3f" % ("total (tile-code functions)", total_nat,
                                                total_raw, r0, total_scaled, r1))
    print("(native Ir without the %d executed nops of these functions)"
          % sum(nops.get(k, 0) for k in rows))
    if missing:
        print("on the tile only (>= 1%%): %s" % ", ".join(missing))
    if abs(r1 - 1) > total_tol:
        bad.append("total %.3f" % r1)
    if bad:
        print("outside %.0f%% per function, %.0f%% total: %s" % (100 * fn_tol, 100 * total_tol,
                                                               ", ".join(bad)))
    return 1 if check and (bad or missing) else 0


if __name__ == "__main__":
    sys.exit(main())
