#!/usr/bin/env python3
"""tests/tile/check_tile_calls.py: no invisible work (docs/tiles.md).

Usage: check_tile_calls.py NM OBJDUMP TILE_API_H OBJS
  OBJS: the objects of every target recorded by tessera_tile_code(),
  colon-separated.

Every undefined symbol of a tile-code object must be one of
  - the tile runtime's API: a tile_* function declared in TILE_API_H;
  - a coverage hook (__sanitizer_cov_*), the cost model itself;
  - a symbol defined by a tile-code object (tile code calling tile code:
    the servers calling the stack, the instrumented helpers of
    sim/tile/libc/ such as tile_memcpy);
  - an entry of ALLOWED below, for the objects it names, with its reason.
Anything else runs natively, uninstrumented, and costs nothing on a tile:
it is refused, naming the symbol, the object and the calling functions
(from the object's relocations, objdump -dr). Exit 1 if any is refused.
"""
import os
import re
import subprocess
import sys

# symbol -> (object directories it is allowed in, None: all; reason). An
# object directory is the CMake target's "<target>.dir".
ALLOWED = {
    "__assert_fail": (None,
                      "reached only when an assertion fails: it prints and aborts the "
                      "simulator, so no run goes on with work left uncharged"),
}


def run(cmd):
    return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout


def api_functions(header):
    with open(header, encoding="utf-8") as f:
        text = f.read()
    return set(re.findall(r"\b(tile_[A-Za-z0-9_]+)\s*\(", text))


def callers(objdump, obj):
    """symbol -> set of functions of obj whose code refers to it."""
    out = {}
    fn = "?"
    for line in run([objdump, "-dr", "--no-show-raw-insn", obj]).splitlines():
        m = re.match(r"^[0-9a-f]+ <(.+)>:$", line)
        if m:
            fn = m.group(1)
            continue
        m = re.match(r"^\s+[0-9a-f]+:\s+R_\S+\s+([^\s+-]+)", line)
        if m:
            out.setdefault(m.group(1), set()).add(fn)
    return out


def main():
    if len(sys.argv) != 5:
        print(__doc__, file=sys.stderr)
        return 2
    nm, objdump, header, objs = sys.argv[1:]
    objs = [o for o in objs.split(":") if o]
    if not objs:
        print("no tile-code objects given", file=sys.stderr)
        return 2
    api = api_functions(header)
    defined, undefined = set(), {}
    for o in objs:
        for line in run([nm, "-P", o]).splitlines():
            parts = line.split()
            if len(parts) < 2:
                continue
            sym, kind = parts[0], parts[1]
            if kind == "U":
                undefined.setdefault(o, set()).add(sym)
            elif kind.isupper() or kind in "tdbr":
                defined.add(sym)
    problems = 0
    allowed_used = {}
    for o in objs:
        where = None
        for sym in sorted(undefined.get(o, ())):
            if sym in api or sym.startswith("__sanitizer_cov_") or sym in defined:
                continue
            if sym in ALLOWED and (ALLOWED[sym][0] is None or
                                   any("/" + d + "/" in o for d in ALLOWED[sym][0])):
                allowed_used.setdefault(sym, set()).add(os.path.basename(o))
                continue
            if where is None:
                where = callers(objdump, o)
            fns = ", ".join(sorted(where.get(sym, ()))) or "(a data reference)"
            print(f"{o}: calls {sym} outside the tile runtime (uninstrumented, costs "
                  f"nothing on a tile), from {fns}")
            problems += 1
    for sym, users in sorted(allowed_used.items()):
        print(f"allowed: {sym} in {', '.join(sorted(users))}: {ALLOWED[sym][1]}")
    print(f"{len(objs)} tile-code objects, {problems} invisible call(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
