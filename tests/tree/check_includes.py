#!/usr/bin/env python3
"""tests/tree/check_includes.py: no include runs up a floor, no two modules
include each other.

Usage: check_includes.py ROOT [FLOORS_FILE]

The floors are read from FLOORS_FILE (default ROOT/docs/architecture.md):
the lines between "<!-- floors:begin -->" and "<!-- floors:end -->" of the
form "N folder folder ..." (N = the floor's rank, 0 at the bottom), plus
optional lines "tile-code folder ... : header ..." naming the only simulator
headers that tile code in those folders may include.

Rules, for every .c and .h under a floor folder (a file belongs to the
deepest floor folder that contains it):
  1. `#include "x/y.h"` names a file of the same floor or of a floor with a
     lower rank; a floor never includes a sibling of the same rank.
  2. Modules form no cycle: a module is a .c with its same-named .h (a
     name_priv.h belongs to module `name`); module A depends on B when a file
     of A includes a header of B.
  3. Tile code includes from the simulator only the headers allowed for it.
Every finding names the file and line. Exit 0 when clean, 1 otherwise.
Standard library only (any python3).
"""
import os
import re
import sys

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')


def read_floors(path):
    floors, tile_rules = {}, []
    inside = False
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if "<!-- floors:begin -->" in line:
                inside = True
                continue
            if "<!-- floors:end -->" in line:
                inside = False
                continue
            if not inside or not line.strip() or line.startswith("```"):
                continue
            words = line.split()
            if words[0] == "tile-code":
                head, _, tail = line.partition(":")
                tile_rules.append((head.split()[1:], tail.split()))
            elif words[0].isdigit():
                for folder in words[1:]:
                    floors[folder.rstrip("/")] = int(words[0])
            else:
                sys.exit(f"{path}:{n}: floors table: expected 'RANK folder...' or "
                         f"'tile-code folder... : header...', found {line.strip()!r}")
    if not floors:
        sys.exit(f"{path}: no floors table between <!-- floors:begin --> and <!-- floors:end -->")
    return floors, tile_rules


def floor_of(path, floors):
    """The deepest floor folder containing path, or None."""
    best = None
    for folder in floors:
        if path.startswith(folder + "/") and (best is None or len(folder) > len(best)):
            best = folder
    return best


def module_of(path):
    stem, _ = os.path.splitext(path)
    return stem[:-5] if stem.endswith("_priv") else stem


def find_cycles(edges):
    """Strongly connected components with more than one module (Tarjan)."""
    index, low, stack, on, out, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in sorted(edges):
        if v not in index:
            visit(v)
    return out


def main():
    root = os.path.abspath(sys.argv[1])
    floors, tile_rules = read_floors(sys.argv[2] if len(sys.argv) > 2
                                     else os.path.join(root, "docs/architecture.md"))
    for folder in floors:
        if not os.path.isdir(os.path.join(root, folder)):
            sys.exit(f"floors table names {folder}/, which does not exist under {root}")
    errors = []
    edges, where = {}, {}
    files = []
    for folder in sorted(floors):
        for dirpath, dirnames, filenames in os.walk(os.path.join(root, folder)):
            dirnames.sort()
            for name in sorted(filenames):
                if name.endswith((".c", ".h")):
                    rel = os.path.relpath(os.path.join(dirpath, name), root)
                    if floor_of(rel, floors) == folder:
                        files.append(rel)
    for rel in files:
        folder = floor_of(rel, floors)
        rank = floors[folder]
        tile_allowed = None
        for folders, headers in tile_rules:
            if folder in folders:
                tile_allowed = headers
        with open(os.path.join(root, rel), encoding="utf-8", errors="replace") as f:
            for n, line in enumerate(f, 1):
                m = INCLUDE.match(line)
                if not m:
                    continue
                inc = m.group(1)
                if tile_allowed is not None and inc.startswith("sim/") and inc not in tile_allowed:
                    errors.append(f"{rel}:{n}: includes {inc}: tile code in {folder}/ may include "
                                  f"from sim/ only {', '.join(tile_allowed)}")
                target = floor_of(inc, floors)
                if target is None:
                    continue  # generated headers (version.h), system-like paths
                if not os.path.exists(os.path.join(root, inc)):
                    errors.append(f"{rel}:{n}: includes {inc}, which does not exist")
                    continue
                trank = floors[target]
                if target != folder and trank >= rank:
                    how = "a floor above" if trank > rank else "a sibling floor of the same rank"
                    errors.append(f"{rel}:{n}: includes {inc}: floor {target}/ ({trank}) is {how} "
                                  f"{folder}/ ({rank}); a floor includes only itself and lower floors")
                a, b = module_of(rel), module_of(inc)
                if a != b:
                    edges.setdefault(a, set()).add(b)
                    where.setdefault((a, b), f"{rel}:{n}")
    for comp in find_cycles(edges):
        members = set(comp)
        links = [f"{where[(a, b)]} ({a} -> {b})" for a in comp for b in sorted(edges.get(a, ()))
                 if b in members]
        errors.append(f"modules include each other (a cycle): {', '.join(comp)}: " + "; ".join(links))
    for e in errors:
        print(e)
    print(f"check_includes: {len(files)} files on {len(floors)} floors, "
          f"{sum(len(v) for v in edges.values())} module dependencies, {len(errors)} problem(s)")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
